import FusionKit
import Testing

/// Every differentiable tensor operation: its hand-written backward against finite differences.
@Suite("Gradients of tensor operations")
struct GradientTests {
    /// Random values kept at least 0.1 away from 0 (the kink of relu, abs, clamp at 0…).
    static func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
        let x = random(shape, seed: seed)
        return x + x.sign() * 0.1
    }

    /// The shared check with this file's tighter absolute tolerance.
    func expectGradients(_ inputs: [Tensor], relative: Float = 1e-2, absolute: Float = 1e-3,
                         sourceLocation: SourceLocation = #_sourceLocation, _ function: ([Tensor]) -> Tensor) {
        FusionKitTests.expectGradients(inputs, relative: relative, absolute: absolute, sourceLocation: sourceLocation, function)
    }

    @Test func broadcastingArithmetic() {
        let a = random([2, 3, 4], seed: 1), b = random([3, 1], seed: 2), c = random([4], seed: 3) + 3
        expectGradients([a, b]) { $0[0] + $0[1] }
        expectGradients([a, b]) { $0[0] - $0[1] }
        expectGradients([a, b]) { $0[0] * $0[1] }
        expectGradients([a, c]) { $0[0] / $0[1] }
        expectGradients([b, a]) { $0[0] / ($0[1].square() + 1) }
        expectGradients([a]) { -$0[0] * 3 + 2 - (1 - $0[0]) / 4 }
        expectGradients([c]) { 2 / $0[0] }
        expectGradients([a, Self.awayFromZero([4], seed: 4)]) { Tensor.maximum($0[0], $0[1]) }
        expectGradients([a, Self.awayFromZero([4], seed: 5)]) { Tensor.minimum($0[0], $0[1]) }
    }

    @Test func sameTensorUsedTwiceAccumulates() {
        let a = random([3, 2], seed: 6)
        expectGradients([a]) { $0[0] * $0[0] + $0[0] }
        var x = random([3], seed: 7)
        expectGradients([x]) { inputs in
            var y = inputs[0]
            y += inputs[0]
            y *= 3
            return y
        }
        x = x.requiringGradient()
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        #expect(x.gradient == Tensor.full([3], value: 5), "gradients accumulate across backward calls")
    }

    @Test func unaryFunctions() {
        let x = random([3, 5], seed: 8)
        let positive = x.abs() + 0.5
        expectGradients([x]) { $0[0].exp() }
        expectGradients([positive]) { $0[0].log() }
        expectGradients([x]) { $0[0].tanh() }
        expectGradients([x]) { $0[0].sigmoid() }
        expectGradients([positive]) { $0[0].sqrt() }
        expectGradients([positive]) { $0[0].rsqrt() }
        expectGradients([x]) { $0[0].square() }
        expectGradients([Self.awayFromZero([3, 5], seed: 9)]) { $0[0].abs() }
        expectGradients([positive]) { $0[0].pow(1.7) }
        expectGradients([positive]) { $0[0].pow(-1) }
        expectGradients([positive, random([5], seed: 10)]) { $0[0].pow($0[1]) }
        expectGradients([Self.awayFromZero([3, 5], seed: 11)]) { $0[0].relu() }
        expectGradients([Self.awayFromZero([3, 5], seed: 12)]) { $0[0].leakyReLU(negativeSlope: 0.1) }
        expectGradients([x]) { $0[0].gelu() }
        expectGradients([x]) { $0[0].gelu(approximate: true) }
        let clamped = Self.awayFromZero([3, 5], seed: 13) * 0.5
        expectGradients([clamped]) { $0[0].clamp(min: -0.3, max: 0.35) }
    }

    @Test func reductions() {
        let x = random([2, 3, 4], seed: 14)
        expectGradients([x]) { $0[0].sum() }
        expectGradients([x]) { $0[0].sum(alongAxes: 1) }
        expectGradients([x]) { $0[0].sum(alongAxes: [0, 2], keepingDimensions: true) }
        expectGradients([x]) { $0[0].mean(alongAxes: -1) }
        expectGradients([x]) { $0[0].max(alongAxes: 1) }
        expectGradients([x]) { $0[0].min(alongAxes: [0, 2]) }
        expectGradients([x]) { $0[0].variance(alongAxes: 2) }
        expectGradients([x]) { $0[0].variance(alongAxes: [0, 1], correction: 0, keepingDimensions: true) }
        expectGradients([x]) { $0[0].logSumExp(alongAxes: [1]) }
        // The last axis is one fused node (a different backward from the composite above).
        expectGradients([x]) { $0[0].logSumExp(alongAxes: [2]) }
        expectGradients([x * 10]) { $0[0].logSumExp(alongAxes: [-1], keepingDimensions: true) * Tensor([1, -2, 3], shape: [1, 3, 1]) }
        // Ties share the gradient of a max evenly.
        let tied = Tensor([1, 3, 3, 2]).requiringGradient()
        tied.max().backward()
        #expect(tied.gradient?.scalars == [0, 0.5, 0.5, 0])
        // Adjacent axes take the one-pass path (global max pooling of NCHW maps), ties included;
        // axes [0, 2] above take the general one.
        expectGradients([random([2, 3, 4, 5], seed: 16)]) { $0[0].max(alongAxes: 2, 3) }
        expectGradients([random([2, 3, 4, 5], seed: 17)]) { $0[0].min(alongAxes: [1, 2], keepingDimensions: true) }
        let tiedMap = Tensor([5, 1, 5, 5, 2, 0, 2, -1], shape: [2, 2, 2]).requiringGradient()
        tiedMap.max(alongAxes: 1, 2).backward(Tensor([3, 4]))
        #expect(tiedMap.gradient?.scalars == [1, 0, 1, 1, 2, 0, 2, 0])
    }

    @Test func softmaxFamily() {
        let x = random([3, 4, 5], seed: 15)
        for axis in [0, 1, -1] {
            expectGradients([x]) { $0[0].softmax(alongAxis: axis) }
            expectGradients([x]) { $0[0].logSoftmax(alongAxis: axis) }
        }
    }

    @Test func shapeOperations() {
        let x = random([2, 3, 4], seed: 16)
        expectGradients([x]) { $0[0].reshaped([6, -1]) * Tensor.arange(4) }
        expectGradients([x]) { $0[0].flattened(startAxis: 1).square() }
        expectGradients([x]) { $0[0].expandingShape(at: 1).squeezingShape(at: [1]).exp() }
        expectGradients([x]) { $0[0].transposed().tanh() }
        expectGradients([x]) { $0[0].permuted([2, 0, 1]) * Tensor.arange(3) }
        expectGradients([random([3, 1], seed: 17)]) { $0[0].broadcast(to: [2, 3, 4]).square() }
        expectGradients([x]) { $0[0].slice(1..<3, alongAxis: 1).square() }
        expectGradients([x]) { $0[0].slice(0..<4, alongAxis: 2, step: 2).square() }
        expectGradients([x]) { $0[0].indexSelect([2, 0, 2], alongAxis: 1).square() }
        expectGradients([x]) { $0[0].gather(alongAxis: 2, indices: Tensor([3, 0, 0, 1, 2, 2], shape: [2, 3, 1])).square() }
        expectGradients([x, random([2, 1, 4], seed: 18)]) { Tensor.concatenate([$0[0], $0[1]], alongAxis: 1).square() }
        expectGradients([x, x * 2]) { Tensor.stack([$0[0], $0[1]], alongAxis: 3).square() }
        expectGradients([x]) { $0[0].split(sizes: [1, 3], alongAxis: 2)[1].square() }
        let condition = random([3, 4], seed: 19) .> 0
        expectGradients([x, random([4], seed: 20)]) { Tensor.select(where: condition, $0[0], $0[1]).square() }
    }

    @Test("matmul with every transpose combination, batches and vectors",
          arguments: [([3, 4], [4, 5]), ([2, 3, 4], [4, 5]), ([2, 3, 4], [2, 4, 5]), ([3, 4], [2, 4, 5]),
                      ([2, 1, 3, 4], [3, 4, 2])])
    func matmul(shapes: ([Int], [Int])) {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            var sa = shapes.0, sb = shapes.1
            if ta { sa.swapAt(sa.count - 1, sa.count - 2) }
            if tb { sb.swapAt(sb.count - 1, sb.count - 2) }
            expectGradients([random(sa, seed: 21), random(sb, seed: 22)]) {
                $0[0].matmul($0[1], transposeA: ta, transposeB: tb)
            }
        }
        expectGradients([random([4], seed: 23), random([4, 3], seed: 24)]) { $0[0].matmul($0[1]) }
        expectGradients([random([2, 4], seed: 25), random([4], seed: 26)]) { $0[0].matmul($0[1]) }
    }

    @Test func noGradientScopeRecordsNothing() {
        let w = random([3, 3], seed: 27).requiringGradient()
        let y = withoutGradient { w.matmul(w).exp().sum() }
        #expect(!y.requiresGradient)
        #expect((w * 2).requiresGradient)
        #expect(!(w.detached() * 2).requiresGradient)
    }

    @Test func graphIsFreedAfterBackward() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let w = Tensor([1, 2]).requiringGradient()
            let loss = (w * w).sum()
            loss.backward()
            loss.backward()
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("already freed"), "\(message)")
    }
}
