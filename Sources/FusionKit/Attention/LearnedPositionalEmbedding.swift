import Foundation

/// Learned position embeddings added to a sequence [batch, L, width] (BERT style); key `weight`
/// [maximumLength, width], initialised from N(0, 0.02²).
public final class LearnedPositionalEmbedding: Module, UnaryLayer {
    public let weight: Parameter

    public init(maximumLength: Int, width: Int, generator: inout RandomGenerator) {
        weight = Parameter(Tensor.randomNormal([maximumLength, width], standardDeviation: 0.02, generator: &generator))
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(maximumLength: Int, width: Int) {
        var generator = Random.splitGenerator()
        self.init(maximumLength: maximumLength, width: width, generator: &generator)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let length = x.shape[x.rank - 2]
        precondition(length <= weight.shape[0] && x.shape[x.rank - 1] == weight.shape[1],
                     "LearnedPositionalEmbedding: input \(x.shape) exceeds the table \(weight.shape)")
        return x + weight.value.slice(0..<length, alongAxis: 0)
    }
}
