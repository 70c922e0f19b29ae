import FusionKit
import Foundation
import Testing

/// Squeeze-and-excitation and non-local blocks: shapes and keys, forward against loops written from
/// the papers' formulas, backward against finite differences (input and every parameter), and
/// parity with PyTorch on the fixtures made by Tests/Fixtures/make_attention_fixtures.py.
@Suite("CNN attention blocks")
struct CNNAttentionTests {
    let parity = ParityTests()

    func state(_ module: Module) -> [String: Tensor] { module.stateDict() }

    /// The block's backward matches finite differences with respect to its input alone, then to its
    /// input and every parameter (moved in place by the gradient checker).
    func expectBlockGradients(_ x: Tensor, parameters: [Parameter], sourceLocation: SourceLocation = #_sourceLocation,
                              _ block: (Tensor) -> Tensor) {
        expectGradients([x], sourceLocation: sourceLocation) { block($0[0]) }
        expectGradients([x], parameters: parameters, sourceLocation: sourceLocation) { block($0[0]) }
    }

    // MARK: Squeeze-and-excitation

    /// The SE block from its definition, element by element in double precision.
    static func naiveSqueezeExcitation(_ x: Tensor, _ p: [String: Tensor]) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let w1 = p["fc1.weight"]!.scalars, b1 = p["fc1.bias"]!.scalars
        let w2 = p["fc2.weight"]!.scalars, b2 = p["fc2.bias"]!.scalars
        let hidden = b1.count, xs = x.scalars
        var out = [Float](repeating: 0, count: x.count)
        for i in 0..<n {
            let squeezed = (0..<c).map { ch in
                (0..<(h * w)).reduce(0.0) { $0 + Double(xs[(i * c + ch) * h * w + $1]) } / Double(h * w)
            }
            let z = (0..<hidden).map { k in
                max(0, (0..<c).reduce(Double(b1[k])) { $0 + Double(w1[k * c + $1]) * squeezed[$1] })
            }
            for ch in 0..<c {
                let a = (0..<hidden).reduce(Double(b2[ch])) { $0 + Double(w2[ch * hidden + $1]) * z[$1] }
                let gate = 1 / (1 + Foundation.exp(-a))
                for p in 0..<(h * w) {
                    let index = (i * c + ch) * h * w + p
                    out[index] = Float(Double(xs[index]) * gate)
                }
            }
        }
        return Tensor(out, shape: x.shape)
    }

    @Test func squeezeExcitationShapesAndKeys() {
        var generator = RandomGenerator(seed: 1)
        let se = SqueezeExcitation(channels: 32, generator: &generator)
        #expect(se.hiddenChannels == 2 && se.channels == 32)
        #expect(Set(se.stateDict().keys) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        #expect(se.fc1.weight.shape == [2, 32] && se.fc2.weight.shape == [32, 2])
        let small = SqueezeExcitation(channels: 6, reduction: 16, generator: &generator)
        #expect(small.hiddenChannels == 1, "the bottleneck never drops below one unit")
        let explicit = SqueezeExcitation(channels: 8, hiddenChannels: 5, generator: &generator)
        #expect(explicit.fc1.weight.shape == [5, 8] && explicit.fc2.weight.shape == [8, 5])
        let x = random([3, 8, 5, 7], seed: 2)
        #expect(explicit(x).shape == [3, 8, 5, 7])
        #expect(explicit.gates(x).shape == [3, 8])
        let gates = explicit.gates(x).scalars
        #expect(gates.allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test func squeezeExcitationMatchesDefinition() {
        var generator = RandomGenerator(seed: 3)
        let se = SqueezeExcitation(channels: 6, reduction: 2, generator: &generator)
        let x = random([2, 6, 3, 5], seed: 4)
        let actual = se(x), expected = Self.naiveSqueezeExcitation(x, state(se))
        #expect(isClose(actual, expected, relative: 1e-5, absolute: 1e-6), "max difference \(maxDifference(actual, expected))")
    }

    @Test func squeezeExcitationWithZeroExcitationHalvesTheInput() {
        var generator = RandomGenerator(seed: 5)
        let se = SqueezeExcitation(channels: 4, reduction: 2, generator: &generator)
        se.fc2.weight.update { $0 = Tensor.zeros([4, 2]) }
        se.fc2.bias?.update { $0 = Tensor.zeros([4]) }
        let x = random([2, 4, 3, 3], seed: 6)
        let y = se(x)
        #expect(isClose(y, x * 0.5, relative: 1e-7, absolute: 0), "max difference \(maxDifference(y, x * 0.5))")
    }

    @Test func squeezeExcitationGradients() {
        var generator = RandomGenerator(seed: 7)
        let se = SqueezeExcitation(channels: 6, reduction: 2, generator: &generator)
        let x = random([2, 6, 3, 4], seed: 8)
        expectBlockGradients(x, parameters: se.parameters()) { se($0) }
        // The same block written inline from the parameter values, differentiated in all of them.
        let p = state(se)
        expectGradients([x, p["fc1.weight"]!, p["fc1.bias"]!, p["fc2.weight"]!, p["fc2.bias"]!]) { v in
            let gates = v[0].mean(alongAxes: [2, 3]).affine(weight: v[1], bias: v[2]).relu()
                .affine(weight: v[3], bias: v[4]).sigmoid()
            return v[0] * gates.reshaped([2, 6, 1, 1])
        }
    }

    @Test func squeezeExcitationParity() throws {
        let fixture = try ParityTests.load("squeeze_excitation")
        var generator = RandomGenerator(seed: 0)
        let se = SqueezeExcitation(channels: 6, hiddenChannels: 3, generator: &generator)
        try se.loadStateDict(parity.parameterState(fixture))
        parity.checkLayer(fixture, se, parameterKeys: ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]) { se($0) }
    }

    @Test func squeezeExcitationRejectsWrongChannels() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var generator = RandomGenerator(seed: 0)
            let se = SqueezeExcitation(channels: 4, reduction: 2, generator: &generator)
            _ = se(Tensor.zeros([1, 3, 2, 2]))
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("SqueezeExcitation") && message.contains("[1, 3, 2, 2]"), "\(message)")
    }

    // MARK: Non-local block

    /// The embedded-Gaussian non-local block from its definition, in double precision.
    static func naiveNonLocal(_ x: Tensor, _ p: [String: Tensor]) -> (output: Tensor, attention: Tensor) {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let inner = p["theta.bias"]!.count, positions = h * w, xs = x.scalars
        /// A 1×1 convolution of image i: [out][position].
        func project(_ name: String, _ i: Int) -> [[Double]] {
            let weight = p["\(name).weight"]!.scalars, bias = p["\(name).bias"]!.scalars
            return (0..<inner).map { o in
                (0..<positions).map { q in
                    (0..<c).reduce(Double(bias[o])) { $0 + Double(weight[o * c + $1]) * Double(xs[(i * c + $1) * positions + q]) }
                }
            }
        }
        let outWeight = p["out.weight"]!.scalars, outBias = p["out.bias"]!.scalars
        var output = [Float](repeating: 0, count: x.count)
        var attention = [Float](repeating: 0, count: n * positions * positions)
        for i in 0..<n {
            let theta = project("theta", i), phi = project("phi", i), g = project("g", i)
            var y = [[Double]](repeating: [Double](repeating: 0, count: positions), count: inner)
            for a in 0..<positions {
                let scores = (0..<positions).map { b in (0..<inner).reduce(0.0) { $0 + theta[$1][a] * phi[$1][b] } }
                let largest = scores.max()!
                let exponentials = scores.map { Foundation.exp($0 - largest) }
                let total = exponentials.reduce(0, +)
                for b in 0..<positions {
                    let f = exponentials[b] / total
                    attention[(i * positions + a) * positions + b] = Float(f)
                    for k in 0..<inner { y[k][a] += f * g[k][b] }
                }
            }
            for ch in 0..<c {
                for q in 0..<positions {
                    let index = (i * c + ch) * positions + q
                    let projected = (0..<inner).reduce(Double(outBias[ch])) { $0 + Double(outWeight[ch * inner + $1]) * y[$1][q] }
                    output[index] = Float(projected + Double(xs[index]))
                }
            }
        }
        return (Tensor(output, shape: x.shape), Tensor(attention, shape: [n, positions, positions]))
    }

    @Test func nonLocalShapesAndKeys() {
        var generator = RandomGenerator(seed: 11)
        let block = NonLocalBlock(channels: 6, generator: &generator)
        #expect(block.interChannels == 3 && block.channels == 6)
        #expect(Set(block.stateDict().keys) == ["theta.weight", "theta.bias", "phi.weight", "phi.bias",
                                                "g.weight", "g.bias", "out.weight", "out.bias"])
        #expect(block.theta.weight.shape == [3, 6, 1, 1] && block.out.weight.shape == [6, 3, 1, 1])
        #expect(block.lastAttention == nil)
        let x = random([2, 6, 4, 5], seed: 12).requiringGradient()
        let z = block(x)
        #expect(z.shape == [2, 6, 4, 5])
        let attention = block.lastAttention
        #expect(attention?.shape == [2, 20, 20])
        #expect(attention?.requiresGradient == false, "the kept map is detached from the graph")
        if let attention {
            let rowSums = attention.sum(alongAxes: -1)
            #expect(isClose(rowSums, Tensor.ones([2, 20]), relative: 0, absolute: 1e-5))
        }
        let narrow = NonLocalBlock(channels: 5, interChannels: 4, generator: &generator)
        #expect(narrow.phi.weight.shape == [4, 5, 1, 1] && narrow.g.weight.shape == [4, 5, 1, 1])
        #expect(narrow(random([1, 5, 1, 3], seed: 13)).shape == [1, 5, 1, 3])
    }

    @Test func nonLocalMatchesDefinition() {
        var generator = RandomGenerator(seed: 14)
        let block = NonLocalBlock(channels: 4, interChannels: 3, generator: &generator)
        let x = random([2, 4, 3, 5], seed: 15)
        let actual = block(x)
        let (expected, attention) = Self.naiveNonLocal(x, state(block))
        #expect(isClose(actual, expected, relative: 1e-5, absolute: 1e-5), "max difference \(maxDifference(actual, expected))")
        if let kept = block.lastAttention {
            #expect(isClose(kept, attention, relative: 1e-5, absolute: 1e-6), "max difference \(maxDifference(kept, attention))")
        } else {
            Issue.record("no attention map kept")
        }
    }

    @Test func nonLocalWithZeroOutputProjectionIsIdentity() {
        var generator = RandomGenerator(seed: 16)
        let block = NonLocalBlock(channels: 4, generator: &generator)
        block.out.weight.update { $0 = Tensor.zeros([4, 2, 1, 1]) }
        block.out.bias?.update { $0 = Tensor.zeros([4]) }
        let x = random([2, 4, 3, 3], seed: 17)
        #expect(block(x) == x)
    }

    @Test func nonLocalWithOutputNormalizationStartsAsIdentity() {
        var generator = RandomGenerator(seed: 18)
        let block = NonLocalBlock(channels: 4, normalizesOutput: true, generator: &generator)
        #expect(Set(block.stateDict().keys).isSuperset(of: ["norm.weight", "norm.bias", "norm.running_mean",
                                                            "norm.running_var", "norm.num_batches_tracked"]))
        let x = random([2, 4, 3, 3], seed: 19)
        #expect(isClose(block(x), x, relative: 0, absolute: 1e-6))
        block.eval()
        #expect(isClose(block(x), x, relative: 0, absolute: 1e-6))
    }

    // Deliberate pattern (same shape as Tests/FusionKitTests/Attention/CNNAttentionTests.swift:squeezeExcitationGradients): each block's gradient check, then the block written again inline from its own parameters, which share no code.
    @Test func nonLocalGradients() {
        var generator = RandomGenerator(seed: 20)
        let block = NonLocalBlock(channels: 4, interChannels: 2, generator: &generator)
        let x = random([2, 4, 3, 3], seed: 21)
        expectBlockGradients(x, parameters: block.parameters()) { block($0) }
        // Written inline with an explicit transpose and the [N, P, C'] layout of the paper, so the
        // module's transpose flags are checked against a different arrangement of the same products.
        let p = state(block)
        expectGradients([x, p["theta.weight"]!, p["phi.weight"]!, p["g.weight"]!, p["out.weight"]!]) { v in
            func embed(_ weight: Tensor, _ bias: String) -> Tensor {
                v[0].conv2d(weight: weight, bias: p[bias]!).reshaped([2, 2, 9])
            }
            let theta = embed(v[1], "theta.bias").transposed(1, 2)                  // [N, P, C']
            let f = theta.matmul(embed(v[2], "phi.bias")).softmax()                 // [N, P, P]
            let y = f.matmul(embed(v[3], "g.bias").transposed(1, 2))                // [N, P, C']
            let back = y.transposed(1, 2).reshaped([2, 2, 3, 3])
            return back.conv2d(weight: v[4], bias: p["out.bias"]!) + v[0]
        }
    }

    @Test func nonLocalParity() throws {
        let fixture = try ParityTests.load("non_local")
        var generator = RandomGenerator(seed: 0)
        let block = NonLocalBlock(channels: 4, interChannels: 2, generator: &generator)
        try block.loadStateDict(parity.parameterState(fixture))
        let keys = ["theta", "phi", "g", "out"].flatMap { ["\($0).weight", "\($0).bias"] }
        parity.checkLayer(fixture, block, parameterKeys: keys) { block($0) }
    }

    @Test func nonLocalRejectsWrongChannels() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var generator = RandomGenerator(seed: 0)
            let block = NonLocalBlock(channels: 4, generator: &generator)
            _ = block(Tensor.zeros([1, 2, 3, 3]))
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("NonLocalBlock") && message.contains("[1, 2, 3, 3]"), "\(message)")
    }
}
