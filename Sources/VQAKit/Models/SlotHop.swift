import FusionKit

/// `word-attention`'s hop over objects instead of positions: every vocabulary word's finding
/// (what it found and where, one per word and image) is a slot, and each question attends over
/// the slots and counts them.
///
/// Why slots: attention over the map's positions weighs an object by how many positions it
/// covers, so a large object a little further away can outweigh the nearest one, and a softmax
/// over positions cannot count. The words that name things find one object each, so their
/// findings are the image's objects, a handful of tokens with one place each; the words that
/// name nothing, and words whose thing is not in the image, are switched off by a learned
/// presence (from how strongly the word matched anywhere in the image, and a bias per word).
///
/// For the query of each question, with p̂ the named place and w the naming weights:
/// - the object reading: multi-head attention over the slots, head h's scores biased by
///   a_h‖p_j − p̂‖² (near heads a_h < 0, far heads a_h > 0), a dip over the named place, log of
///   slot j's presence and −20·w_j (a slot is not its own neighbour); each slot's value carries
///   its finding and an embedding of its word, so the reading can say which word it found;
/// - the counts: per head, Σ_j σ(q·k_j + c_h) · presence_j — unnormalised, so it grows with the
///   number of matching objects where a softmax would average them.
///
/// The parameters are learned from the answers alone; nothing in the hop knows what a word means.
public final class SlotHop: Module {
    public let query: Linear, key: Linear, value: Linear, output: Linear
    /// Each word's embedding added to its slot's value.
    public let identity: Embedding
    public let norm: LayerNorm
    /// presence_j = σ(g · strength_j + b_j): the gain g [1, 1, 1, 1] and a bias per word [V, 1].
    public let presenceBias: Embedding
    public let presenceGain: Parameter
    /// a_h / `distanceUnit` and the dip's depth u_h / `distanceUnit`, each [1, heads, 1, 1].
    public let distanceScales: Parameter, dipScales: Parameter
    public let countQuery: Linear, countKey: Linear
    /// c_h, [1, heads, 1, 1].
    public let countBias: Parameter
    public let heads: Int
    /// How far below the other slots the named word's own slot is pushed, per unit of naming weight.
    public static let namedExclusion: Float = 20

    public init(vocabulary: Int, width: Int, heads: Int, generator: inout RandomGenerator) {
        precondition(width % heads == 0, "SlotHop: width \(width) is not a multiple of \(heads) heads")
        self.heads = heads
        query = Linear(width, width, generator: &generator)
        key = Linear(width + 2, width, generator: &generator)
        value = Linear(width + 2, width, generator: &generator)
        output = Linear(width, width, generator: &generator)
        identity = Embedding(vocabulary, width, generator: &generator)
        norm = LayerNorm(width)
        let bias = Embedding(vocabulary, 1, generator: &generator)
        bias.weight.value = Tensor.zeros([vocabulary, 1])   // every word starts half present
        presenceBias = bias
        presenceGain = Parameter(Tensor([Float(0.1)], shape: [1, 1, 1, 1]))
        // As the pixel hop's heads: even heads near, odd heads far; the near heads start with a dip.
        distanceScales = alternatingHeads(heads, even: -0.3, odd: 0.3)
        dipScales = alternatingHeads(heads, even: -0.2, odd: 0)
        countQuery = Linear(width, width, generator: &generator)
        countKey = Linear(width + 2, width, generator: &generator)
        countBias = Parameter(Tensor([Float](repeating: 0, count: heads), shape: [1, heads, 1, 1]))
        super.init()
    }

    /// What one call found: `related` [B, Q, d] (query plus the object reading, normalised),
    /// `counts` [B, Q, heads], and the attention `weights` [B, heads, Q, V] over the slots.
    public struct Reading {
        public let related: Tensor, counts: Tensor, weights: Tensor
    }

    /// - Parameters:
    ///   - findings: [B, V, d + 2], each word's reading and place (x, y).
    ///   - strength: [B, V], how strongly each word matched anywhere in its image.
    ///   - queries: [B, Q, d], one per question.
    ///   - place: [B, 1, Q, 2], each question's named place p̂.
    ///   - namedWords: [B, 1, Q, V], each question's naming weights over the vocabulary.
    ///   - dipLogWidths: [1, heads, 1, 1], log of each head's dip width (shared with the pixel hop).
    public func callAsFunction(findings: Tensor, strength: Tensor, queries: Tensor, place: Tensor,
                               namedWords: Tensor, dipLogWidths: Tensor) -> Reading {
        let (batch, vocabulary, asked) = (findings.shape[0], findings.shape[1], queries.shape[1])
        let width = findings.shape[2] - 2
        precondition(findings.rank == 3 && strength.shape == [batch, vocabulary] && queries.shape == [batch, asked, width]
                        && place.shape == [batch, 1, asked, 2] && namedWords.shape == [batch, 1, asked, vocabulary],
                     "SlotHop: findings \(findings.shape), strength \(strength.shape), queries \(queries.shape), place \(place.shape) "
                        + "and named words \(namedWords.shape) do not fit [B, V, d + 2], [B, V], [B, Q, d], [B, 1, Q, 2], [B, 1, Q, V]")
        let places = findings.slice(width..<(width + 2), alongAxis: 2)                                        // [B, V, 2]
        let distances = squaredDistances(from: place, to: places)                                            // [B, 1, Q, V]
        let dips = dip(distances, logWidths: dipLogWidths)
        let words = Tensor((0..<vocabulary).map(Float.init), shape: [1, vocabulary])
        let presence = (strength.reshaped([batch, 1, 1, vocabulary]) * presenceGain.value
            + presenceBias(words).reshaped([1, 1, 1, vocabulary])).sigmoid()                                 // [B, 1, 1, V]
        let bias = (distances * distanceScales.value + dips * dipScales.value) * WordAttentionModel.distanceUnit
            + (presence + 1e-4).log() - namedWords * Self.namedExclusion
        let weights = multiHeadScores(queries: query(queries), keys: key(findings), heads: heads, bias: bias).softmax(alongAxis: 3)
        let values = value(findings) + identity(words).broadcast(to: [batch, vocabulary, width])
        let related = norm(queries + output(FineMap.read(values, weights: weights)))
        let counts = ((multiHeadScores(queries: countQuery(queries), keys: countKey(findings), heads: heads, bias: nil)
                       + countBias.value).sigmoid() * presence).sum(alongAxes: [3]).permuted([0, 2, 1])       // [B, Q, heads]
        return Reading(related: related, counts: counts, weights: weights)
    }
}
