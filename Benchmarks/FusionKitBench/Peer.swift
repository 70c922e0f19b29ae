import Foundation

/// The PyTorch half of the benchmarks (Benchmarks/peer/bench.py in `--serve` mode): one Python
/// process, asked for one workload at a time, so that each FusionKit measurement is followed at
/// once by PyTorch's on the same shapes and threads.
final class Peer {
    private(set) var version = ""
    private let process = Process()
    private let input = Pipe(), output = Pipe()
    private var buffer = Data()

    /// Starts the peer; nil (with a note on stderr) when it cannot run, so the FusionKit half still reports.
    init?(python: String, script: String, threads: Int, environment extra: [String: String] = [:]) {
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--threads", String(threads), "--serve"]
        process.standardInput = input
        process.standardOutput = output
        // PyTorch runs with its own defaults, as its users get it: its OpenMP threads spin a
        // little after each parallel region before they sleep. (Until 2026-11-30 the peer ran
        // with OMP_WAIT_POLICY=PASSIVE so that spinning could not reach into the next FusionKit
        // measurement; that made every PyTorch op wake its threads from sleep, and PyTorch 1.2–4.6×
        // slower on the whole VQA models. A pause before each side's measurement does the job.)
        var environment = ProcessInfo.processInfo.environment
        environment.merge(extra) { $1 }
        process.environment = environment
        do {
            try process.run()
        } catch {
            FileHandle.standardError.write("peer: cannot start \(python): \(error)\n".data(using: .utf8)!)
            return nil
        }
        guard let hello = readLine(),
              let object = try? JSONSerialization.jsonObject(with: hello) as? [String: Any],
              let torch = object["torch"] as? String, let torchThreads = object["threads"] as? Int else {
            FileHandle.standardError.write("peer: \(script) did not start (is torch installed?)\n".data(using: .utf8)!)
            if process.isRunning { process.terminate() }
            return nil
        }
        version = "\(torch) (\(torchThreads) threads)"
        onnxRuntimeVersion = object["onnxruntime"] as? String
    }

    /// ONNX Runtime's version when the peer environment has it (`make bench-peer` installs it).
    private(set) var onnxRuntimeVersion: String?

    /// PyTorch's seconds per call for the workload, or nil when the peer does not know it.
    func seconds(name: String, sizes: [Int]) -> Double? { times(name: name, sizes: sizes, onnxRuntime: false).pytorch }

    /// PyTorch's and, when asked and installed, ONNX Runtime's seconds per call (each nil when unknown).
    func times(name: String, sizes: [Int], onnxRuntime: Bool) -> (pytorch: Double?, onnxRuntime: Double?) {
        let asked: [String: Any] = ["name": name, "sizes": sizes, "onnxruntime": onnxRuntime && onnxRuntimeVersion != nil]
        guard process.isRunning, let request = try? JSONSerialization.data(withJSONObject: asked) else { return (nil, nil) }
        Thread.sleep(forTimeInterval: Self.settleSeconds)  // FusionKit's BLAS threads stop spinning
        input.fileHandleForWriting.write(request + Data("\n".utf8))
        guard let line = readLine(), let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else {
            FileHandle.standardError.write("peer: no answer for \(name)\n".data(using: .utf8)!)
            return (nil, nil)
        }
        Thread.sleep(forTimeInterval: Self.settleSeconds)  // the peer's threads go to sleep
        return (object["seconds"] as? Double, object["onnxruntime_seconds"] as? Double)
    }

    /// The pause between one side's measurement and the other's: longer than OpenBLAS's
    /// threads (about 0.1 s) and OpenMP's spin before they sleep.
    static let settleSeconds = 0.3

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    private func readLine() -> Data? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                buffer = Data(buffer[(newline + 1)...])
                return Data(line)
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }
}
