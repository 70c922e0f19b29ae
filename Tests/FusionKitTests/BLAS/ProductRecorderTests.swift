import FusionKit
import Testing

/// `BLAS.recordingProducts` and `BLAS.countingOperations`. A recording sees every thread's
/// products, so each test runs in a child process (an exit test), away from the other tests'.
@Suite("Product recorder")
struct ProductRecorderTests {
    @Test func matmulAndLinearRecordTheirGeometry() async {
        let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            var generator = RandomGenerator(seed: 3)
            let a = Tensor.randomNormal([7, 5], generator: &generator), b = Tensor.randomNormal([5, 3], generator: &generator)
            let linear = Linear(5, 3, generator: &generator)
            let shapes = BLAS.recordingProducts {
                _ = a.matmul(b)
                _ = withoutGradient { linear(a) }
            }
            let expected = [ProductShape(m: 7, n: 3, k: 5), ProductShape(m: 7, n: 3, k: 5, transposeA: false, transposeB: true)]
            precondition(shapes == expected, "recorded \(shapes), expected \(expected)")
            let operations = BLAS.countingOperations { _ = a.matmul(b) }
            precondition(operations == 2 * 7 * 3 * 5, "counted \(operations) operations")
            // Outside a recording nothing is kept: the next recording starts empty.
            _ = a.matmul(b)
            precondition(BLAS.recordingProducts {}.isEmpty, "a recording of nothing was not empty")
        }
        if let result, result.exitStatus != .exitCode(0) { Issue.record("\(String(decoding: result.standardErrorContent, as: UTF8.self))") }
    }

    @Test func winogradConvolutionRecordsItsSixteenProducts() async {
        let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            var generator = RandomGenerator(seed: 4)
            let x = Tensor.randomNormal([2, 3, 8, 8], generator: &generator), w = Tensor.randomNormal([4, 3, 3, 3], generator: &generator)
            let shapes = Tensor.$forcedConvolutionPath.withValue(.winograd) {
                BLAS.recordingProducts { _ = withoutGradient { x.conv2d(weight: w, bias: nil, stride: (1, 1), padding: (1, 1)) } }
            }
            // F(2×2, 3×3): at each of 16 positions [out, tiles] = [out, in]·[in, tiles], over the
            // 2 images' 4×4 tiles (one product per image, or per group of images, and position).
            precondition(!shapes.isEmpty && shapes.allSatisfy { $0.m == 4 && $0.k == 3 && !$0.transposeA && !$0.transposeB },
                         "recorded \(shapes)")
            let tileColumns = shapes.reduce(0) { $0 + $1.n }
            precondition(tileColumns == 16 * 2 * 16, "recorded \(tileColumns) tile columns over all positions, expected \(16 * 2 * 16)")
        }
        if let result, result.exitStatus != .exitCode(0) { Issue.record("\(String(decoding: result.standardErrorContent, as: UTF8.self))") }
    }
}
