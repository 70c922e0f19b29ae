import FusionKit

/// A multimodal transformer over object slots and the question:
///
/// 1. Once per image: `ColorSlots` finds `slotCount` objects by colour (a softmax over the pixels
///    against learned prototype colours, initialised by k-means on the first training batch) and
///    describes each by its centroid, spatial moments, mass and the features of a CNN with
///    coordinate channels (19×19 map) pooled under its attention.
/// 2. For each question, the question vector and the slots form one sequence of `slotCount + 1`
///    tokens read by transformer encoder layers (pre-norm), early fusion in the sense of
///    VisualBERT (Li et al. 2019); an MLP answers from the question token.
/// 3. The slots' attention to each other is biased by their squared distance, one learned
///    coefficient per head and layer (plus a learned bias for a slot attending to itself):
///
///        score_h(i, j) = q_iᵀk_j / √d + a_h ‖p_i − p_j‖² + b_h [i = j] + g(s_j)
///
///    where g(s_j), a learned linear score of slot j, lets the model switch off slots that found
///    background (their centroid, the image centre, would often be "nearest").
///    so a head with a_h < 0 finds each slot's nearest neighbour and one with a_h > 0 its
///    furthest, exactly, where a learned MLP on coordinates would only approximate distances (a
///    spatial bias in the spirit of Graphormer's, Ying et al. 2021).
///
/// Slots are computed once per image and shared by its questions; only the small per-question
/// transformer repeats.
public final class TransformerModel: Module, VQAModel {
    public let configuration: VQAModelConfiguration
    public let image: ImageEncoder
    public let question: any QuestionEncoding
    /// Where the image's tokens come from (see ``TokenSource``).
    public let source: TokenSource
    /// The colour slots (`transformer` only).
    public let slots: ColorSlots?
    /// Slot attention over the pixels (`slot-transformer` only), and the per-pixel MLP over
    /// (r, g, b, x, y) that gives it its inputs.
    public let learnedSlots: SlotAttention?
    public let pixelEncoder: Sequential?
    public let slotProjection: Linear
    /// A learned affine score of each token, added to every attention score towards it, so the
    /// model can switch off tokens that hold background rather than an object: of a colour slot's
    /// mass (how many pixels it covers); of all of a learned slot's or a cell's features.
    public let slotPresence: Linear
    /// A learned embedding per slot, and one marking the question token.
    public let slotEmbedding: Parameter
    public let questionEmbedding: Parameter
    public let layers: [TransformerEncoderLayer]
    /// Per layer: a_h / `biasUnit` [1, heads, 1, 1] and b_h / `biasUnit` [1, heads, 1, 1].
    public let distanceScales: [Parameter]
    public let selfBiases: [Parameter]
    /// The distance coefficients and self-biases are stored divided by this, so that Adam, whose
    /// steps are about the learning rate in size, moves them fast enough to make the attention
    /// sharp (a nearest neighbour 12 px away against one 17 px away needs |a_h| near 100).
    public static let biasUnit: Float = 50
    /// The same for the presence scores.
    public static let presenceUnit: Float = 10
    public let norm: LayerNorm
    public let classifier: Sequential
    public private(set) var lastImageAttention: Tensor?
    public let slotCount: Int

