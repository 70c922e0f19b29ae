import FusionKit
import Testing

/// Every kernel of `matmul` (`MatmulPath`) forced in turn on the same operands, checked to have
/// run, and compared with the reference loops; and the choice on the sizes where it switches.
@Suite("Matrix product paths")
struct MatmulPathTests {
    /// Batched (with broadcasting), folded (a shared right operand) and plain products.
    static let cases: [([Int], [Int])] = [([6, 9, 16], [6, 16, 12]), ([4, 1, 5, 3], [4, 2, 3, 6]), ([3, 20, 16], [16, 12]), ([33, 17], [17, 9])]

    @Test("each path runs when forced and matches the reference loops",
          arguments: MatmulPath.allCases.filter { $0 != .reference }, cases)
    func matchesTheReference(path: MatmulPath, shapes: ([Int], [Int])) {
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            var (shapeA, shapeB) = shapes
            if transposeA { shapeA.swapAt(shapeA.count - 1, shapeA.count - 2) }
            if transposeB { shapeB.swapAt(shapeB.count - 1, shapeB.count - 2) }
            let a = random(shapeA, seed: 81), b = random(shapeB, seed: 82)
            func product(_ forced: MatmulPath) -> (Tensor, [String]) {
                let log = KernelPathLog()
                let c = KernelPathLog.$current.withValue(log) {
                    Tensor.$forcedMatmulPath.withValue(forced) { a.matmul(b, transposeA: transposeA, transposeB: transposeB) }
                }
                return (c, log.paths(of: "matmul"))
            }
            let (actual, ran) = product(path), (expected, referenceRan) = product(.reference)
            #expect(ran == [path.rawValue] && referenceRan == ["reference"])
            #expect(isClose(actual, expected, relative: 1e-5, absolute: 1e-5),
                    "A\(shapeA) B\(shapeB) \(transposeA) \(transposeB): off by \(maxDifference(actual, expected))")
            // The reference loops are a plain triple loop.
            let loops = Reference.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
            #expect(isClose(expected, loops, relative: 1e-5, absolute: 1e-5))
        }
    }

    /// Tiny products by loops, batches of four or more small ones per core, large ones on
    /// OpenBLAS's threads; a shared right operand folds the batch into one product.
    @Test func choiceFollowsTheSizes() {
        func ran(_ a: [Int], _ b: [Int]) -> [String] {
            let log = KernelPathLog()
            KernelPathLog.$current.withValue(log) { _ = random(a, seed: 83).matmul(random(b, seed: 84)) }
            return log.paths(of: "matmul")
        }
        #expect(ran([2, 4, 4], [2, 4, 4]) == ["reference"])          // 64 multiply-adds, 2 products
        #expect(ran([8, 4, 4], [8, 4, 4]) == ["loopsPerCore"])       // 64 each, 8 products
        #expect(ran([8, 16, 16], [8, 16, 16]) == ["gemmPerCore"])    // 4,096 each, 8 products
        #expect(ran([2, 16, 16], [2, 16, 16]) == ["gemm"])           // 2 products
        #expect(ran([8, 16, 16], [16, 16]) == ["gemm"])              // folded: one product of 128 rows
        #expect(ran([8, 2, 4], [4, 4]) == ["reference"])             // folded, 256 multiply-adds
        #expect(ran([8, 128, 128], [8, 128, 128]) == ["gemmPerCore"])
        #expect(ran([8, 256, 256], [8, 256, 256]) == ["gemm"])       // 16.8M each: above the per-core limit
    }
}
