import ArgumentParser
import FusionKit
import Foundation

/// Prints the BLAS configuration FusionKit runs with and a matmul throughput line.
@main
struct BLASInfo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas-info",
        abstract: "Show the OpenBLAS kernel and threads FusionKit uses, and its matmul speed.")

    @Option(help: "Matrix size n for the n×n×n product.")
    var size: Int = 1024

    @Option(help: "OpenBLAS threads (default: OpenBLAS's own choice).")
    var threads: Int?

    mutating func validate() throws {
        guard size > 0 && size <= 8192 else { throw ValidationError("--size must be in 1...8192, got \(size)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    func run() throws {
        if let threads { BLAS.threadCount = threads }
        print("FusionKit BLAS: \(BLAS.configuration)")
        var generator = RandomGenerator(seed: 1)
        let a = Tensor.randomNormal([size, size], generator: &generator)
        let b = Tensor.randomNormal([size, size], generator: &generator)
        _ = a.matmul(b)
        var best = Double.infinity
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = a.matmul(b)
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let gflops = 2 * Double(size * size * size) / best / 1e9
        print(String(format: "matmul %d×%d×%d: %.1f GFLOP/s (best of 5, %.2f ms)", size, size, size, gflops, best * 1e3))
    }
}
