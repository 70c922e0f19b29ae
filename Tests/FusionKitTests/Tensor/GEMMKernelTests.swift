@testable import FusionKit
import CFusionKitKernels
import Foundation
import Testing

/// Every kernel behind `Tensor.gemm` (`GEMMKernel`) against the plain loops of
/// `Tensor.loopProduct`, on sizes around the AVX-512 kernels' blocks (12 rows, 32 columns, 256
/// deep, 144 and 1,024 wide; for A·Bᵀ on few rows, 4 × 6 dot products; one column), every
/// transpose, alpha and beta, row strides wider than the matrices, and products large enough to
/// be split among the cores; and the worker pool that splits them.
@Suite("GEMM kernels", .serialized)
struct GEMMKernelTests {
    /// (m, n, k): edges of every block size, one past, and a product split among cores.
    static let sizes: [(Int, Int, Int)] = [
        (1, 1, 1), (5, 3, 7), (12, 32, 256), (13, 33, 257), (11, 31, 255), (145, 40, 20), (30, 1030, 9),
        (64, 64, 64), (100, 37, 53), (200, 300, 40),
        // A·Bᵀ by dot products (few rows, narrow, or deep): depth tails, row and column tails.
        (1, 7, 128), (6, 13, 130), (257, 9, 143), (256, 40, 200), (20, 40, 300),
        // Bᵀ packed by 16 × 16 transposes: whole and partial blocks of the depth, a last narrow strip.
        (30, 64, 48), (13, 70, 37),
        // Up to 24 rows, B read in place except a last strip narrower than 32; deeper than 256.
        (10, 70, 33), (24, 64, 300), (1, 33, 5), (25, 64, 16),
        // One column (a matrix times a vector): row and depth tails, more than 16 rows.
        (2000, 1, 32), (7, 1, 19), (37, 1, 300),
    ]

    static var kernels: [GEMMKernel] {
        GEMMKernel.allCases.filter { $0 == .loops || $0 == .openBLAS || fk_sgemm_available() != 0 }
    }

    /// C (with a row stride of n + 3, its padding holding NaN that must stay untouched) from
    /// `kernel`, and the same from the loops.
    static func product(_ kernel: GEMMKernel, m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
                        alpha: Float, beta: Float) -> (actual: [Float], expected: [Float], ran: [String]) {
        let (aRows, aColumns) = transposeA ? (k, m) : (m, k), (bRows, bColumns) = transposeB ? (n, k) : (k, n)
        let strides = (a: aColumns + 2, b: bColumns + 1, c: n + 3)
        var generator = RandomGenerator(seed: UInt64(m * 7 + n * 11 + k))
        let a = (0..<aRows * strides.a).map { _ in Float.random(in: -1...1, using: &generator) }
        let b = (0..<bRows * strides.b).map { _ in Float.random(in: -1...1, using: &generator) }
        var c = (0..<m * strides.c).map { index in index % strides.c >= n || beta == 0 ? Float.nan : Float(index % 5) - 2 }
        let start = c
        let log = KernelPathLog()
        KernelPathLog.$current.withValue(log) {
            Tensor.$forcedGEMMKernel.withValue(kernel) {
                Tensor.gemm(a, b, &c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta,
                            rowStrides: strides)
            }
        }
        // The loops on packed copies, then beta·C added.
        let packedA = (0..<aRows).flatMap { Array(a[$0 * strides.a..<$0 * strides.a + aColumns]) }
        let packedB = (0..<bRows).flatMap { Array(b[$0 * strides.b..<$0 * strides.b + bColumns]) }
        var loops = [Float](repeating: 0, count: m * n)
        Tensor.loopProduct(packedA, packedB, &loops, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha)
        var expected = start
        for i in 0..<m {
            for j in 0..<n { expected[i * strides.c + j] = loops[i * n + j] + (beta == 0 ? 0 : beta * start[i * strides.c + j]) }
        }
        return (c, expected, log.paths(of: "gemm"))
    }

