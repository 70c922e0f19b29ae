import FusionKit
import Testing

@Suite("Slot attention")
struct SlotAttentionTests {
    private func module(slots: Int = 3, inputWidth: Int = 5, width: Int = 8, iterations: Int = 3) -> SlotAttention {
        var generator = RandomGenerator(seed: 7)
        return SlotAttention(slotCount: slots, inputWidth: inputWidth, width: width, iterations: iterations, generator: &generator)
    }

    @Test("each slot's weights sum to 1 over the tokens, and the slots share out every token (masses sum to the token count)")
    func competition() {
        let attention = module()
        let (slots, weights, mass) = attention(random([2, 11, 5], seed: 1))
        #expect(slots.shape == [2, 3, 8] && weights.shape == [2, 3, 11] && mass.shape == [2, 3, 1])
        for value in weights.sum(alongAxes: [2]).scalars { #expect(abs(value - 1) < 1e-5) }
        // Σ_slots Σ_tokens share = tokens (each token's shares sum to 1, plus the 1e-8 floor).
        for value in mass.sum(alongAxes: [1, 2]).scalars { #expect(abs(value - 11) < 1e-3) }
    }

    @Test("the tokens are a set: permuting them permutes the attention and leaves the slots unchanged")
    func permutationInvariance() {
        let attention = module()
        let tokens = random([1, 7, 5], seed: 2)
        let order = [3, 0, 6, 1, 5, 2, 4]
        let permuted = Tensor.concatenate(order.map { tokens.slice($0..<($0 + 1), alongAxis: 1) }, alongAxis: 1)
        let (slots, weights, _) = attention(tokens)
        let (permutedSlots, permutedWeights, _) = attention(permuted)
        #expect(isClose(slots, permutedSlots, relative: 1e-4, absolute: 1e-5))
        let reordered = Tensor.concatenate(order.map { weights.slice($0..<($0 + 1), alongAxis: 2) }, alongAxis: 2)
        #expect(isClose(reordered, permutedWeights, relative: 1e-4, absolute: 1e-6))
    }

    @Test("more iterations refine the same starting slots: one iteration differs from three")
    func iterationsMatter() {
        let tokens = random([1, 9, 5], seed: 3)
        let one = module(iterations: 1)(tokens).slots, three = module(iterations: 3)(tokens).slots
        #expect(maxDifference(one, three) > 1e-3)
    }

    @Test("gradients of the slots and the attention match finite differences, inputs and parameters")
    func gradients() {
        let attention = module(slots: 2, inputWidth: 3, width: 4, iterations: 2)
        let tokens = random([1, 5, 3], seed: 4)
        let probe = random([1, 2, 4], seed: 5), probeWeights = random([1, 2, 5], seed: 6)
        expectGradients([tokens], parameters: attention.parameters()) { inputs in
            let result = attention(inputs[0])
            return (result.slots * probe).sum() + (result.attention * probeWeights).sum()
        }
    }
}
