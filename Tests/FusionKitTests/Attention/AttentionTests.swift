import FusionKit
import Testing

@Suite("Attention")
struct AttentionTests {
    let q = random([2, 2, 4, 5], seed: 1), k = random([2, 2, 6, 5], seed: 2), v = random([2, 2, 6, 3], seed: 3)
    let padding = Tensor([0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1], shape: [2, 6])

    @Test func scaledDotProductMatchesItsDefinition() {
        let (output, weights) = Attention.scaledDotProduct(query: q, key: k, value: v)
        let expected = (q.matmul(k.transposed()) / Float(5).squareRoot()).softmax()
        #expect(isClose(weights, expected, relative: 1e-5, absolute: 1e-6))
        #expect(isClose(output, expected.matmul(v), relative: 1e-5, absolute: 1e-6))
    }

    @Test func gradientsForEveryMaskKind() {
        expectGradients([q, k, v]) { Attention.scaledDotProduct(query: $0[0], key: $0[1], value: $0[2]).output }
        expectGradients([q, k, v]) {
            Attention.scaledDotProduct(query: $0[0], key: $0[1], value: $0[2], mask: AttentionMask(keyPadding: padding)).output
        }
        let square = random([2, 2, 5, 5], seed: 4)
        expectGradients([square, square * 0.5, random([2, 2, 5, 3], seed: 5)]) {
            Attention.scaledDotProduct(query: $0[0], key: $0[1], value: $0[2], mask: AttentionMask(causal: true)).output
        }
        expectGradients([q, k, v, random([4, 6], seed: 6)]) {
            Attention.scaledDotProduct(query: $0[0], key: $0[1], value: $0[2], mask: AttentionMask(additive: $0[3])).output
        }
    }

    @Test func maskedKeysGetNoAttentionAndNoGradient() {
        let key = k.requiringGradient(), value = v.requiringGradient()
        let (output, weights) = Attention.scaledDotProduct(query: q, key: key, value: value, mask: AttentionMask(keyPadding: padding))
        output.backward(Tensor.ones(output.shape))
        for (b, masked) in [(0, [4, 5]), (1, [5])] {
            for position in masked {
                let column = weights.slice(b..<(b + 1), alongAxis: 0).slice(position..<(position + 1), alongAxis: 3)
                #expect(column.abs().max().scalar == 0, "batch \(b) key \(position) got attention")
                for gradient in [key.gradient!, value.gradient!] {
                    let row = gradient.slice(b..<(b + 1), alongAxis: 0).slice(position..<(position + 1), alongAxis: 2)
                    #expect(row.abs().max().scalar == 0, "batch \(b) key \(position) got gradient")
                }
            }
        }
        // Every key of a row masked: zeros, not NaN.
        let all = Attention.scaledDotProduct(query: q, key: k, value: v, mask: AttentionMask(keyPadding: Tensor.ones([2, 6])))
        #expect(all.output.scalars.allSatisfy { $0 == 0 })
    }