    @Test("each kernel matches the loops on every transpose, alpha and beta", arguments: kernels)
    func matchesTheLoops(kernel: GEMMKernel) {
        for (m, n, k) in Self.sizes {
            for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
                for (alpha, beta) in [(Float(1), Float(0)), (3, 0), (0.5, 1), (-2, 0.25)] {
                    let (actual, expected, ran) = Self.product(kernel, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                                               alpha: alpha, beta: beta)
                    // A kernel forced on operands it cannot multiply runs the packed one.
                    let ranKernel = kernel.multiplies(n: n, transposeA: transposeA, transposeB: transposeB) ? kernel : .avx512Packed
                    #expect(ran == [ranKernel.rawValue])
                    // Float rounding grows with the depth k: entries of A and B lie in [−1, 1].
                    let bound = 2e-6 * Float(k) * Swift.max(1, abs(alpha)) + 1e-6
                    let worst = zip(actual, expected).map { (a, e) in a.isNaN && e.isNaN ? 0 : abs(a - e) }.max() ?? 0
                    #expect(worst <= bound, "\(kernel) \(m)×\(n)×\(k) \(transposeA) \(transposeB) α \(alpha) β \(beta): off by \(worst)")
                }
            }
        }
    }

    /// Split among the cores, and inside a per-core split (where each product stays whole).
    @Test("products shared among cores and products inside a per-core split agree", arguments: kernels)
    func sharedProducts(kernel: GEMMKernel) {
        let a = random([150, 100], seed: 1), b = random([100, 130], seed: 2)
        let whole = Tensor.$forcedGEMMKernel.withValue(kernel) { a.matmul(b) }
        let loops = Tensor.$forcedMatmulPath.withValue(.reference) { a.matmul(b) }
        #expect(isClose(whole, loops, relative: 1e-4, absolute: 1e-4), "off by \(maxDifference(whole, loops))")
        let pieces = Locked([Int: Tensor]())
        BLAS.parallelChunks(count: 4) { range in
            // Forced again on each core: a task-local does not reach the worker threads.
            for index in range { pieces.withLock { $0[index] = Tensor.$forcedGEMMKernel.withValue(kernel) { a.matmul(b) } } }
        }
        for index in 0..<4 {
            let piece = pieces.withLock { $0[index] }!
            // The AVX-512 kernels share out whole columns, so each sum is the same sum either way.
            if kernel != .openBLAS { #expect(piece == whole) }
            else { #expect(isClose(piece, whole, relative: 1e-5, absolute: 1e-5)) }
        }
    }

    @Test func choiceFollowsTheHostAndTheGeometry() {
        #expect(Tensor.usesOwnGEMM(avx512Available: true, openBLASKernel: "Haswell"))
        #expect(Tensor.usesOwnGEMM(avx512Available: true, openBLASKernel: "Zen"))
        #expect(!Tensor.usesOwnGEMM(avx512Available: true, openBLASKernel: "SkylakeX"))
        #expect(!Tensor.usesOwnGEMM(avx512Available: true, openBLASKernel: "SapphireRapids"))
        #expect(!Tensor.usesOwnGEMM(avx512Available: false, openBLASKernel: "Haswell"))
        // A·Bᵀ by dot products from a depth of 32 on fewer than 12 rows, fewer than 32 columns, or
        // a depth of 8·m + 128 and more; B in place on up to 24 rows or up to 2^18 floats of B.
        let choices: [((Int, Int, Int, Bool, Bool), GEMMKernel)] = [
            ((32, 768, 384, false, true), .avx512Dot), ((32, 768, 383, false, true), .avx512Packed),
            ((11, 64, 32, false, true), .avx512Dot), ((12, 64, 128, false, true), .avx512Packed),
            ((256, 31, 32, false, true), .avx512Dot), ((256, 32, 576, false, true), .avx512Packed),
            ((4, 64, 31, false, true), .avx512Packed),
            ((32, 768, 768, true, true), .avx512Packed), ((24, 192, 64, false, false), .avx512InPlace),
            ((10, 192, 64, true, false), .avx512InPlace), ((25, 192, 64, false, false), .avx512InPlace),
            ((25, 1024, 256, false, false), .avx512InPlace), ((25, 1025, 256, false, false), .avx512Packed),
            ((2000, 1024, 1024, true, false), .avx512Packed),
            ((2000, 1, 32, false, true), .avx512Vector), ((5, 1, 300, true, false), .avx512Vector),
        ]
        for ((m, n, k, ta, tb), kernel) in choices {
            #expect(Tensor.gemmKernel(m: m, n: n, k: k, transposeA: ta, transposeB: tb) == kernel, "\(m)×\(n)×\(k) \(ta) \(tb)")
        }
        // What runs unforced is what the choices name for this host.
        let own = Tensor.usesOwnGEMM(avx512Available: fk_sgemm_available() != 0, openBLASKernel: BLAS.kernelName)
        for (m, n, k) in [(64, 64, 64), (10, 64, 64)] {
            let log = KernelPathLog()
            KernelPathLog.$current.withValue(log) { _ = random([m, k], seed: 3).matmul(random([k, n], seed: 4)) }
            let expected = own ? Tensor.gemmKernel(m: m, n: n, k: k, transposeA: false, transposeB: false) : .openBLAS
            #expect(log.paths(of: "gemm") == [expected.rawValue])
        }
    }

    @Test("the worker pool runs every index once, inline when nested or when there are more than cores")
    func workerPool() {
        let cores = WorkerPool.cores
        #expect(cores == ProcessInfo.processInfo.activeProcessorCount)
        for count in [0, 1, cores, cores + 3] {
            let seen = Locked([Int]())
            WorkerPool.run(count: count) { index in seen.withLock { $0.append(index) } }
            #expect(seen.withLock { $0 }.sorted() == Array(0..<count))
        }
        let nested = Locked([Int]())
        WorkerPool.run(count: cores) { outer in
            WorkerPool.run(count: 2) { inner in nested.withLock { $0.append(outer * 10 + inner) } }
        }
        let expectedNested: [Int] = (0..<cores).flatMap { outer -> [Int] in [outer * 10, outer * 10 + 1] }
        #expect(nested.withLock { $0 }.sorted() == expectedNested)
        // Two threads submitting at once: each job completes, whichever gets the workers.
        let totals = Locked([Int](repeating: 0, count: 2))
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for _ in 0..<200 {
                WorkerPool.run(count: cores) { index in totals.withLock { $0[thread] += index + 1 } }
            }
        }
        let perThread: Int = 200 * cores * (cores + 1) / 2
        #expect(totals.withLock { $0 } == [perThread, perThread])
    }
}
