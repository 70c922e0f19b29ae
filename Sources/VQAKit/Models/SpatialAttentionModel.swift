import FusionKit

/// Question-to-cell attention in two hops where the second hop knows where the first one looked:
///
/// 1. The question attends over the image's cells (multi-head); the weighted centroid of each
///    head's attention, `p̂_h`, is where that head found the object the question names.
/// 2. Hop 1's state (the question plus what it read) attends again, head h's scores biased by
///    each cell's squared distance to `p̂_h`, one learned coefficient per head:
///
///        score_h(c) = q_hᵀk_h(c) / √d_h + a_h ‖p_c − p̂_h‖² + v_h α̂_h(c) + g(c)
///
///    where α̂_h(c) is the largest of hop 1's head-h weights over the 5×5 cells around c,
///    relative to that head's largest weight (with v_h < 0 a head avoids the named object
///    itself — every cell it falls across — its own nearest neighbour otherwise) and g, a learned score of
///    each cell, switches off empty background (often the furthest "object").
///    Heads that start with a_h < 0 look near `p̂_h`, those with a_h > 0 far from it, so "the
///    object nearest to the red one" is one attention step instead of a relation the content
///    scores would have to learn (the same distance bias as `transformer`'s, applied to the cells
///    the question itself located rather than to colour slots).
///
/// An MLP answers from the question and both hops. Only convolutions, attention and a GRU: nothing
/// specific to one data set. Keys and values of the cells are computed once per image; all
/// questions of an image query them together.
public final class SpatialAttentionModel: Module, VQAModel {
    public let configuration: VQAModelConfiguration
    public let image: ImageEncoder
    public let question: any QuestionEncoding
    public let cellProjection: Linear
    /// Hop 1: queries from the question; keys and values from the cells.
    public let firstQuery: Linear, firstKey: Linear, firstValue: Linear
    /// Hop 2: queries from hop 1's state.
    public let secondQuery: Linear, secondKey: Linear, secondValue: Linear
    /// Each hop's output projection and the layer norm of its residual sum, as in a
    /// transformer's cross-attention sub-layer: state = LN(query + out(attention)).
    public let firstOutput: Linear, secondOutput: Linear
    public let firstNorm: LayerNorm, secondNorm: LayerNorm
    /// a_h / `distanceUnit`, [1, heads, 1, 1].
    public let distanceScales: Parameter
    /// v_h / `distanceUnit`, [1, heads, 1, 1]: how much hop 2's head h avoids the cells hop 1's
    /// head h looked at (the named object is its own nearest neighbour otherwise).
    public let visitedScales: Parameter
    /// A learned score of each cell (× `presenceUnit`), added to hop 2's scores, so that empty
    /// background cells can be switched off: the furthest cell is usually an empty corner.
    public let cellPresence: Linear
    public static let presenceUnit: Float = 10
    public let classifier: Sequential
    public let headCount = 4
    /// The distance coefficients are stored divided by this so that AdamW's steps (about the
    /// learning rate in size) can make the attention sharp within a run.
    public static let distanceUnit: Float = 50
    public private(set) var lastImageAttention: Tensor?

    public init(_ configuration: VQAModelConfiguration) throws {
        self.configuration = configuration
        var generator = RandomGenerator(seed: configuration.seed)
        let width = configuration.width
        image = try configuration.makeImageEncoder([(32, 2), (width, 2), (width, 1)], generator: &generator)
        question = try makeQuestionEncoder(configuration, width: width, generator: &generator)
        cellProjection = Linear(width + 2, width, generator: &generator)
        firstQuery = Linear(width, width, generator: &generator)
        firstKey = Linear(width, width, generator: &generator)
        firstValue = Linear(width, width, generator: &generator)
        secondQuery = Linear(width, width, generator: &generator)
        firstOutput = Linear(width, width, generator: &generator)
        secondOutput = Linear(width, width, generator: &generator)
        firstNorm = LayerNorm(width)
        secondNorm = LayerNorm(width)
        secondKey = Linear(width, width, generator: &generator)
        secondValue = Linear(width, width, generator: &generator)
        distanceScales = Parameter(Tensor((0..<headCount).map { Float($0 % 2 == 0 ? -0.3 : 0.3) }, shape: [1, headCount, 1, 1]))
        visitedScales = Parameter(Tensor((0..<headCount).map { Float($0 % 2 == 0 ? -1 : 0) }, shape: [1, headCount, 1, 1]))
        cellPresence = Linear(width, 1, generator: &generator)
        cellPresence.weight.value = Tensor.zeros([1, width])
        cellPresence.bias?.value = Tensor.zeros([1])
        classifier = multilayerPerceptron([3 * width, 2 * width, configuration.answerCount], generator: &generator)
        super.init()
    }