    @Test func multiheadAttentionKeysShapesAndGradients() {
        var generator = RandomGenerator(seed: 7)
        let attention = MultiheadAttention(embedDimension: 8, headCount: 2, generator: &generator)
        #expect(attention.namedParameters().map(\.0) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        let cross = MultiheadAttention(embedDimension: 8, headCount: 2, keyDimension: 6, valueDimension: 4, generator: &generator)
        #expect(cross.namedParameters().map(\.0) == ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias",
                                                     "out_proj.weight", "out_proj.bias"])
        let x = random([2, 5, 8], seed: 8)
        let (output, weights) = attention(x)
        #expect(output.shape == [2, 5, 8] && weights?.shape == [2, 5, 5] && attention.lastWeights?.shape == [2, 2, 5, 5])
        #expect(attention(x, needWeights: false).weights == nil)
        // Shared inputs take one stacked projection; separate copies take three: same answer.
        #expect(isClose(attention(query: x, key: x * 1, value: x * 1).output, output, relative: 1e-5, absolute: 1e-6))
        #expect(isClose(attention(query: x * 1, key: x, value: x).output, output, relative: 1e-5, absolute: 1e-6))
        expectGradients([x], parameters: attention.parameters()) { attention($0[0], keyPaddingMask: Tensor([0, 0, 0, 0, 0, 0, 0, 0, 1, 1], shape: [2, 5])).output }
        expectGradients([random([2, 4, 8], seed: 9), random([2, 6, 6], seed: 10), random([2, 6, 4], seed: 11)]) {
            cross(query: $0[0], key: $0[1], value: $0[2]).output
        }
    }

    @Test(arguments: [false, true])
    func encoderLayerGradients(normFirst: Bool) {
        var generator = RandomGenerator(seed: 12)
        let layer = TransformerEncoderLayer(width: 8, headCount: 2, feedForwardWidth: 16, dropout: 0,
                                            activation: normFirst ? .gelu : .relu, normFirst: normFirst, generator: &generator)
        #expect(Set(layer.stateDict().keys) == ["self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                                               "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
                                               "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"])
        expectGradients([random([2, 4, 8], seed: 13)]) { layer($0[0], keyPaddingMask: Tensor([0, 0, 0, 0, 0, 0, 0, 1], shape: [2, 4])) }
    }

    @Test(arguments: [false, true])
    func encoderLayerRowsForSomeQueries(normFirst: Bool) {
        var generator = RandomGenerator(seed: 19)
        let layer = TransformerEncoderLayer(width: 8, headCount: 2, feedForwardWidth: 16, dropout: 0,
                                            normFirst: normFirst, generator: &generator)
        let x = random([2, 5, 8], seed: 20)
        let mask = random([5, 5], seed: 21)
        // Rows 1..<3 of the whole layer are the layer run for those queries over all five tokens.
        let full = layer(x, keyPaddingMask: nil, attentionMask: mask)
        let rows = layer(queries: x.slice(1..<3, alongAxis: 1), context: x, attentionMask: mask.slice(1..<3, alongAxis: 0))
        #expect(isClose(rows, full.slice(1..<3, alongAxis: 1), relative: 1e-5, absolute: 1e-6))
        expectGradients([x.slice(0..<2, alongAxis: 1), x]) {
            layer(queries: $0[0], context: $0[1], attentionMask: mask.slice(0..<2, alongAxis: 0))
        }
    }

    @Test func decoderAndCoAttentionGradients() {
        var generator = RandomGenerator(seed: 14)
        let decoder = TransformerDecoderLayer(width: 8, headCount: 2, feedForwardWidth: 16, dropout: 0, memoryWidth: 6, generator: &generator)
        expectGradients([random([2, 3, 8], seed: 15), random([2, 5, 6], seed: 16)]) {
            decoder($0[0], memory: $0[1], memoryKeyPaddingMask: Tensor([0, 0, 0, 1, 1, 0, 0, 0, 0, 0], shape: [2, 5]))
        }
        let coAttention = CoAttentionLayer(widthA: 8, widthB: 6, headCount: 2, feedForwardWidth: 12, dropout: 0, generator: &generator)
        expectGradients([random([2, 3, 8], seed: 17), random([2, 4, 6], seed: 18)]) {
            let (a, b) = coAttention($0[0], $0[1])
            return Tensor.concatenate([a.flattened(startAxis: 1), b.flattened(startAxis: 1)], alongAxis: 1)
        }
    }

    @Test func positionalAndModalityEmbeddings() {
        let table = SinusoidalPositionalEncoding.makeTable(length: 3, width: 4)
        #expect(isClose(table, Tensor([[0, 1, 0, 1], [0.84147098, 0.54030231, 0.0099998333, 0.99995], [0.90929743, -0.41614684, 0.019998667, 0.99980002]])))
        let encoding = SinusoidalPositionalEncoding(width: 4, maximumLength: 10)
        let x = random([2, 3, 4], seed: 19)
        #expect(isClose(encoding(x), x + table))
        #expect(Array(encoding.stateDict().keys) == ["pe"])
        var generator = RandomGenerator(seed: 20)
        let modality = ModalityEmbedding(modalities: 2, width: 4, generator: &generator)
        let shifted = modality(x, modality: 1)
        #expect(isClose(shifted - x, modality.weight.value.slice(1..<2, alongAxis: 0).broadcast(to: [2, 3, 4]), relative: 1e-5, absolute: 1e-6))
        let learned = LearnedPositionalEmbedding(maximumLength: 5, width: 4, generator: &generator)
        expectGradients([x]) { learned($0[0]).square() }
    }
}
