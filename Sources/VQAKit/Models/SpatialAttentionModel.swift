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
///
/// Two variants (``FirstHop``): `spatial-attention` scores hop 1 over the final 19×19 cells;
/// `pixel-attention` scores it over the first convolution's 38×38 map, whose features are nearly
/// a pixel's colour, with the final cells at 10×10 (hop 1's weights summed over each cell's
/// pixels then read the cells' values), and also hands the answer MLP where hop 1 looked.
public final class SpatialAttentionModel: Module, VQAModel {
    /// Where hop 1 scores the image.
    public enum FirstHop: Sendable {
        /// Over the final cells, as hop 2 does (`spatial-attention`).
        case cells
        /// Over the positions of the first convolution's map (`pixel-attention`). Why: on
        /// backgrounds that change from image to image (harder Sort-of-CLEVR), the final cells mix
        /// an object's colour with its surroundings and hop 1 took 15–25 epochs to find the object a
        /// colour word names; scored on the first map it did in 5–6 (Docs/VQA.md).
        case pixels
    }
    public let firstHop: FirstHop
    public let configuration: VQAModelConfiguration
    public let image: ImageEncoder
    public let question: any QuestionEncoding
    public let cellProjection: Linear
    /// Hop 1: queries from the question; keys from the cells (`.cells`) or from the first map's
    /// positions with their centres (`.pixels`); values from the cells.
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

    public init(_ configuration: VQAModelConfiguration, firstHop: FirstHop = .cells) throws {
        self.configuration = configuration
        self.firstHop = firstHop
        var generator = RandomGenerator(seed: configuration.seed)
        let width = configuration.width
        precondition(width % headCount == 0, "SpatialAttentionModel: width \(width) is not a multiple of \(headCount) heads")
        let firstChannels = 32
        image = try configuration.makeImageEncoder([(firstChannels, 2), (width, 2), (width, firstHop == .cells ? 1 : 2)],
                                                   generator: &generator)
        question = try makeQuestionEncoder(configuration, width: width, generator: &generator)
        cellProjection = Linear(width + 2, width, generator: &generator)
        firstQuery = Linear(width, width, generator: &generator)
        firstKey = Linear(firstHop == .cells ? width : firstChannels + 2, width, generator: &generator)
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
        // `.pixels` also answers from where hop 1's heads looked (x, y each): left or right is then
        // one input to read rather than a direction the attention's reading has to carry.
        let placeInputs = firstHop == .pixels ? 2 * headCount : 0
        classifier = multilayerPerceptron([3 * width + placeInputs, 2 * width, configuration.answerCount], generator: &generator)
        super.init()
    }

