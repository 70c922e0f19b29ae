import FusionKit

/// Every word of the vocabulary looks for its object once per image, and the relational hop
/// measures from the place of the word that names the object (`word-attention`):
///
/// 1. Each vocabulary word w has its own query; it attends over the first convolution's map
///    (one head, keys from the positions' features without their coordinates) and finds f_w: the
///    final cells under its weights and the centroid of its weights (its place).
/// 2. A GRU reads the question's words, each with its f_w beside its embedding. Naming weights,
///    a softmax over the question's words of a learned score per word trained only by the image
///    matching below, pick the word that names the object.
/// 3. The relational hop over positions: one multi-head attention over the first map, its query
///    the question's state plus the named word's finding, every head's scores biased by the
///    squared distance to the named place, `a_h ‖p − p̂‖²` (near heads a_h < 0, far heads
///    a_h > 0), by a dip over the named object and by a learned presence score of each position.
/// 4. The relational hop over objects (``SlotHop``): the same query over every word's finding as
///    an object slot, with the same kind of distance bias, and unnormalised counts of the slots.
///    The answer MLP reads the GRU's state, the named word's finding, both hops' readings and
///    the counts.
///
/// In training the model also says which image of the batch each question was asked about, from
/// how strongly its naming words' attention matched in each image (``auxiliaryLoss``). Why: a
/// word's attention and place depend on the word alone, so once the naming weights sit on the
/// colour word, hop 1 is the same in "what shape is the red object?" and "what shape is the
/// object nearest to the red one?" — which `pixel-attention`'s question-wide query is not — but
/// the answers alone teach the naming weights the words that say what kind of answer is asked
/// ("size", "color"), and the words' own attention then never needs to find anything. Only a
/// word that names something in its own image can tell its image from the batch's others
/// (measurements: Docs/VQA.md, "Hop 1 from the named word alone").
///
/// Only convolutions, attention, a GRU and linear maps over pixels and token ids, and a loss
/// made from the batch itself: nothing specific to one data set.
public final class WordAttentionModel: Module, VQAModel {
    public let configuration: VQAModelConfiguration
    public let image: ImageEncoder
    /// The question side: word embeddings, a GRU over each word's embedding and finding, and
    /// the mean embedding added to its state (as `QuestionEncoder`'s, for the same reason).
    public let wordEmbedding: Embedding
    public let gru: GRU
    public let bagOfWords: Linear
    public let cellProjection: Linear
    /// Each word's query [V, d]; keys from a first-map position's features (not its centre: a
    /// word's attention then finds things by what they look like, not where they are); values
    /// from the final cells.
    public let wordQueries: Embedding
    public let wordKey: Linear, wordValue: Linear
    /// A word's score of naming the object the relational hop measures from, [V, 1].
    public let namingScores: Embedding
    /// The named word's finding, into the relational hop's query.
    public let namedInput: Linear
    public let relationQuery: Linear, relationKey: Linear, relationValue: Linear, relationPixelValue: Linear
    public let relationOutput: Linear
    public let relationNorm: LayerNorm
    /// a_h / `distanceUnit`, and the dip over the named object u_h·e^(−d²/w_h) as u_h /
    /// `distanceUnit` and log w_h, each [1, heads, 1, 1].
    public let distanceScales: Parameter, avoidanceScales: Parameter, avoidanceLogWidths: Parameter
    /// The presence score of each position: log-sum-exp of 16 learned detectors of its features.
    public let presence: Linear
    /// The hop over the words' findings as object slots, and its counts.
    public let slotHop: SlotHop
    public let classifier: Sequential
    public let headCount = 4
    /// The distance coefficients are stored divided by this so that AdamW's steps (about the
    /// learning rate in size) can make the attention sharp within a run.
    public static let distanceUnit: Float = 50
    /// The naming scores are stored divided by this, so that the weights can settle on a word
    /// within an epoch.
    public static let namingUnit: Float = 10
    public private(set) var lastImageAttention: Tensor?
    /// After an evaluation-mode call: hop 1 as the naming weights' mix of the words' weights and
    /// the named place, repeated for each head of the relational hop (``HopDiagnostics``).
    public private(set) var lastHops: HopWeights?
    /// After a training-mode call: the cross-entropy of telling each question's image among the
    /// batch's images (scores Σ_w naming weight × the largest of w's scores over the image).
    public private(set) var auxiliaryLoss: Tensor?

