import FusionKit
import Testing

/// Attention read in place from rows with the heads side by side, against the general path
/// (heads reordered into [B, H, L, d] for `scaledDotProduct`), and multi-head attention on both
/// sides of the length at which it switches between them.
@Suite("Attention with interleaved heads")
struct InterleavedHeadAttentionTests {
    /// [B, L, H·d] → [B, H, L, d] and back.
    static func split(_ x: Tensor, heads: Int) -> Tensor {
        x.reshaped([x.shape[0], x.shape[1], heads, x.shape[2] / heads]).permuted([0, 2, 1, 3])
    }
    static func merge(_ x: Tensor) -> Tensor {
        x.permuted([0, 2, 1, 3]).reshaped([x.shape[0], x.shape[2], x.shape[1] * x.shape[3]])
    }

    static let masks: [String] = ["none", "padding", "causal", "additive", "additive-full", "all-hidden"]

    @Test("output, weights and every gradient match the general path", arguments: masks)
    func matchesTheGeneralPath(kind: String) {
        let heads = 2, keys = kind == "causal" ? 3 : 5
        let q = random([2, 3, 8], seed: 41), k = random([2, keys, 8], seed: 42) * 2, v = random([2, keys, 6], seed: 43)
        var mask = AttentionMask()
        switch kind {
        case "padding": mask.keyPadding = Tensor([0, 1, 0, 0, 1, 0, 0, 0, 0, 1], shape: [2, 5])
        case "causal": mask.causal = true
        case "additive": mask.additive = random([3, 5], seed: 44).requiringGradient()
        case "additive-full": mask.additive = random([2, heads, 3, 5], seed: 45).requiringGradient()
        case "all-hidden": mask.keyPadding = Tensor([0, 0, 1, 0, 0, 1, 1, 1, 1, 1], shape: [2, 5])
        default: break
        }
        let upstream = random([2, 3, 6], seed: 46)
        func run(_ interleaved: Bool) -> (Tensor, Tensor, [Tensor]) {
            let (query, key, value) = (q.requiringGradient(), k.requiringGradient(), v.requiringGradient())
            var runMask = mask
            let additive = mask.additive.map { $0.detached().requiringGradient() }
            runMask.additive = additive
            let output: Tensor, weights: Tensor
            if interleaved {
                (output, weights) = Attention.interleavedHeads(query: query, key: key, value: value, heads: heads, mask: runMask)
            } else {
                let general = Attention.scaledDotProduct(query: Self.split(query, heads: heads), key: Self.split(key, heads: heads),
                                                         value: Self.split(value, heads: heads), mask: runMask)
                (output, weights) = (Self.merge(general.output), general.weights)
            }
            output.backward(upstream)
            return (output, weights, [query.gradient!, key.gradient!, value.gradient!] + (additive.map { [$0.gradient!] } ?? []))
        }
        let (output, weights, gradients) = run(true)
        let (expectedOutput, expectedWeights, expectedGradients) = run(false)
        #expect(isClose(output, expectedOutput), "output off by \(maxDifference(output, expectedOutput))")
        #expect(isClose(weights, expectedWeights), "weights off by \(maxDifference(weights, expectedWeights))")
        #expect(gradients.count == expectedGradients.count)
        for (index, (actual, expected)) in zip(gradients, expectedGradients).enumerated() {
            #expect(isClose(actual, expected, relative: 1e-4, absolute: 1e-5), "gradient \(index) off by \(maxDifference(actual, expected))")
        }
        if kind == "all-hidden" {
            // The second element sees no key at all: no attention, no output, no gradient.
            let second = output.slice(1..<2, alongAxis: 0)
            #expect(second.abs().max().scalar == 0 && weights.slice(1..<2, alongAxis: 0).abs().max().scalar == 0)
        }
    }

    /// Multi-head attention reads the heads in place for few query-key pairs (here 3 × 5) and
    /// reorders them for many (3 × 50, over 128): both agree with the composition of its parts.
    @Test(arguments: [5, 50])
    func multiheadAttentionOnEitherPath(keys: Int) {
        var generator = RandomGenerator(seed: 51)
        let attention = MultiheadAttention(embedDimension: 8, headCount: 2, generator: &generator)
        let query = random([2, 3, 8], seed: 52), context = random([2, keys, 8], seed: 53)
        let weight = attention.inProjectionWeight!.value, bias = attention.inProjectionBias!.value
        func project(_ x: Tensor, _ part: Int) -> Tensor {
            Self.split(x.affine(weight: weight.slice((8 * part)..<(8 * part + 8), alongAxis: 0),
                                bias: bias.slice((8 * part)..<(8 * part + 8), alongAxis: 0)), heads: 2)
        }
        let reference = Attention.scaledDotProduct(query: project(query, 0), key: project(context, 1), value: project(context, 2))
        let expected = attention.outProjection(Self.merge(reference.output))
        let (output, weights) = attention(query: query, key: context, value: context)
        #expect(isClose(output, expected), "off by \(maxDifference(output, expected))")
        #expect(isClose(weights!, reference.weights.mean(alongAxes: 1)))
    }
}
