import ExampleProgramSupport
import Foundation
import FusionKit
import Testing

/// A program of the examples package, built from the current sources (`exampleProgram`).
func builtProgram(_ name: String) throws -> URL {
    try exampleProgram(name)
}

/// Open MPI's launcher (`make setup` installs openmpi-bin).
func mpirunPath() throws -> URL {
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
    let candidates = folders.map { URL(fileURLWithPath: $0).appendingPathComponent("mpirun") }
    return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) },
                        "mpirun not found: install openmpi-bin (make setup)")
}

/// A launched program: alone, or as `ranks` processes under mpirun (allowed to run as root and
/// to put more ranks than cores on this machine).
final class Job: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private var collected = Data()
    private let lock = NSLock()

    /// `environment` adds variables to the test process's own, for every rank.
    init(program: String, arguments: [String], ranks: Int?, environment: [String: String] = [:]) throws {
        let binary = try builtProgram(program)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        if let ranks {
            process.executableURL = try mpirunPath()
            process.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", String(ranks), binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        process.standardOutput = output
        process.standardError = output
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.collected.append(data)
            self.lock.unlock()
        }
        try process.run()
    }

    /// Waits for the end (failing the test after `timeout` seconds, killing the job) and
    /// returns the exit status and everything printed.
    func finish(timeout: Double = 300) -> (status: Int32, output: String) {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            Issue.record("the job did not end within \(timeout) s")
        }
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        let rest = output.fileHandleForReading.readDataToEndOfFile()
        lock.lock()
        defer { lock.unlock() }
        collected.append(rest)
        return (process.terminationStatus, String(decoding: collected, as: UTF8.self))
    }

    /// Runs to the end.
    static func run(_ program: String, _ arguments: [String], ranks: Int? = nil) throws -> (status: Int32, output: String) {
        try Job(program: program, arguments: arguments, ranks: ranks).finish()
    }
}

/// The process ids of the ranks of running jobs whose command line contains `marker`, by rank.
func rankProcesses(containing marker: String) -> [Int: Int32] {
    var found: [Int: Int32] = [:]
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for entry in entries {
        guard let pid = Int32(entry),
              let commandLine = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline")),
              String(decoding: commandLine, as: UTF8.self).contains(marker),
              let environment = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/environ")) else { continue }
        for variable in environment.split(separator: 0) {
            let text = String(decoding: variable, as: UTF8.self)
            if text.hasPrefix("OMPI_COMM_WORLD_RANK="), let rank = Int(text.dropFirst("OMPI_COMM_WORLD_RANK=".count)) {
                found[rank] = pid
            }
        }
    }
    return found
}

/// The largest per-tensor relative difference max|a − b| / max|a| over the floating-point
/// tensors whose keys start with `prefix`, and the key where it occurs.
func largestRelativeDifference(_ a: URL, _ b: URL, prefix: String = "") throws -> (value: Double, key: String) {
    let first = try SafeTensors.read(contentsOf: a).tensors, second = try SafeTensors.read(contentsOf: b).tensors
    #expect(Set(first.keys) == Set(second.keys))
    var worst = (value: 0.0, key: "")
    for (key, tensor) in first where key.hasPrefix(prefix) {
        guard let other = second[key] else { continue }
        let x = tensor.scalars, y = other.scalars
        let scale = Double(x.map { abs($0) }.max() ?? 0)
        let difference = zip(x, y).map { Double(abs($0 - $1)) }.max() ?? 0
        let relative = scale > 0 ? difference / scale : difference
        if relative > worst.value { worst = (relative, key) }
    }
    return worst
}

/// A fresh empty folder under the temporary directory.
func temporaryFolder(_ name: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("distributed-tests-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}