    public init(_ configuration: VQAModelConfiguration) throws {
        self.configuration = configuration
        var generator = RandomGenerator(seed: configuration.seed)
        let width = configuration.width, firstChannels = 32, vocabulary = configuration.vocabularySize
        precondition(width % headCount == 0, "WordAttentionModel: width \(width) is not a multiple of \(headCount) heads")
        image = try configuration.makeImageEncoder([(firstChannels, 2), (width, 2), (width, 2)], generator: &generator)
        if let encoder = configuration.questionEncoder {
            throw VQAError.invalidArgument("word-attention reads the question with its own GRU over what each word found, so it cannot "
                                           + "use a pretrained question encoder (\(encoder.folder)); choose pixel-attention or another model")
        }
        wordEmbedding = Embedding(vocabulary, 32, paddingIndex: 0, generator: &generator)
        gru = GRU(inputSize: 32 + width + 2, hiddenSize: width, generator: &generator)
        bagOfWords = Linear(32, width, generator: &generator)
        let keyInputs = firstChannels + 2
        cellProjection = Linear(width + 2, width, generator: &generator)
        wordQueries = Embedding(vocabulary, width, paddingIndex: 0, generator: &generator)
        wordKey = Linear(firstChannels, width, generator: &generator)
        wordValue = Linear(width, width, generator: &generator)
        let naming = Embedding(vocabulary, 1, generator: &generator)
        naming.weight.value = Tensor.zeros([vocabulary, 1])   // starts uniform over the question's words
        namingScores = naming
        namedInput = Linear(width + 2, width, generator: &generator)
        relationQuery = Linear(width, width, generator: &generator)
        relationKey = Linear(keyInputs, width, generator: &generator)
        relationValue = Linear(width, width, generator: &generator)
        relationPixelValue = Linear(keyInputs, width, generator: &generator)
        relationOutput = Linear(width, width, generator: &generator)
        relationNorm = LayerNorm(width)
        distanceScales = alternatingHeads(headCount, even: -0.3, odd: 0.3)
        // The near heads (even) start with a dip of −10 over the named object, about an object's
        // radius wide (w = 0.03: e^(−d²/w) falls to 1/e 6.5 pixels away on a 75-pixel image).
        avoidanceScales = alternatingHeads(headCount, even: -0.2, odd: 0)
        avoidanceLogWidths = Parameter(Tensor([Float](repeating: -3.5065579, count: headCount), shape: [1, headCount, 1, 1]))
        // Random, not zero, detectors: identical ones would stay identical.
        let detectors = Linear(keyInputs, 16, generator: &generator)
        detectors.weight.value = (detectors.weight.value * 0.3).detached()
        presence = detectors
        slotHop = SlotHop(vocabulary: vocabulary, width: width, heads: headCount, generator: &generator)
        classifier = multilayerPerceptron([4 * width + 2 + headCount, 2 * width, configuration.answerCount], generator: &generator)
        super.init()
    }

