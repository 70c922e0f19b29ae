import Foundation
import FusionKit
import FusionKitDistributed
import Testing

/// Real jobs under mpirun on this machine: N ranks must compute what one process computes, and
/// a rank that dies or fails must end the job quickly with a message naming it.
@Suite("Data-parallel jobs under mpirun", .serialized)
struct DataParallelJobTests {
    /// How far (relative to a tensor's largest weight) a `vqa train` checkpoint of 2 ranks may
    /// lie from one process's. Both sum the same gradients, in another order (two half-batches,
    /// each product by the kernel its own shape picks); AdamW divides each gradient by its own
    /// running scale, so where a gradient is near zero those rounding differences reach the
    /// weights: 1.08e-5 of model.fusion.mlp.0.weight after 6 steps on 2026-12-05.
    static let vqaTrainingTolerance = 5e-5

    @Test("2 ranks with a global batch of 64 reach the weights of 1 process after 20 steps (overlapped or not)")
    func twoRanksMatchOneProcess() throws {
        let folder = try temporaryFolder("mlp")
        let alone = folder.appendingPathComponent("alone.safetensors")
        let common = ["--steps", "20", "--batch-size", "64"]
        let single = try Job.run("data-parallel-mlp", common + ["--output", alone.path])
        #expect(single.status == 0, "\(single.output)")
        for variant in [["--output"], ["--no-overlap", "--bucket-capacity", "1000", "--output"]] {
            let file = folder.appendingPathComponent("two-\(variant.count).safetensors")
            let job = try Job.run("data-parallel-mlp", common + variant + [file.path], ranks: 2)
            #expect(job.status == 0, "\(job.output)")
            #expect(job.output.contains("2 rank(s)"))
            let difference = try largestRelativeDifference(alone, file)
            #expect(difference.value <= 1e-5, "\(variant): \(difference.key) differs by \(difference.value)")
            // The loss printed at every fifth step is that of the whole global batch: the same.
            let losses = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("step ") } }
            #expect(losses(job.output) == losses(single.output))
        }
    }

    @Test("vqa train under mpirun: 2 ranks match 1 process, and 2 ranks resume to the uninterrupted run")
    func vqaTwoRanks() throws {
        let folder = try temporaryFolder("vqa")
        let common = ["train", "--model", "concat-mlp", "--width", "16", "--train-images", "32", "--test-images", "8",
                      "--batch-size", "8", "--quiet"]
        func checkpoint(_ name: String) -> URL { folder.appendingPathComponent(name).appendingPathComponent("checkpoint.safetensors") }
        let single = try Job.run("vqa", common + ["--epochs", "1", "--output", folder.appendingPathComponent("one").path])
        #expect(single.status == 0, "\(single.output)")
        let pair = try Job.run("vqa", common + ["--epochs", "1", "--output", folder.appendingPathComponent("two").path], ranks: 2)
        #expect(pair.status == 0, "\(pair.output)")
        #expect(pair.output.contains("2 ranks sharing each batch of 8 images"))
        let difference = try largestRelativeDifference(checkpoint("one"), checkpoint("two"), prefix: "model.")
        #expect(difference.value <= Self.vqaTrainingTolerance, "\(difference.key) differs by \(difference.value)")
        // Every rank reads the same checkpoint and continues to the numbers of an uninterrupted run.
        let straight = try Job.run("vqa", common + ["--epochs", "2", "--output", folder.appendingPathComponent("straight").path],
                                   ranks: 2)
        #expect(straight.status == 0, "\(straight.output)")
        let first = try Job.run("vqa", common + ["--epochs", "2", "--minutes", "0.0001", "--output",
                                                 folder.appendingPathComponent("resumed").path], ranks: 2)
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.contains("trained 1 epochs"))
        let resumed = try Job.run("vqa", common + ["--epochs", "2", "--resume", "--output",
                                                   folder.appendingPathComponent("resumed").path], ranks: 2)
        #expect(resumed.status == 0, "\(resumed.output)")
        let afterResume = try largestRelativeDifference(checkpoint("straight"), checkpoint("resumed"))
        #expect(afterResume.value == 0, "\(afterResume.key) differs by \(afterResume.value)")
    }

    @Test("vqa train on a folder of PNG files under mpirun: each rank loads only its share, and 2 ranks match 1 process")
    func folderTwoRanks() throws {
        let folder = try temporaryFolder("vqa-folder")
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = folder.appendingPathComponent("clevr").path
        let generated = try Job.run("vqa", ["generate", "--format", "clevr", "--train-images", "24", "--test-images", "4",
                                            "--draw", "0", "--output", data])
        #expect(generated.status == 0, "\(generated.output)")
        let common = ["train", "--model", "concat-mlp", "--width", "16", "--data", data, "--batch-size", "8", "--epochs", "2",
                      "--quiet"]
        func checkpoint(_ name: String) -> URL { folder.appendingPathComponent(name).appendingPathComponent("checkpoint.safetensors") }
        let single = try Job.run("vqa", common + ["--output", folder.appendingPathComponent("one").path])
        #expect(single.status == 0, "\(single.output)")
        let pair = try Job.run("vqa", common + ["--output", folder.appendingPathComponent("two").path], ranks: 2)
        #expect(pair.status == 0, "\(pair.output)")
        // 24 images in batches of 8 over 2 epochs: each rank decodes its 4 of every batch, 24 in all.
        for rank in 0..<2 { #expect(pair.output.contains("rank \(rank) of 2: loaded 24 training images"), "\(pair.output)") }
        let difference = try largestRelativeDifference(checkpoint("one"), checkpoint("two"), prefix: "model.")
        #expect(difference.value <= Self.vqaTrainingTolerance, "\(difference.key) differs by \(difference.value)")
    }

    @Test("killing one rank ends the job within seconds, names the rank, and leaves the checkpoint whole")
    func killedRank() throws {
        let (job, checkpoint, victim) = try endlessTrainingWithCheckpoint("kill")
        kill(victim, SIGKILL)
        let killed = Date()
        let result = job.finish(timeout: 60)
        let seconds = Date().timeIntervalSince(killed)
        #expect(result.status != 0)
        #expect(seconds < 10, "the job took \(seconds) s to end")
        #expect(result.output.contains("rank 1"), "\(result.output)")
        // Rank 0 writes checkpoints atomically: the last one is whole and loads.
        let saved = try SafeTensors.read(contentsOf: checkpoint)
        #expect(saved.tensors.keys.contains { $0.hasPrefix("model.") })
    }

    @Test("a rank that hangs without dying ends the job after the collective deadline, naming the waiting rank and the operation")
    func stuckRank() throws {
        let (job, checkpoint, victim) = try endlessTrainingWithCheckpoint(
            "stuck", environment: [ProcessGroup.collectiveTimeoutVariable: "3"])
        kill(victim, SIGSTOP)   // alive, holding its sockets, never reaching the next collective
        // Without a working deadline the job would wait forever (mpirun too, for its stopped
        // rank): kill the rank after 30 s so that such a failure ends as a failed timing check.
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) { kill(victim, SIGKILL) }
        let stopped = Date()
        let result = job.finish(timeout: 60)
        let seconds = Date().timeIntervalSince(stopped)
        #expect(result.status != 0)
        #expect(seconds >= 2.5 && seconds < 20, "the job took \(seconds) s to end after rank 1 stopped")
        #expect(result.output.contains("rank 0 of 2: MPI_I") && result.output.contains("did not complete within 3.0 s"), "\(result.output)")
        let saved = try SafeTensors.read(contentsOf: checkpoint)
        #expect(saved.tensors.keys.contains { $0.hasPrefix("model.") })
    }

    @Test("a rank that throws ends the job with an error naming it")
    func failingRank() throws {
        let folder = try temporaryFolder("raise")
        // Rank 0 creates the run folder; a file in its place makes rank 0 alone fail.
        let run = folder.appendingPathComponent("run")
        try Data("not a folder".utf8).write(to: run)
        let started = Date()
        let result = try Job.run("vqa", ["train", "--model", "concat-mlp", "--width", "16", "--train-images", "64",
                                         "--test-images", "8", "--batch-size", "8", "--epochs", "1000", "--quiet",
                                         "--output", run.path], ranks: 2)
        #expect(result.status != 0)
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(result.output.contains("rank 0 of 2 failed"), "\(result.output)")
        #expect(try Data(contentsOf: run) == Data("not a folder".utf8))
    }

    /// A 2-rank `vqa train` of 1,000 epochs, once its first checkpoint exists: the job, the
    /// checkpoint and rank 1's process id.
    private func endlessTrainingWithCheckpoint(_ name: String, environment: [String: String] = [:]) throws
        -> (job: Job, checkpoint: URL, rank1: Int32) {
        let run = try temporaryFolder(name).appendingPathComponent("run")
        let job = try Job(program: "vqa", arguments: ["train", "--model", "concat-mlp", "--width", "16", "--train-images", "64",
                                                      "--test-images", "8", "--batch-size", "8", "--epochs", "1000",
                                                      "--quiet", "--output", run.path], ranks: 2, environment: environment)
        let checkpoint = run.appendingPathComponent("checkpoint.safetensors")
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint.path) && Date() < deadline && job.process.isRunning {
            Thread.sleep(forTimeInterval: 0.1)
        }
        let ranks = rankProcesses(containing: run.path)
        return (job, checkpoint, try #require(ranks[1], "rank 1 not found among \(ranks)"))
    }
}
