import ArgumentParser
import FusionKit
import Foundation

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

    @Option(help: "Run only workloads whose name contains this text.")
    var filter: String?

    mutating func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let peerPython, !FileManager.default.isExecutableFile(atPath: peerPython) {
            throw ValidationError("--peer-python \(peerPython) is not an executable file")
        }
    }

    func run() throws {
        if let threads { BLAS.threadCount = threads }
        let threadCount = BLAS.threadCount
        print("FusionKit bench — \(BLAS.configuration)")
        var workloads = Workloads.all(quick: quick)
        if let filter { workloads = workloads.filter { $0.name.contains(filter) } }
        var records: [Record] = []
        for workload in workloads {
            let record = workload.run()
            records.append(record)
            let reference = record.ratio.map { String(format: "  %.3f× %@", $0, record.reference ?? "") } ?? ""
            print(String(format: "%-24@ %12@%@", workload.name, Report.format(record.fusionkitSeconds), reference))
        }
        var torchVersion: String?
        if let peerPython {
            let peer = Peer(python: peerPython, script: peerScript)
            let spec = Dictionary(uniqueKeysWithValues: workloads.map { ($0.name, $0.sizes) })
            if let result = peer.run(threads: threadCount, workloads: spec) {
                torchVersion = "\(result.torch) (\(result.threads) threads)"
                for i in records.indices {
                    guard let seconds = result.seconds[records[i].name] else { continue }
                    records[i].pytorchSeconds = seconds
                    records[i].pytorchRatio = records[i].fusionkitSeconds / seconds
                    if records[i].reference == nil {
                        records[i].reference = "pytorch"
                        records[i].referenceSeconds = seconds
                        records[i].ratio = records[i].pytorchRatio
                    }
                }
            }
        }
        let report = Report(date: ISO8601DateFormatter().string(from: Date()), blas: BLAS.configuration.description,
                            threads: threadCount, pytorch: torchVersion, records: records)
        print("")
        print(report.markdownTable())
        try report.write(to: output)
        print("\nwrote \(output)")
    }
}
