import FusionKit

/// The question side of every VQA model: word embeddings read by a GRU, plus a linear map of the
/// mean word embedding added to the GRU's final state. Token id 0 is padding (its embedding stays
/// zero and the GRU stops at each question's length).
///
/// The bag-of-words path carries every word (the colour, say) to the question vector from the
/// first step, before the GRU has learnt to keep it: without it, vision and language wait on each
/// other and training spends its first epochs at the answer priors.
public final class QuestionEncoder: Module {
    public let embedding: Embedding
    public let gru: GRU
    public let bagOfWords: Linear
    public let width: Int

    public init(vocabularySize: Int, embeddingWidth: Int = 32, width: Int, generator: inout RandomGenerator) {
        embedding = Embedding(vocabularySize, embeddingWidth, paddingIndex: 0, generator: &generator)
        gru = GRU(inputSize: embeddingWidth, hiddenSize: width, generator: &generator)
        bagOfWords = Linear(embeddingWidth, width, generator: &generator)
        self.width = width
        super.init()
    }

    /// Each question's length in questions [N, L] of token ids padded with 0 at the end: the
    /// position after its last non-padding token, at least 1 (the GRU reads one step of an
    /// empty question).
    public static func lengths(of tokens: Tensor) -> [Int] {
        let length = tokens.shape[1]
        return tokens.withUnsafeBufferPointer { ids in
            (0..<tokens.shape[0]).map { row in
                var count = 0
                for position in 0..<length where ids[row * length + position] != 0 { count = position + 1 }
                return Swift.max(count, 1)
            }
        }
    }

    /// Questions [N, L] of token ids (padded with 0 at the end) → the final state [N, width] and
    /// the state after every word [N, L, width].
    public func callAsFunction(_ tokens: Tensor) -> (final: Tensor, words: Tensor) {
        precondition(tokens.rank == 2, "QuestionEncoder: expected token ids [N, L], got \(tokens.shape)")
        let lengths = Self.lengths(of: tokens)
        let embedded = embedding(tokens)
        let (words, hidden) = gru(embedded, lengths: lengths)
        let counts = Tensor(lengths.map { 1 / Float($0) }, shape: [tokens.shape[0], 1])
        let meanEmbedding = embedded.sum(alongAxes: 1) * counts                  // padding embeds to 0
        return (hidden.reshaped([tokens.shape[0], width]) + bagOfWords(meanEmbedding), words)
    }
}
