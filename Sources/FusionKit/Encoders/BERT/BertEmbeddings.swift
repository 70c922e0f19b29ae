/// BERT's input embeddings, as Hugging Face's `BertEmbeddings`: word + position + token type,
/// then layer norm and dropout. Keys `word_embeddings.weight`, `position_embeddings.weight`,
/// `token_type_embeddings.weight`, `LayerNorm.weight`, `LayerNorm.bias`.
public final class BertEmbeddings: Module {
    public let words: Embedding
    public let positions: Embedding
    public let tokenTypes: Embedding
    public let norm: LayerNorm
    public let dropout: Dropout

    public init(_ configuration: BertConfiguration, generator: inout RandomGenerator) {
        let width = configuration.hiddenSize
        words = Embedding(configuration.vocabularySize, width, generator: &generator)
        positions = Embedding(configuration.maximumPositions, width, generator: &generator)
        tokenTypes = Embedding(configuration.tokenTypeCount, width, generator: &generator)
        norm = LayerNorm(width, epsilon: configuration.layerNormEpsilon)
        dropout = Dropout(configuration.hiddenDropout, seed: generator.next())
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] {
        [("word_embeddings", words), ("position_embeddings", positions), ("token_type_embeddings", tokenTypes),
         ("LayerNorm", norm), ("dropout", dropout)]
    }

    /// `ids` and `tokenTypes` [batch, length] (whole numbers); positions count from 0.
    /// Returns [batch, length, hidden].
    public func callAsFunction(ids: Tensor, tokenTypes types: Tensor?) -> Tensor {
        let length = ids.shape[1]
        precondition(length <= positions.weight.shape[0],
                     "BertEmbeddings: \(length) tokens, but the model has \(positions.weight.shape[0]) positions")
        let positional = positions.weight.value.slice(0..<length, alongAxis: 0)
        let typed = types.map { tokenTypes($0) } ?? tokenTypes.weight.value.slice(0..<1, alongAxis: 0)
        return dropout(norm(words(ids) + positional + typed))
    }
}
