import Foundation

/// The repository's root folder (this file is Tests/ExampleProgramSupport/ExamplePrograms.swift).
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Why a test cannot run an example program.
public struct ExampleProgramError: Error, CustomStringConvertible {
    public let description: String
}

/// A program of the examples package (`vqa`, `data-parallel-mlp`, …), built from the current
/// sources, for tests that run it. The examples are a package of their own, so `swift test` does
/// not build them: the first call for a program in a test process runs
/// `swift build --package-path Examples --product NAME` (a no-op when `make test` has just built
/// them), so that a test never runs a program older than the library it checks. Returns the debug
/// build's path; throws with the build's output if it fails.
public func exampleProgram(_ name: String) throws -> URL {
    try ExamplePrograms.shared.built(name)
}

private final class ExamplePrograms: @unchecked Sendable {
    static let shared = ExamplePrograms()
    /// Held while building, so that tests running in parallel build each program once.
    private let lock = NSLock()
    private var built: [String: URL] = [:]

    func built(_ name: String) throws -> URL {
        lock.lock()
        defer { lock.unlock() }
        if let url = built[name] { return url }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", "build", "--package-path", repositoryRoot.appendingPathComponent("Examples").path,
                             "--product", name]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let log = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let binary = repositoryRoot.appendingPathComponent("Examples/.build/debug/\(name)")
        guard process.terminationStatus == 0, FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw ExampleProgramError(description: "`swift build --package-path Examples --product \(name)` failed "
                                      + "(status \(process.terminationStatus)):\n\(log.suffix(2_000))")
        }
        built[name] = binary
        return binary
    }
}
