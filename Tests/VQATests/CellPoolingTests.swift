import FusionKit
import Testing
@testable import VQAKit

@Suite("Cell pooling")
struct CellPoolingTests {
    @Test("each cell holds the sum of the positions that fall into it, every position in exactly one cell",
          arguments: [(38, 10), (38, 19), (64, 16), (50, 13), (10, 10)])
    func sumsMatchTheLoop(fineSide: Int, cellSide: Int) {
        var generator = RandomGenerator(seed: 11)
        let maps = 3
        let fine = Tensor.randomUniform([maps, 1, fineSide, fineSide], lower: -1, upper: 1, generator: &generator)
        let pooling = CellPooling(fineSide: fineSide, cellSide: cellSide)
        let pooled = pooling.sum(fine)
        #expect(pooled.shape == [maps, 1, cellSide, cellSide])
        // The plain reference: add each position to the cell (p + padding) / window.
        var expected = [Float](repeating: 0, count: maps * cellSide * cellSide)
        let values = fine.scalars
        for map in 0..<maps {
            for row in 0..<fineSide {
                for column in 0..<fineSide {
                    let (cellRow, cellColumn) = ((row + pooling.padding) / pooling.window, (column + pooling.padding) / pooling.window)
                    #expect(cellRow < cellSide && cellColumn < cellSide)
                    expected[(map * cellSide + cellRow) * cellSide + cellColumn] += values[(map * fineSide + row) * fineSide + column]
                }
            }
        }
        for (got, want) in zip(pooled.scalars, expected) { #expect(abs(got - want) <= 1e-5 * max(1, abs(want))) }
    }

    @Test("pixel-attention's first hop weighs the 10×10 cells from the 38×38 map: each question's weights sum to 1")
    func firstHopWeightsAreADistribution() throws {
        let data = smallData(seed: 8, images: 2)
        let model = try smallModel("pixel-attention")
        model.eval()
        _ = answerLogits(model, data, images: [0, 1])
        let attention = try #require(model.lastImageAttention)
        #expect(attention.shape == [40, 10, 10])
        for sum in attention.sum(alongAxes: 1, 2).scalars { #expect(abs(sum - 1) < 1e-4) }
    }

    @Test("FineMap's multi-head weights and reading equal Attention.multiHead's when each position is its own cell")
    func fineMapMatchesMultiHeadAttention() {
        var generator = RandomGenerator(seed: 12)
        let (batch, asked, side, width, heads) = (2, 3, 4, 8, 2)
        let positions = side * side
        let queries = Tensor.randomUniform([batch, asked, width], lower: -1, upper: 1, generator: &generator)
        let keys = Tensor.randomUniform([batch, positions, width], lower: -1, upper: 1, generator: &generator)
        let values = Tensor.randomUniform([batch, positions, width], lower: -1, upper: 1, generator: &generator)
        let bias = Tensor.randomUniform([batch, heads, asked, positions], lower: -2, upper: 2, generator: &generator)
        let tokens = Tensor.randomUniform([batch, positions, 3], lower: -1, upper: 1, generator: &generator)
        let fine = FineMap(tokens, cellSide: side, heads: heads)
        let weights = fine.attention(queries: queries, keys: keys, bias: bias)
        let reading = FineMap.read(values, weights: fine.cellWeights(weights))
        var unused = RandomGenerator(seed: 0)
        let reference = Attention.multiHead(query: queries, key: keys, value: values, heads: heads,
                                            mask: AttentionMask(additive: bias), generator: &unused)
        #expect(weights.shape == reference.weights.shape && reading.shape == reference.output.shape)
        for (got, want) in zip(weights.scalars, reference.weights.scalars) { #expect(abs(got - want) <= 1e-5) }
        for (got, want) in zip(reading.scalars, reference.output.scalars) { #expect(abs(got - want) <= 1e-5 * max(1, abs(want))) }
    }
}