    public init(_ configuration: VQAModelConfiguration) throws {
        let source = try TokenSource(model: configuration.model)
        if source == .colorSlots, let features = configuration.pretrainedMaps {
            // Its colour slots read objects' colours from the pixels, which cached features do not hold.
            throw VQAError.invalidArgument("the transformer model finds objects by their colour in the pixels, so it cannot read "
                                           + "a pretrained encoder's maps (\(features.source)); choose slot-transformer, "
                                           + "cell-transformer, film, rn, mfb, cross-attention or concat-mlp")
        }
        self.source = source
        self.configuration = configuration
        var generator = RandomGenerator(seed: configuration.seed)
        let width = configuration.width, heads = 4
        let layers = source.imageLayers(width: width)
        image = try configuration.makeImageEncoder(layers, generator: &generator)
        question = try makeQuestionEncoder(configuration, width: width, generator: &generator)
        let grid = configuration.imageGrid(after: layers)
        switch source {
        case .colorSlots:
            slotCount = 8
            slots = ColorSlots(slotCount: slotCount, generator: &generator)
            pixelEncoder = nil
            learnedSlots = nil
            slotProjection = Linear(width + ColorSlots.geometryWidth, width, generator: &generator)
            slotPresence = Linear(1, 1, generator: &generator)
        case .learnedSlots:
            slotCount = 10
            slots = nil
            pixelEncoder = Sequential([Linear(5, 32, generator: &generator), ReLU(), Linear(32, 32, generator: &generator)])
            learnedSlots = SlotAttention(slotCount: slotCount, inputWidth: 32, width: width, iterations: 3, generator: &generator)
            slotProjection = Linear(2 * width + ColorSlots.geometryWidth, width, generator: &generator)
            slotPresence = Linear(2 * width + ColorSlots.geometryWidth, 1, generator: &generator)
        case .cells:
            slotCount = grid * grid
            slots = nil
            pixelEncoder = nil
            learnedSlots = nil
            slotProjection = Linear(width + 3, width, generator: &generator)
            slotPresence = Linear(width + 3, 1, generator: &generator)
        }
        // Every token starts present.
        slotPresence.weight.value = Tensor.zeros(slotPresence.weight.value.shape)
        slotPresence.bias?.value = Tensor.zeros([1])
        slotEmbedding = Parameter(Tensor.randomNormal([1, slotCount, width], standardDeviation: 0.1, generator: &generator))
        questionEmbedding = Parameter(Tensor.randomNormal([1, 1, width], standardDeviation: 0.1, generator: &generator))
        self.layers = (0..<3).map { _ in
            TransformerEncoderLayer(width: width, headCount: heads, feedForwardWidth: 2 * width, dropout: 0, normFirst: true,
                                    generator: &generator)
        }
        // Half the heads start looking near (a_h = −15, and away from themselves, b_h = −50), half
        // far (a_h = 15; a slot is its own nearest, never its furthest).
        let startScales = (0..<heads).map { Float($0 % 2 == 0 ? -0.3 : 0.3) }
        let startSelf = (0..<heads).map { Float($0 % 2 == 0 ? -1 : 0) }
        distanceScales = self.layers.map { _ in Parameter(Tensor(startScales, shape: [1, heads, 1, 1])) }
        selfBiases = self.layers.map { _ in Parameter(Tensor(startSelf, shape: [1, heads, 1, 1])) }
        norm = LayerNorm(width)
        classifier = multilayerPerceptron([width, 2 * width, configuration.answerCount], generator: &generator)
        super.init()
    }

    public func callAsFunction(images: Tensor, questions: Tensor) -> Tensor {
        let perImage = questionsPerImage(images: images, questions: questions, model: "TransformerModel")
        // The image side (encoder and slots) and the question encoder side by side when no
        // gradient is recorded (Parallel.concurrently).
        let ((map, found), q) = Parallel.concurrently({
            let map = image(images)
            return (map, imageTokens(images: images, featureMap: map))
        }, { question(questions).final })                                          // q: [B·Q, d]
        var slotTokens = slotProjection(found.features) + slotEmbedding.value        // [B, K, d]
        let geometry = distanceTerms(positions: found.positions)
        let presence = Tensor.concatenate([Tensor.zeros([images.shape[0], 1]),
                                           (slotPresence(found.presence) * Self.presenceUnit).reshaped([images.shape[0], slotCount])],
                                          alongAxis: 1).reshaped([images.shape[0], 1, 1, slotCount + 1])
        let attention = found.cellAttention                                        // [B, K, HW]
        let width = q.shape[1]
        var questionToken = q.reshaped([q.shape[0], 1, width]) + questionEmbedding.value   // [B·Q, 1, d]
        // The slots never attend to the question token (its column of the bias is −10,000, whose
        // softmax weight is exactly 0 in float32), so each image's slots go through every layer
        // once, not once per question; only the question token's row is computed per question,
        // over [itself; its image's slots]. The same numbers as running all K + 1 tokens per question.
        for (index, layer) in layers.enumerated() {
            let bias = (geometry.distances * distanceScales[index].value + geometry.identity * selfBiases[index].value)
                * Self.biasUnit + presence + geometry.slotsIgnoreQuestion                 // [B, H, K+1, K+1]
            let questionRow = repeatPerQuestion(bias.slice(0..<1, alongAxis: 2), questionsPerImage: perImage)
            let context = Tensor.concatenate([questionToken, repeatPerQuestion(slotTokens, questionsPerImage: perImage)], alongAxis: 1)
            questionToken = layer(queries: questionToken, context: context, attentionMask: questionRow)
            if index == 0, !isTraining, let weights = layer.selfAttention.lastWeights {
                // How the question token weighed each slot, spread over the cells each slot looked at.
                let toSlots = weights.mean(alongAxes: 1).slice(1..<(slotCount + 1), alongAxis: 2)          // [B·Q, 1, K]
                let perCell = toSlots.matmul(repeatPerQuestion(attention, questionsPerImage: perImage))   // [B·Q, 1, HW]
                lastImageAttention = perCell.reshaped([q.shape[0], map.shape[2], map.shape[3]]).detached()
            }
            if index < layers.count - 1 {
                let slotRows = bias.slice(1..<(slotCount + 1), alongAxis: 2).slice(1..<(slotCount + 1), alongAxis: 3)
                slotTokens = layer(queries: slotTokens, context: slotTokens, attentionMask: slotRows)
            }
        }
        let answerToken = norm(questionToken.reshaped([q.shape[0], width]))
        return classifier(answerToken)
    }