    public func callAsFunction(images: Tensor, questions: Tensor) -> Tensor {
        let perImage = questionsPerImage(images: images, questions: questions, model: "SpatialAttentionModel")
        let (maps, q) = Parallel.concurrently({ image.featureMaps(images) }, { question(questions).final })   // q: [B·Q, d]
        let map = maps[maps.count - 1]
        let batch = images.shape[0], width = q.shape[1], heads = headCount, side = map.shape[2]
        let tokens = image.tokens(map)                                                  // [B, HW, C + 2]
        let cells = cellProjection(tokens).relu()                                        // [B, HW, d]
        let centres = tokens.slice((tokens.shape[2] - 2)..<tokens.shape[2], alongAxis: 2)   // [B, HW, 2]
        let asked = q.reshaped([batch, perImage, width])                                 // [B, Q, d]

        // Hop 1: its reading and weights over the cells [B, H, Q, HW], where each head looked
        // (its weights times the positions' centres, [B, H, Q, 2]: head h of hop 2 measures
        // distances from head h's place), and which cells it visited: each head's weights
        // relative to their largest (1 where it looked most), spread by a max over neighbouring
        // cells (5×5 of 19×19, 3×3 of 10×10) — an object falls across several cells, and the
        // fragments hop 1 weighted little are still the named object, not a neighbour.
        let firstRead: Tensor, firstWeights: Tensor, located: Tensor, visited: Tensor
        switch firstHop {
        case .cells:
            (firstRead, firstWeights) = attend(queries: firstQuery(asked), keys: firstKey(cells), values: firstValue(cells), bias: nil)
            located = firstWeights.matmul(centres.expandingShape(at: 1))
            visited = Self.spread(Self.relative(firstWeights).reshaped([batch * heads * perImage, 1, side, side]), over: 5)
                .reshaped([batch, heads, perImage, side * side])
        case .pixels:
            let fine = image.tokens(maps[0])                                              // [B, P, C₁ + 2]
            let (positions, fineSide, headWidth) = (fine.shape[1], maps[0].shape[2], width / heads)
            let keys = firstKey(fine).reshaped([batch, positions, heads, headWidth]).permuted([0, 2, 3, 1])   // [B, H, dₕ, P]
            let queries = firstQuery(asked).reshaped([batch, perImage, heads, headWidth]).permuted([0, 2, 1, 3])   // [B, H, Q, dₕ]
            let weights = (queries.matmul(keys) * (1 / Float(headWidth).squareRoot())).softmax(alongAxis: 3)   // [B, H, Q, P]
            located = weights.matmul(fine.slice((fine.shape[2] - 2)..<fine.shape[2], alongAxis: 2).expandingShape(at: 1))
            let pooling = CellPooling(fineSide: fineSide, cellSide: side)
            firstWeights = pooling.sum(weights.reshaped([batch * heads * perImage, 1, fineSide, fineSide]))
                .reshaped([batch, heads, perImage, side * side])
            visited = Self.spread(Self.relative(firstWeights).reshaped([batch * heads * perImage, 1, side, side]), over: 3)
                .reshaped([batch, heads, perImage, side * side])
            let values = firstValue(cells).reshaped([batch, side * side, heads, headWidth]).permuted([0, 2, 1, 3])   // [B, H, HW, dₕ]
            firstRead = firstWeights.matmul(values).permuted([0, 2, 1, 3]).reshaped([batch, perImage, width])
        }
        let first = firstNorm(asked + firstOutput(firstRead))                             // [B, Q, d]
        let centreSquares = centres.square().sum(alongAxes: [2], keepingDimensions: true).transposed(1, 2).expandingShape(at: 1)  // [B, 1, 1, HW]
        let squaredDistances = (located.square().sum(alongAxes: [3], keepingDimensions: true) + centreSquares
            - located.matmul(centres.expandingShape(at: 1), transposeB: true) * 2).relu()  // [B, H, Q, HW]
        let presence = (cellPresence(cells) * Self.presenceUnit).transposed(1, 2).expandingShape(at: 1)   // [B, 1, 1, HW]
        let bias = (squaredDistances * distanceScales.value + visited * visitedScales.value) * Self.distanceUnit + presence
        let (secondRead, _) = attend(queries: secondQuery(first), keys: secondKey(cells), values: secondValue(cells), bias: bias)
        let second = secondNorm(first + secondOutput(secondRead))
        if !isTraining {
            lastImageAttention = firstWeights.mean(alongAxes: [1]).reshaped([batch * perImage, side, side]).detached()
        }
        var answerInputs = [q, first.reshaped([batch * perImage, width]), second.reshaped([batch * perImage, width])]
        if firstHop == .pixels { answerInputs.append(located.permuted([0, 2, 1, 3]).reshaped([batch * perImage, 2 * heads])) }
        return classifier(Tensor.concatenate(answerInputs, alongAxis: 1))
    }

    /// Attention weights [B, H, Q, N] relative to each row's largest.
    private static func relative(_ weights: Tensor) -> Tensor {
        weights / (weights.max(alongAxes: [3], keepingDimensions: true) + 1e-6)
    }

    /// Maps [M, 1, s, s] spread by a max over each cell's `size` × `size` neighbours.
    private static func spread(_ maps: Tensor, over size: Int) -> Tensor {
        maps.maxPool2d(kernel: (size, size), stride: (1, 1), padding: (size / 2, size / 2))
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

/// How the positions of a fine square map [N, 1, S, S] fall into the cells of a coarser one of side
/// s: non-overlapping windows of ⌈S / s⌉ positions a side, zero-padded evenly at the edges (the
/// 38 positions of Sort-of-CLEVR's first map into 10 cells: windows of 4, one padding position
/// each side), so that every position lies in exactly one cell.
public struct CellPooling: Sendable {
    /// The side of each cell's window of positions, and the zero padding before the first.
    public let window: Int, padding: Int

    /// - Precondition: the windows tile the fine map into exactly `cellSide` cells a side.
    public init(fineSide: Int, cellSide: Int) {
        window = (fineSide + cellSide - 1) / cellSide
        padding = (cellSide * window - fineSide + 1) / 2
        precondition(cellSide > 0 && fineSide >= cellSide && (fineSide + 2 * padding - window) / window + 1 == cellSide,
                     "CellPooling: a \(fineSide)-side map does not fall into \(cellSide) cells")
    }

    /// The sum over each cell's positions: [N, 1, s, s] (position p of a side lies in cell
    /// (p + padding) / window).
    public func sum(_ fine: Tensor) -> Tensor {
        fine.avgPool2d(kernel: (window, window), stride: (window, window), padding: (padding, padding))
            * Float(window * window)
    }
}