    public func callAsFunction(images: Tensor, questions: Tensor) -> Tensor {
        let perImage = questionsPerImage(images: images, questions: questions, model: "SpatialAttentionModel")
        let (map, q) = Parallel.concurrently({ image(images) }, { question(questions).final })   // q: [B·Q, d]
        let batch = images.shape[0], width = q.shape[1]
        let tokens = image.tokens(map)                                                  // [B, HW, C + 2]
        let cells = cellProjection(tokens).relu()                                        // [B, HW, d]
        let centres = tokens.slice((tokens.shape[2] - 2)..<tokens.shape[2], alongAxis: 2)   // [B, HW, 2]
        let asked = q.reshaped([batch, perImage, width])                                 // [B, Q, d]

        let (firstRead, firstWeights) = attend(queries: firstQuery(asked), keys: firstKey(cells), values: firstValue(cells), bias: nil)
        let first = firstNorm(asked + firstOutput(firstRead))                             // [B, Q, d]
        // Where each head of hop 1 looked: its weights times the cell centres. Head h of hop 2
        // measures distances from head h's place.
        let located = firstWeights.matmul(centres.expandingShape(at: 1))                // [B, H, Q, 2]
        let centreSquares = centres.square().sum(alongAxes: [2], keepingDimensions: true).transposed(1, 2).expandingShape(at: 1)  // [B, 1, 1, HW]
        let squaredDistances = (located.square().sum(alongAxes: [3], keepingDimensions: true) + centreSquares
            - located.matmul(centres.expandingShape(at: 1), transposeB: true) * 2).relu()  // [B, H, Q, HW]
        // Each head's hop-1 weights relative to their largest: 1 on the cells it looked at most.
        let relative = firstWeights / (firstWeights.max(alongAxes: [3], keepingDimensions: true) + 1e-6)   // [B, H, Q, HW]
        // Spread over each cell's 5×5 neighbourhood (a max): an object falls across several
        // cells, and the fragments hop 1 weighted little are still the named object, not a
        // neighbour.
        let (side, heads) = (map.shape[2], firstWeights.shape[1])
        let visited = relative.reshaped([batch * heads * perImage, 1, side, map.shape[3]])
            .maxPool2d(kernel: (5, 5), stride: (1, 1), padding: (2, 2))
            .reshaped([batch, heads, perImage, side * map.shape[3]])
        let presence = (cellPresence(cells) * Self.presenceUnit).transposed(1, 2).expandingShape(at: 1)   // [B, 1, 1, HW]
        let bias = (squaredDistances * distanceScales.value + visited * visitedScales.value) * Self.distanceUnit + presence
        let (secondRead, _) = attend(queries: secondQuery(first), keys: secondKey(cells), values: secondValue(cells), bias: bias)
        let second = secondNorm(first + secondOutput(secondRead))
        if !isTraining {
            lastImageAttention = firstWeights.mean(alongAxes: [1]).reshaped([batch * perImage, map.shape[2], map.shape[3]]).detached()
        }
        return classifier(Tensor.concatenate([q, first.reshaped([batch * perImage, width]),
                                              second.reshaped([batch * perImage, width])], alongAxis: 1))
    }

    /// Multi-head attention of `queries` [B, Q, d] over `keys`, `values` [B, N, d], with an
    /// optional additive `bias` [B, H, Q, N] (`Attention.multiHead`): the heads' readings
    /// concatenated [B, Q, d] and the weights [B, H, Q, N].
    private func attend(queries: Tensor, keys: Tensor, values: Tensor, bias: Tensor?) -> (Tensor, Tensor) {
        var unused = RandomGenerator(seed: 0)   // no dropout: the generator is never drawn from
        return Attention.multiHead(query: queries, key: keys, value: values, heads: headCount,
                                   mask: AttentionMask(additive: bias), generator: &unused)
    }
}