    /// Sets the slot prototypes from the colours of the first training batch.
    public func prepare(forTrainingOn images: Tensor) {
        slots?.initializePrototypes(from: images)
    }

    public var needsPreparation: Bool { source == .colorSlots }

    /// The image's tokens: features [B, K, F] (F as `slotProjection` reads them), positions
    /// [B, K, 2] in [−1, 1], what `slotPresence` scores [B, K, ·], and how each token covers the
    /// feature map's cells [B, K, H·W] (for drawing the attention).
    private func imageTokens(images: Tensor, featureMap: Tensor) -> (features: Tensor, positions: Tensor, presence: Tensor, cellAttention: Tensor) {
        switch source {
        case .colorSlots:
            let found = slots!(images: images, featureMap: featureMap)
            let massColumn = found.slots.shape[2] - 2
            return (found.slots, found.positions, found.slots.slice(massColumn..<(massColumn + 1), alongAxis: 2), found.cellAttention)
        case .learnedSlots:
            let (batch, size) = (images.shape[0], images.shape[2])
            let (channels, height, width) = (featureMap.shape[1], featureMap.shape[2], featureMap.shape[3])
            let centres = pixelCentres(size: size).broadcast(to: [batch, size * size, 2])
            let pixels = Tensor.concatenate([images.reshaped([batch, 3, size * size]).transposed(1, 2), centres], alongAxis: 2)
            let found = learnedSlots!(pixelEncoder!(pixels))                                 // attention [B, K, S·S]
            let geometry = spatialMoments(of: found.attention, centres: centres, mass: found.mass, cellsPerSide: size)
            // The CNN's features pooled under each slot's attention, at the feature map's resolution.
            let cells = found.attention.reshaped([batch, slotCount, size, size]).adaptiveAvgPool2d(outputSize: (height, width))
                .reshaped([batch, slotCount, height * width])
            let cellAttention = cells / (cells.sum(alongAxes: [2], keepingDimensions: true) + 1e-9)
            let pooled = cellAttention.matmul(featureMap.reshaped([batch, channels, height * width]).transposed(1, 2))
            let features = Tensor.concatenate([found.slots, pooled, geometry.features], alongAxis: 2)
            return (features, geometry.positions, features, cellAttention)
        case .cells:
            let cells = image.tokens(featureMap)                                           // [B, HW, C + 2]
            let centres = cells.slice((cells.shape[2] - 2)..<cells.shape[2], alongAxis: 2)
            let features = Tensor.concatenate([cells, centres.square().sum(alongAxes: [2], keepingDimensions: true)], alongAxis: 2)
            return (features, centres, features, cellIdentity(batch: images.shape[0], cells: cells.shape[1]))
        }
    }

    /// A learned slot's place and extent from its attention `weights` [B, K, N] over cells whose
    /// centres are `centres` [B, N, 2]: the centroid, the variances and covariance (in cells², a
    /// cell being 2/`cellsPerSide` wide), log of the raw `mass` [B, K, 1] and the centroid's
    /// squared norm, as [B, K, 7] features beside the positions [B, K, 2].
    private func spatialMoments(of weights: Tensor, centres: Tensor, mass: Tensor, cellsPerSide: Int)
        -> (features: Tensor, positions: Tensor) {
        let x = centres.slice(0..<1, alongAxis: 2), y = centres.slice(1..<2, alongAxis: 2)
        let moments = weights.matmul(Tensor.concatenate([centres, x.square(), y.square(), x * y], alongAxis: 2))  // [B, K, 5]
        let position = moments.slice(0..<2, alongAxis: 2)
        let (mx, my) = (position.slice(0..<1, alongAxis: 2), position.slice(1..<2, alongAxis: 2))
        let cellArea = Float(cellsPerSide * cellsPerSide) / 4
        let variances = (moments.slice(2..<4, alongAxis: 2) - position.square()) * cellArea
        let covariance = (moments.slice(4..<5, alongAxis: 2) - mx * my) * cellArea
        let features = Tensor.concatenate([position, variances, covariance, (mass + 1).log(),
                                           position.square().sum(alongAxes: [2], keepingDimensions: true)], alongAxis: 2)
        return (features, position)
    }

