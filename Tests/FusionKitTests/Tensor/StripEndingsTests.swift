@testable import FusionKit
import CFusionKitKernels
import Testing

/// How the blocked kernels (`avx512Packed`, `avx512InPlace`) end a row of strips (`StripEndings`):
/// a half strip, dot products over the cached block of A, both, or neither, each against the
/// loops with β and an epilogue, and each asserted to have run where the width asks for it.
@Suite("GEMM strip endings", .serialized)
struct StripEndingsTests {
    /// The endings the kernel's rule gives a block of `n` columns (FusionKitKernels.h).
    static func expected(n: Int, k: Int, transposeA: Bool) -> [String] {
        if transposeA { return [] }
        switch n % 32 {
        case 1...8: return k >= 64 ? ["dot columns"] : ["half strip"]
        case 9...16: return ["half strip"]
        case 17...24: return k >= 64 ? ["half strip", "dot columns"] : []
        default: return []
        }
    }

    @Test("each width's ending matches the loops and is the one that ran",
          arguments: [GEMMKernel.avx512Packed, .avx512InPlace])
    func endings(kernel: GEMMKernel) {
        guard fk_sgemm_available() != 0 else { return }
        // Widths over every remainder class, depths on both sides of 64 and past one block of 256,
        // one product split among the cores by columns (30 × 1,000) and one by rows (200 × 196).
        let sizes = [(13, 5, 53), (13, 5, 64), (13, 16, 300), (13, 37, 53), (13, 37, 64), (13, 44, 300), (25, 49, 300),
                     (13, 49, 40), (13, 21, 100), (13, 60, 53), (12, 64, 40), (30, 1000, 300), (200, 196, 256)]
        for (index, (m, n, k)) in sizes.enumerated() {
            for (transposeA, transposeB) in [(false, false), (false, true), (true, false)] {
                let shape = ProductEpilogueTests.epilogues[index % 4]
                let (alpha, beta): (Float, Float) = index % 2 == 0 ? (1, 0) : (-2, 0.25)
                let label = "\(kernel) \(m)×\(n)×\(k) \(transposeA) \(transposeB)"
                var generator = RandomGenerator(seed: UInt64(m * 7 + n * 3 + k))
                func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
                let a = values(m * k), b = values(k * n), start = values(m * n), bias = values(m), residual = values(m * n)
                var c = start, expected = [Float](repeating: 0, count: m * n)
                let log = KernelPathLog()
                bias.withUnsafeBufferPointer { biasPointer in
                    residual.withUnsafeBufferPointer { residualPointer in
                        let epilogue = ProductEpilogue(bias: shape.bias ? biasPointer.baseAddress : nil,
                                                       residual: shape.residual ? residualPointer.baseAddress : nil,
                                                       residualStride: n, relu: shape.relu)
                        KernelPathLog.$current.withValue(log) {
                            GEMMKernel.forcing(kernel) {
                                Tensor.gemm(a, b, &c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                            alpha: alpha, beta: beta, epilogue: epilogue)
                            }
                        }
                        Tensor.loopProduct(a, b, &expected, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                           alpha: alpha)
                        for index in expected.indices { expected[index] += beta * start[index] }
                        epilogue.apply(to: &expected, rowStride: n, m: m, n: n)
                    }
                }
                let worst = zip(c, expected).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 2e-6 * Float(k) * 2 + 1e-6, "\(label): off by \(worst)")
                // Split by columns, the last block (1,000 − 512 = 488 columns) holds the remainder.
                #expect(log.paths(of: "gemm last strip") == Self.expected(n: n, k: k, transposeA: transposeA), "\(label)")
            }
        }
    }
}
