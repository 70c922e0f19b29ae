import Foundation

/// Runs the PyTorch half of the benchmarks (Benchmarks/peer/bench.py) and reads its timings.
struct Peer {
    var python: String
    var script: String

    struct Output: Decodable {
        var torch: String
        var threads: Int
        var seconds: [String: Double]
    }

    /// Runs the peer with the same workloads and thread count; nil (with a note on stderr) when
    /// it cannot run, so the FusionKit half still reports.
    func run(threads: Int, workloads: [String: [Int]]) -> Output? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        let spec = (try? JSONSerialization.data(withJSONObject: workloads)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
        process.arguments = [script, "--threads", String(threads), "--workloads", spec]
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            FileHandle.standardError.write("peer: cannot start \(python): \(error)\n".data(using: .utf8)!)
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            FileHandle.standardError.write("peer: \(script) exited with status \(process.terminationStatus)\n".data(using: .utf8)!)
            return nil
        }
        do {
            return try JSONDecoder().decode(Output.self, from: data)
        } catch {
            FileHandle.standardError.write("peer: unreadable output: \(error)\n".data(using: .utf8)!)
            return nil
        }
    }
}