    private var identityCache: (batch: Int, cells: Int, table: Tensor)?
    private var pixelCache: (size: Int, table: Tensor)?

    /// [1, S·S, 2]: (x, y) of each pixel centre in [−1, 1].
    private func pixelCentres(size: Int) -> Tensor {
        if let cache = pixelCache, cache.size == size { return cache.table }
        let table = gridCentres(height: size, width: size)
        pixelCache = (size, table)
        return table
    }

    /// [B, N, N]: each cell token covers its own cell.
    private func cellIdentity(batch: Int, cells: Int) -> Tensor {
        if let cache = identityCache, cache.batch == batch, cache.cells == cells { return cache.table }
        var values = [Float](repeating: 0, count: cells * cells)
        for cell in 0..<cells { values[cell * cells + cell] = 1 }
        let table = Tensor(values, shape: [1, cells, cells]).broadcast(to: [batch, cells, cells])
        identityCache = (batch, cells, table)
        return table
    }

    /// Squared distances between slot positions `positions` [B, K, 2], laid out for the token
    /// sequence [question; slots] as [B, 1, K + 1, K + 1] (zero in the question's row and column),
    /// the matching identity pattern [1, 1, K + 1, K + 1] (one where a slot meets itself), and a
    /// mask that keeps slots from attending to the question token (whose zero distance bias
    /// would otherwise make it every slot's "nearest" neighbour).
    private func distanceTerms(positions: Tensor) -> (distances: Tensor, identity: Tensor, slotsIgnoreQuestion: Tensor) {
        let (batch, k) = (positions.shape[0], positions.shape[1])
        let squares = positions.square().sum(alongAxes: [2], keepingDimensions: true)                 // [B, K, 1]
        let distances = (squares + squares.transposed(1, 2) - positions.matmul(positions, transposeB: true) * 2).relu()
        let withColumn = Tensor.concatenate([Tensor.zeros([batch, k, 1]), distances], alongAxis: 2)
        let padded = Tensor.concatenate([Tensor.zeros([batch, 1, k + 1]), withColumn], alongAxis: 1)
        var identity = [Float](repeating: 0, count: (k + 1) * (k + 1))
        var ignore = [Float](repeating: 0, count: (k + 1) * (k + 1))
        for slot in 1...k {
            identity[slot * (k + 1) + slot] = 1
            ignore[slot * (k + 1)] = -10_000
        }
        return (padded.expandingShape(at: 1), Tensor(identity, shape: [1, 1, k + 1, k + 1]),
                Tensor(ignore, shape: [1, 1, k + 1, k + 1]))
    }
}

/// Where ``TransformerModel`` gets its image tokens, chosen by the model's name.
public enum TokenSource: Sendable, Equatable {
    /// `transformer`: slots found by colour against prototypes set by k-means on the first batch
    /// (``ColorSlots``) — built for Sort-of-CLEVR's flat colours on white, a data-set-specific
    /// component.
    case colorSlots
    /// `slot-transformer`: learned object queries competing for the CNN's cells (``SlotAttention``),
    /// described by their features and the spatial moments of their attention.
    case learnedSlots
    /// `cell-transformer`: every cell of a 10×10 CNN map is a token (early fusion over cells).
    case cells

    init(model: String) throws {
        switch model {
        case "transformer": self = .colorSlots
        case "slot-transformer": self = .learnedSlots
        case "cell-transformer": self = .cells
        default: throw VQAError.invalidArgument("TransformerModel builds transformer, slot-transformer or cell-transformer, not \(model)")
        }
    }

    /// The image encoder's (channels, stride) layers: a 19×19 map of a 75-pixel image for slots,
    /// 10×10 for cells (each cell a token).
    func imageLayers(width: Int) -> [(channels: Int, stride: Int)] {
        switch self {
        case .colorSlots, .learnedSlots: [(32, 2), (width, 2), (width, 1)]
        case .cells: [(32, 2), (width, 2), (width, 2)]
        }
    }
}

