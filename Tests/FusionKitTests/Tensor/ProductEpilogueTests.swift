@testable import FusionKit
import CFusionKitKernels
import Testing

/// `Tensor.gemm(…, epilogue:)`: each kernel's product followed by the bias, the residual and the
/// ReLU (`ProductEpilogue`), against the loops with `ProductEpilogue.apply` after them, on the
/// GEMM tests' sizes (partial register blocks, depths past one block of 256, products split among
/// the cores by rows and by columns), three transposes, and with β ≠ 0.
@Suite("Product epilogue", .serialized)
struct ProductEpilogueTests {
    static let epilogues: [(bias: Bool, residual: Bool, relu: Bool)] = [
        (true, false, false), (false, true, false), (false, false, true), (true, true, true),
    ]

    @Test("each kernel with an epilogue matches the loops, then the epilogue", arguments: GEMMKernelTests.kernels)
    func matchesTheLoops(kernel: GEMMKernel) {
        // Split among the cores by rows (300 × 200) and by columns (40 × 1,100).
        for (index, (m, n, k)) in (GEMMKernelTests.sizes + [(300, 200, 40), (40, 1100, 20)]).enumerated() {
            for (transposeA, transposeB) in [(false, false), (true, false), (false, true)] {
                for (alpha, beta) in [(Float(1), Float(0)), (-2, 0.25)] {
                    // Each size with two of the four epilogues, in turn.
                    for shape in [Self.epilogues[index % 4], Self.epilogues[(index + 2) % 4]] {
                        let label = "\(kernel) \(m)×\(n)×\(k) \(transposeA) \(transposeB) α \(alpha) β \(beta) \(shape)"
                        let (aRows, aColumns) = transposeA ? (k, m) : (m, k), (bRows, bColumns) = transposeB ? (n, k) : (k, n)
                        var generator = RandomGenerator(seed: UInt64(m * 5 + n * 3 + k))
                        func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -1...1, using: &generator) } }
                        let a = values(aRows * aColumns), b = values(bRows * bColumns), start = values(m * n)
                        let bias = values(m), residualStride = n + 2, residual = values(m * residualStride)
                        var c = start
                        let ran = bias.withUnsafeBufferPointer { biasPointer in
                            residual.withUnsafeBufferPointer { residualPointer in
                                let epilogue = ProductEpilogue(bias: shape.bias ? biasPointer.baseAddress : nil,
                                                               residual: shape.residual ? residualPointer.baseAddress : nil,
                                                               residualStride: residualStride, relu: shape.relu)
                                let log = KernelPathLog()
                                KernelPathLog.$current.withValue(log) {
                                    Tensor.$forcedGEMMKernel.withValue(kernel) {
                                        Tensor.gemm(a, b, &c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                                    alpha: alpha, beta: beta, epilogue: epilogue)
                                    }
                                }
                                return log.paths(of: "gemm")
                            }
                        }
                        var expected = [Float](repeating: 0, count: m * n)
                        Tensor.loopProduct(a, b, &expected, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, alpha: alpha)
                        for index in expected.indices { expected[index] += beta * start[index] }
                        bias.withUnsafeBufferPointer { biasPointer in
                            residual.withUnsafeBufferPointer { residualPointer in
                                ProductEpilogue(bias: shape.bias ? biasPointer.baseAddress : nil,
                                                residual: shape.residual ? residualPointer.baseAddress : nil,
                                                residualStride: residualStride, relu: shape.relu)
                                    .apply(to: &expected, rowStride: n, m: m, n: n)
                            }
                        }
                        let ranKernel = kernel.multiplies(n: n, transposeA: transposeA, transposeB: transposeB) ? kernel : .avx512Packed
                        #expect(ran == [ranKernel.rawValue], "\(label)")
                        let bound = 2e-6 * Float(k) * Swift.max(1, abs(alpha)) + 1e-6
                        let worst = zip(c, expected).map { abs($0 - $1) }.max() ?? 0
                        #expect(worst <= bound, "\(label): off by \(worst)")
                        if shape.relu { #expect(c.allSatisfy { $0 >= 0 } && (m * n < 16 || c.contains(0)), "\(label): not clamped") }
                    }
                }
            }
        }
    }
}
