import ArgumentParser
import FusionKit
import Foundation
import VQAKit

/// `make bench`: FusionKit beside raw sgemm, memcpy and (when installed) PyTorch, printed as a
/// markdown table and written as JSON.
@main
struct FusionKitBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fusionkit-bench",
        abstract: "Benchmark FusionKit against raw BLAS, memory copies and PyTorch.")

    @Option(help: "Where to write the JSON report.")
    var output: String = ".build/bench/latest.json"

    @Option(help: "Python interpreter with torch installed, to run the PyTorch peer.")
    var peerPython: String?

    @Option(help: "The PyTorch peer script.")
    var peerScript: String = "Benchmarks/peer/bench.py"

    @Option(help: "BLAS threads for FusionKit and PyTorch alike (default: OpenBLAS's choice).")
    var threads: Int?

    @Flag(help: "Fewer sizes, for a fast look.")
    var quick = false

    @Option(help: "Run only workloads whose name contains this text (or, comma-separated, any of these texts).")
    var filter: String?

    @Flag(help: "Leave out the whole VQA models (training step, inference, memory).")
    var noModels = false

    @Option(help: .hidden) var memoryProbe: String?
    @Option(help: .hidden) var modelProbe: String?
    @Option(help: .hidden) var bertLoadProbe: String?
    @Option(help: .hidden) var loaderProbe: Int?

    @Option(help: "Rounds of FusionKit-then-peers; each row reports each side's median and the median and range of its per-round ratios, so a busy spell on this shared machine does not land on one side only.")
    var rounds: Int = 3

    mutating func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if rounds < 1 { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
        if let peerPython, !FileManager.default.isExecutableFile(atPath: peerPython) {
            throw ValidationError("--peer-python \(peerPython) is not an executable file")
        }
    }

    func run() throws {
        if let threads {
            BLAS.threadCount = threads
            Parallel.threadCount = threads
        }
        if let memoryProbe {
            // A child process of the memory rows: train, report the peak, exit.
            return print("{\"peak_bytes\": \(MemoryProbe.runTraining(memoryProbe))}")
        }
        if let bertLoadProbe {
            // A child process of the BERT loading row: load, report the growth of resident memory.
            return print(try BertWorkloads.runLoadProbe(bertLoadProbe))
        }
        if let loaderProbe {
            // A child process of the loader rows: one training epoch on generated PNG files.
            return print(try DataWorkloads.runLoaderProbe(loaderProbe))
        }
        if let modelProbe {
            // A child process of a whole-model row: time it in this fresh process, report, exit.
            return print(try VQAWorkloads.runProbe(modelProbe))
        }
        let threadCount = BLAS.threadCount
        print("FusionKit bench — \(BLAS.configuration)")
        var workloads = Workloads.all(quick: quick)
        BertWorkloads.benchFolder = URL(fileURLWithPath: output).deletingLastPathComponent().standardizedFileURL
        workloads += BertWorkloads.all() + ImageEncoderWorkloads.all()
        // Comma-separated parts: a row is kept when its name contains any of them.
        let parts = filter.map { $0.split(separator: ",").map { String($0) } }
        func kept(_ name: String) -> Bool { parts.map { $0.contains { name.contains($0) } } ?? true }
        func keptPart(of text: String) -> Bool { parts.map { $0.contains { text.contains($0) } } ?? true }
        let dataRows = keptPart(of: "decode png load png loader")
        if dataRows { workloads += DataWorkloads.all() }
        // Whole models: both sides start from the weights and batch written here.
        let peerFolder = URL(fileURLWithPath: output).deletingLastPathComponent().appendingPathComponent("vqa-peer")
            .standardizedFileURL
        let models = noModels ? [] : ModelCatalog.names.filter { name in
            ["vqa-train", "vqa-infer1", "vqa-infer256"].contains { kind in kept("\(kind) \(name)") }
        }
        if !models.isEmpty {
            let batch = try VQAWorkloads.writePeerFiles(to: peerFolder, models: models)
            // Each model in its own process, as a training run would be: in one long process the
            // earlier workloads' heap made the relation network's step up to 1.6× slower.
            workloads += VQAWorkloads.all(models: models, batch: batch).map { VQAWorkloads.inFreshProcess($0, threads: threadCount) }
        }
        workloads = workloads.filter { kept($0.name) }
        var samples = Array(repeating: RoundSamples(), count: workloads.count)
        var firstRounds: [Record] = []
        let peer = peerPython.flatMap {
            Peer(python: $0, script: peerScript, threads: threadCount,
                 environment: ["FUSIONKIT_VQA_PEER_DIR": peerFolder.path, "FUSIONKIT_BENCH_DIR": BertWorkloads.benchFolder.path])
        }
        // Each workload: FusionKit, then at once its peers, so all see the same machine; each row
        // reports medians over the rounds (see RoundSamples).
        for round in 1...rounds {
            for (index, workload) in workloads.enumerated() {
                let record = workload.run()
                if firstRounds.count <= index { firstRounds.append(record) }
                var line = String(format: "round %d  %-34@ %12@", round, workload.name, Report.format(record.fusionkitSeconds))
                if let ratio = record.ratio { line += String(format: "  %.3f× %@", ratio, record.reference ?? "") }
                var times: (pytorch: Double?, onnxRuntime: Double?) = (nil, nil)
                if let peer {
                    times = peer.times(name: workload.name, sizes: workload.sizes, onnxRuntime: workload.name.hasPrefix("vqa-infer"))
                    if let seconds = times.pytorch { line += String(format: "  %.3f× pytorch", record.fusionkitSeconds / seconds) }
                    if let seconds = times.onnxRuntime { line += String(format: "  %.3f× onnxruntime", record.fusionkitSeconds / seconds) }
                }
                samples[index].add(record, pytorch: times.pytorch, onnxruntime: times.onnxRuntime)
                print(line)
            }
        }
        peer?.stop()
        let torchVersion = peer?.version
        let onnxRuntimeVersion = peer?.onnxRuntimeVersion
        let records = zip(samples, firstRounds).map { $0.summary(of: $1) }
        var memory: [MemoryRecord] = []
        for name in models {
            let fusionKit = MemoryProbe.peakBytes(of: "/proc/self/exe", ["--memory-probe", name, "--threads", String(threadCount)])
            let pytorch = peerPython.flatMap {
                MemoryProbe.peakBytes(of: $0, [URL(fileURLWithPath: peerScript).deletingLastPathComponent()
                                                .appendingPathComponent("vqa_bench.py").path,
                                               "--memory", name, "--threads", String(threadCount)],
                                      environment: ["FUSIONKIT_VQA_PEER_DIR": peerFolder.path])
            }
            let row = MemoryRecord(model: name, fusionkitBytes: fusionKit, pytorchBytes: pytorch)
            print("memory  \(row.line)")
            memory.append(row)
        }
        let loading = keptPart(of: "bert-load-memory") ? BertWorkloads.models.map(BertWorkloads.loadingRecord) : []
        for row in loading { print("loading  \(row.line)") }
        let loader = dataRows ? DataWorkloads.runSizes.compactMap { DataWorkloads.loaderRecord(size: $0, threads: threadCount) } : []
        for row in loader { print("loader  \(row.line)") }
        let report = Report(date: ISO8601DateFormatter().string(from: Date()), blas: BLAS.configuration.description,
                            threads: threadCount, pytorch: torchVersion, onnxruntime: onnxRuntimeVersion, records: records,
                            memory: memory, loading: loading,
                            loader: loader)
        print("")
        print(report.markdownTable())
        if !memory.isEmpty { print("\n" + report.memoryTable()) }
        if !loading.isEmpty { print("\n" + report.loadingTable()) }
        if !loader.isEmpty { print("\n" + report.loaderTable()) }
        try report.write(to: output)
        print("\nwrote \(output)")
    }
}