    public func callAsFunction(images: Tensor, questions: Tensor) -> Tensor {
        let perImage = questionsPerImage(images: images, questions: questions, model: "WordAttentionModel")
        let maps = image.featureMaps(images)
        let map = maps[maps.count - 1]
        let batch = images.shape[0], width = configuration.width, side = map.shape[2]
        let length = questions.shape[1], count = batch * perImage
        let cells = cellProjection(image.tokens(map)).relu()                                             // [B, cells, d]
        let located = FineMap(image.tokens(maps[0]), cellSide: side, heads: 1)
        let relating = FineMap(located.tokens, cellSide: side, heads: headCount)

        // 1. Every vocabulary word's scores and weights over the positions [B, V, P] and its finding [B, V, d + 2].
        let vocabulary = configuration.vocabularySize, positions = located.side * located.side
        let queries = wordQueries(Tensor((0..<vocabulary).map(Float.init), shape: [1, vocabulary])).broadcast(to: [batch, vocabulary, width])
        let features = located.tokens.slice(0..<(located.tokens.shape[2] - 2), alongAxis: 2)
        let wordScores = queries.matmul(wordKey(features), transposeB: true) * (1 / Float(width).squareRoot())   // [B, V, P]
        let wordWeights = wordScores.softmax(alongAxis: 2)
        let readings = FineMap.read(wordValue(cells), weights: located.cellWeights(wordWeights.expandingShape(at: 1)))
        let findings = Tensor.concatenate([readings, wordWeights.matmul(located.centres)], alongAxis: 2)

        // 2. The question's words with what they found; which of them names the object.
        let ids = questions.scalars.map { Int($0) }
        let picks = oneHot(ids, vocabulary: vocabulary).reshaped([batch, perImage * length, vocabulary])
        let found = picks.matmul(findings).reshaped([count, length, width + 2])
        let embedded = wordEmbedding(questions)
        let lengths = QuestionEncoder.lengths(of: questions)
        let (_, hidden) = gru(Tensor.concatenate([embedded, found], alongAxis: 2), lengths: lengths)
        let meanEmbedding = embedded.sum(alongAxes: 1) * Tensor(lengths.map { 1 / Float($0) }, shape: [count, 1])
        let asked = hidden.reshaped([count, width]) + bagOfWords(meanEmbedding)
        let padding = Tensor(ids.map { $0 == 0 ? Float(-1e9) : 0 }, shape: [count, length, 1])
        let naming = (namingScores(questions) * Self.namingUnit + padding).softmax(alongAxis: 1)
        let namingOfWords = (picks.reshaped([count, length, vocabulary]) * naming).sum(alongAxes: [1])    // [N, V]
        let strength = wordScores.max(alongAxes: [2])   // [B, V]: each word's best match in each image (matching, slot presence)
        if isTraining {
            // Which image of the batch each question was asked about, from how strongly its
            // naming words' attention matched in each image (the largest of their scores: a word
            // that names an object matches at one place, where a log-sum-exp over the positions
            // also counts how much of the image half-matches): only a word that names something
            // in its own image can tell, so this teaches the naming weights and the words' own
            // attention what the answers do not.
            let matching = namingOfWords.matmul(strength.transposed(0, 1))                                  // [N, B]
            auxiliaryLoss = crossEntropyLoss(logits: matching, targets: Tensor((0..<count).map { Float($0 / perImage) }, shape: [count]))
        }
        // The answers read the named word through weights only the image matching trains: trained
        // by the answers too, they drift to the words that say what kind of answer is asked.
        let namedFlat = (naming.detached() * found).sum(alongAxes: 1)                                       // [N, d + 2]
        let named = namedFlat.reshaped([batch, perImage, width + 2])
        let place = named.slice(width..<(width + 2), alongAxis: 2).expandingShape(at: 1)                   // [B, 1, Q, 2]

        // 3. The relational hop, every head measuring from the named place.
        let distances = squaredDistances(from: place, to: located.centres)                                // [B, 1, Q, P]
        let dips = dip(distances, logWidths: avoidanceLogWidths.value)
        let presenceScores = presence(located.tokens).logSumExp(alongAxes: [2], keepingDimensions: true)
            .transposed(1, 2).expandingShape(at: 1)                                                       // [B, 1, 1, P]
        let bias = (distances * distanceScales.value + dips * avoidanceScales.value) * Self.distanceUnit + presenceScores
        let query = asked.reshaped([batch, perImage, width]) + namedInput(named)
        let weights = relating.attention(queries: relationQuery(query), keys: relationKey(located.tokens), bias: bias)   // [B, H, Q, P]
        let read = FineMap.read(relationValue(cells), weights: relating.cellWeights(weights))
            + FineMap.read(relationPixelValue(located.tokens), weights: weights)
        let related = relationNorm(query + relationOutput(read)).reshaped([count, width])
        // 4. The same query over the words' findings as object slots, and counts of them.
        let slots = slotHop(findings: findings, strength: strength, queries: query, place: place,
                            namedWords: namingOfWords.detached().reshaped([batch, 1, perImage, vocabulary]),
                            dipLogWidths: avoidanceLogWidths.value)
        if !isTraining {
            let first = namingOfWords.reshaped([batch, perImage, vocabulary]).matmul(wordWeights).expandingShape(at: 1)
            lastHops = HopWeights(places: place.broadcast(to: [batch, headCount, perImage, 2]).detached(),
                                  first: first.broadcast(to: [batch, headCount, perImage, positions]).detached(),
                                  second: weights.detached())
            lastImageAttention = relating.cellWeights(weights).mean(alongAxes: [1]).reshaped([count, side, side]).detached()
        }
        return classifier(Tensor.concatenate([asked, namedFlat, related, slots.related.reshaped([count, width]),
                                              slots.counts.reshaped([count, headCount])], alongAxis: 1))
    }
}

extension WordAttentionModel {
    /// [tokens, V]: 1 at each non-padding token's id.
    private func oneHot(_ ids: [Int], vocabulary: Int) -> Tensor {
        var values = [Float](repeating: 0, count: ids.count * vocabulary)
        for (index, id) in ids.enumerated() where id > 0 && id < vocabulary { values[index * vocabulary + id] = 1 }
        return Tensor(values, shape: [ids.count, vocabulary])
    }
}
