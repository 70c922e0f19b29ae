import FusionKit
import FusionKitDistributed
import Testing

@Suite("Hooks and custom operations for data-parallel training")
struct GradientHookTests {
    @Test("onGradientReady fires once per backward, with the parameter's complete gradient")
    func readyHookSeesFinalGradient() {
        var generator = RandomGenerator(seed: 3)
        let shared = Parameter(Tensor.randomNormal([4, 4], generator: &generator))
        let other = Parameter(Tensor.randomNormal([4, 4], generator: &generator))
        var seen: [String: [Float]] = [:], calls = 0
        shared.onGradientReady = { calls += 1; seen["shared"] = shared.gradient?.scalars }
        other.onGradientReady = { seen["other"] = other.gradient?.scalars }
        let x = Tensor.randomNormal([3, 4], generator: &generator)
        // `shared` is used twice: its hook must wait for both contributions.
        let hidden = x.matmul(shared.value).tanh()
        let loss = hidden.matmul(shared.value).matmul(other.value).square().sum()
        loss.backward()
        #expect(calls == 1)
        #expect(seen["shared"] == shared.gradient?.scalars)
        #expect(seen["other"] == other.gradient?.scalars)
        // A new value (as an optimizer may assign) keeps the hook.
        shared.value = shared.value * 0.5
        x.matmul(shared.value).sum().backward()
        #expect(calls == 2)
    }

    @Test("Tensor.differentiable: an op defined outside FusionKit joins the graph and passes the gradient check")
    func customOperation() throws {
        // f(x) = x³ with a hand-written backward 3x²·g.
        func cube(_ x: Tensor) -> Tensor {
            Tensor.differentiable("cube", result: x * x * x, inputs: [x]) { gradient in [gradient * x.detached().square() * 3] }
        }
        var generator = RandomGenerator(seed: 9)
        let input = Tensor.randomNormal([3, 5], generator: &generator)
        let mismatches = GradientCheck.check([input]) { cube($0[0]) }
        #expect(mismatches.isEmpty, "\(mismatches)")
        // Without a recording input, no graph.
        #expect(!cube(input).requiresGradient)
        // A wrong backward is caught.
        func wrongCube(_ x: Tensor) -> Tensor {
            Tensor.differentiable("cube", result: x * x * x, inputs: [x]) { gradient in [gradient * x.detached().square() * 2] }
        }
        #expect(!GradientCheck.check([input]) { wrongCube($0[0]) }.isEmpty)
    }

    @Test("batch norm with a synchronised sum over one process computes what plain batch norm does")
    func synchronizedBatchNormOneProcess() {
        var generator = RandomGenerator(seed: 4)
        let input = Tensor.randomNormal([6, 3, 4, 4], generator: &generator).requiringGradient()
        let upstream = Tensor.randomNormal([6, 3, 4, 4], generator: &generator)
        let plain = BatchNorm2d(3), synchronized = BatchNorm2d(3)
        synchronized.synchronizedSum = { ProcessGroup.single.differentiableSum($0) }
        let a = plain(input)
        (a * upstream).sum().backward()
        let plainGradient = input.gradient!.scalars
        input.gradient = nil
        let b = synchronized(input)
        (b * upstream).sum().backward()
        for (x, y) in zip(a.scalars, b.scalars) { #expect(abs(x - y) <= 1e-5) }
        for (x, y) in zip(plainGradient, input.gradient!.scalars) { #expect(abs(x - y) <= 1e-4) }
        for (x, y) in zip(plain.runningVar.value.scalars, synchronized.runningVar.value.scalars) { #expect(abs(x - y) <= 1e-6) }
    }

    @Test("synchronised batch norm over a simulated pair of processes equals batch norm of the whole batch")
    func synchronizedBatchNormTwoHalves() {
        // Two 'processes' in one: each half of the batch runs through its own layer whose sum
        // adds the other half's statistics (known in advance), as MPI would.
        var generator = RandomGenerator(seed: 6)
        let whole = Tensor.randomNormal([8, 2, 3, 3], generator: &generator)
        let reference = BatchNorm2d(2)(whole)
        let halves = [whole.slice(0..<4, alongAxis: 0), whole.slice(4..<8, alongAxis: 0)]
        // The statistics each half contributes, in the order the layer asks for them.
        func contributions(_ x: Tensor, mean: Tensor?) -> [Tensor] {
            let axes = [0, 2, 3]
            let count = Tensor(Float(x.shape[0] * 9)).reshaped([1])
            let sum = x.sum(alongAxes: axes, keepingDimensions: true)
            guard let mean else { return [count, sum] }
            return [count, sum, (x - mean).square().sum(alongAxes: axes, keepingDimensions: true)]
        }
        let mean = whole.mean(alongAxes: [0, 2, 3], keepingDimensions: true)
        var outputs: [Tensor] = []
        for (index, half) in halves.enumerated() {
            let partner = contributions(halves[1 - index], mean: mean)
            var call = 0
            let layer = BatchNorm2d(2)
            layer.synchronizedSum = { tensor in
                defer { call += 1 }
                return tensor + partner[call]
            }
            outputs.append(layer(half))
        }
        let joined = Tensor.concatenate(outputs, alongAxis: 0)
        for (x, y) in zip(reference.scalars, joined.scalars) { #expect(abs(x - y) <= 1e-5) }
    }
}
