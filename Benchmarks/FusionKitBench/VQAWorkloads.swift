import ArgumentParser
import Foundation
import FusionKit
import VQAKit

/// Whole VQA models beside their PyTorch peers (Benchmarks/peer/vqa_models.py), which load the
/// same initial weights and batch from the files `PeerBenchmark` writes: one training step on 64
/// images (forward, cross-entropy, backward, clipping to norm 5, AdamW), and inference on 1 and
/// on 256 images. Each is timed as the fastest of its samples (3 for the long steps), in
/// alternation with its own products alone (`ProductFloor`).
enum VQAWorkloads {
    static let trainingImages = 64
    static let inferenceImages = [1, 256]
    static let steps = 3

    /// The workloads for `models`; the peer files must be written first (`writePeerFiles`).
    static func all(models: [String], batch: VQAData) -> [Workload] {
        models.flatMap { name in
            [training(name, batch: batch)] + inferenceImages.map { inference(name, images: $0, batch: batch) }
        }
    }

    /// The batch (256 images) and the initial weights, where the peer reads them.
    static func writePeerFiles(to directory: URL, models: [String]) throws -> VQAData {
        let batch = PeerBenchmark.batch(imageCount: inferenceImages.max()!)
        try PeerBenchmark.writePeerFiles(to: directory, batch: batch, models: models)
        return batch
    }

    static func training(_ name: String, batch: VQAData) -> Workload {
        Workload(name: "vqa-train \(name)", sizes: [trainingImages]) {
            let step = trainingStep(name, batch: batch)
            let floor = ProductFloor(recording: step)
            let (seconds, products) = Timing.sideBySide(samples: steps, step, floor.run)
            return Record(name: "vqa-train \(name)", fusionkitSeconds: seconds, floorSeconds: products, operations: floor.operations,
                          gflops: floor.operations / seconds / 1e9)
        }
    }

    /// One training step of model `name` on the batch's first 64 images, as a closure.
    static func trainingStep(_ name: String, batch: VQAData) -> () -> Void {
        let model: any VQAModel
        do { model = try PeerBenchmark.initialModel(name, batch: batch) } catch { fatalError("bench: \(error)") }
        let chosen = Array(0..<trainingImages), rows = batch.questionRows(chosen)
        let images = batch.images(chosen), questions = batch.questions(rows: rows), answers = batch.answers(rows: rows)
        let parameters = model.trainableParameters()
        let optimizer = AdamW(parameters, learningRate: 1e-3, weightDecay: 1e-4)
        model.train()
        return {
            optimizer.zeroGradients()
            let loss = crossEntropyLoss(logits: model(images: images, questions: questions), targets: answers)
            loss.backward()
            _ = clipGradientNorm(parameters, maxNorm: 5)
            optimizer.step()
        }
    }

    static func inference(_ name: String, images count: Int, batch: VQAData) -> Workload {
        Workload(name: "vqa-infer\(count) \(name)", sizes: [count]) {
            let model: any VQAModel
            do { model = try PeerBenchmark.initialModel(name, batch: batch) } catch { fatalError("bench: \(error)") }
            model.eval()
            let chosen = Array(0..<count), rows = batch.questionRows(chosen)
            let images = batch.images(chosen), questions = batch.questions(rows: rows)
            let forward = { _ = withoutGradient { model(images: images, questions: questions) } }
            let floor = ProductFloor(recording: forward)
            if ProcessInfo.processInfo.environment["FUSIONKIT_BENCH_PRODUCTS"] == "1" {
                FileHandle.standardError.write(Data("vqa-infer\(count) \(name), products:\n\(floor.table())\n".utf8))
            }
            let (seconds, products) = Timing.sideBySide(samples: count == 1 ? 7 : steps, forward, floor.run)
            return Record(name: "vqa-infer\(count) \(name)", fusionkitSeconds: seconds,
                          throughput: Double(count * batch.questionsPerImage) / seconds, throughputUnit: "questions/s",
                          floorSeconds: products, operations: floor.operations, gflops: floor.operations / seconds / 1e9)
        }
    }
}

extension VQAWorkloads {
    /// `workload`, timed in a child process (`fusionkit-bench --model-probe <name>`).
    static func inFreshProcess(_ workload: Workload, threads: Int) -> Workload {
        Workload(name: workload.name, sizes: workload.sizes) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
            process.arguments = ["--model-probe", workload.name, "--threads", String(threads)]
            let pipe = Pipe()
            process.standardOutput = pipe
            guard (try? process.run()) != nil else { fatalError("bench: cannot start a child for \(workload.name)") }
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0, let record = try? ReportJSON.decoder().decode(Record.self, from: output) else {
                fatalError("bench: the child for \(workload.name) failed: \(String(decoding: output, as: UTF8.self))")
            }
            return record
        }
    }

    /// Runs the whole-model workload called `name` in this process and returns its record as JSON.
    static func runProbe(_ name: String) throws -> String {
        guard let model = name.split(separator: " ").last.map(String.init), ModelCatalog.names.contains(model) else {
            throw ValidationError("--model-probe: no model in \(name)")
        }
        let batch = PeerBenchmark.batch(imageCount: inferenceImages.max()!)
        guard let workload = all(models: [model], batch: batch).first(where: { $0.name == name }) else {
            throw ValidationError("--model-probe: unknown workload \(name)")
        }
        return String(decoding: try ReportJSON.encoder().encode(workload.run()), as: UTF8.self)
    }
}

/// Peak resident memory of a short training run (3 steps on 64 images), each side in a fresh
/// process: FusionKit's `fusionkit-bench --memory-probe <model>`, PyTorch's
/// `vqa_bench.py --memory <model>`.
enum MemoryProbe {
    /// Runs the steps in this process and returns its peak resident bytes (VmHWM).
    static func runTraining(_ name: String) -> Int {
        let batch = PeerBenchmark.batch(imageCount: VQAWorkloads.trainingImages)
        let step = VQAWorkloads.trainingStep(name, batch: batch)
        let before = TensorMemory.liveBytes
        TensorMemory.resetPeak()
        for _ in 0..<VQAWorkloads.steps { step() }
        // On stderr, for profiling: what the tensors themselves needed beyond the model and batch.
        FileHandle.standardError.write(Data("\(name): tensors \(before / 1_000_000) MB before the steps, peak \(TensorMemory.peakLiveBytes / 1_000_000) MB; resident peak \(peakResidentBytes() / 1_000_000) MB\n".utf8))
        return peakResidentBytes()
    }

    /// This process's peak resident set size, from /proc/self/status.
    static func peakResidentBytes() -> Int { statusBytes("VmHWM") }

    /// This process's resident set size now.
    static func residentBytes() -> Int { statusBytes("VmRSS") }

    /// A kilobyte field of /proc/self/status ("VmHWM", "VmRSS"), in bytes; 0 if unreadable.
    private static func statusBytes(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else {
            return 0
        }
        return kilobytes * 1024
    }

    /// Runs `executable arguments` and returns the integer after `"peak_bytes":` in its output.
    static func peakBytes(of executable: String, _ arguments: [String], environment: [String: String] = [:]) -> Int? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { return nil }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let range = output.range(of: "\"peak_bytes\":") else { return nil }
        return Int(output[range.upperBound...].prefix { $0 == " " || $0.isNumber }.trimmingCharacters(in: .whitespaces))
    }
}
