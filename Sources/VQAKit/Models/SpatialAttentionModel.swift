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
/// Two variants (``Scoring``): `spatial-attention` scores both hops over the final 19×19 cells;
/// `pixel-attention` scores both over the first convolution's 38×38 map, whose features are
/// nearly a pixel's colour, and reads the final 10×10 cells with those weights summed per cell
/// (hop 2 also reads the first map itself); it hands the answer MLP where hop 1 looked, and
/// keeps hop 2 off the named object by a learned dip around that place instead of the visited
/// cells.
public final class SpatialAttentionModel: Module, VQAModel {
    /// Where the two hops score the image.
    public enum Scoring: Sendable {
        /// Over the final cells (`spatial-attention`).
        case cells
        /// Over the positions of the first convolution's map (`pixel-attention`). Why: on
        /// backgrounds that change from image to image (harder Sort-of-CLEVR), a cell's features
        /// mix an object's colour with its surroundings, so matching a colour word against them
        /// is learned far more slowly than against the first map's nearly per-pixel features;
        /// and on coarse cells the nearest object often shares cells with the named one
        /// (measurements: Docs/VQA.md, "Hop 1 on the first convolution's map").
        case firstMap
    }
    public let scoring: Scoring
    public let configuration: VQAModelConfiguration
    public let image: ImageEncoder
    public let question: any QuestionEncoding
    public let cellProjection: Linear
    /// Hop 1: queries from the question; keys from the cells (`.cells`) or from the first map's
    /// positions with their centres (`.firstMap`); values from the cells.
    public let firstQuery: Linear, firstKey: Linear, firstValue: Linear
    /// Hop 2: queries from hop 1's state; keys as hop 1's; values from the cells.
    public let secondQuery: Linear, secondKey: Linear, secondValue: Linear
    /// Each hop's output projection and the layer norm of its residual sum, as in a
    /// transformer's cross-attention sub-layer: state = LN(query + out(attention)).
    public let firstOutput: Linear, secondOutput: Linear
    public let firstNorm: LayerNorm, secondNorm: LayerNorm
    /// a_h / `distanceUnit`, [1, heads, 1, 1].
    public let distanceScales: Parameter
    /// `.cells`: v_h / `distanceUnit`, [1, heads, 1, 1]: how much hop 2's head h avoids the cells
    /// hop 1's head h looked at (the named object is its own nearest neighbour otherwise).
    public let visitedScales: Parameter?
    /// `.cells`: a learned score of each cell (× `presenceUnit`), added to hop 2's scores, so that
    /// empty background cells can be switched off: the furthest cell is usually an empty corner.
    public let cellPresence: Linear?
    public static let presenceUnit: Float = 10
    /// `.firstMap`: hop 2's dip around where hop 1's head h looked, `u_h·exp(−d²/w_h)`:
    /// u_h / `distanceUnit` and log w_h, each [1, heads, 1, 1].
    public let avoidanceScales: Parameter?, avoidanceLogWidths: Parameter?
    /// `.firstMap`: hop 2's presence score of each position, the log-sum-exp of 16 learned
    /// detectors of its features (a union of linear regions: any of several colours against
    /// whatever the background is).
    public let pixelPresence: Linear?
    /// `.firstMap`: hop 2 also reads the first map's positions (a colour is nearly pure there).
    public let secondPixelValue: Linear?
    public let classifier: Sequential
    public let headCount = 4
    /// The distance coefficients are stored divided by this so that AdamW's steps (about the
    /// learning rate in size) can make the attention sharp within a run.
    public static let distanceUnit: Float = 50
    public private(set) var lastImageAttention: Tensor?
    /// `.firstMap`, after an evaluation-mode call: where each hop looked (``HopDiagnostics``).
    public private(set) var lastHops: HopWeights?

    public init(_ configuration: VQAModelConfiguration, scoring: Scoring = .cells) throws {
        self.configuration = configuration
        self.scoring = scoring
        var generator = RandomGenerator(seed: configuration.seed)
        let width = configuration.width
        precondition(width % headCount == 0, "SpatialAttentionModel: width \(width) is not a multiple of \(headCount) heads")
        let firstChannels = 32
        image = try configuration.makeImageEncoder([(firstChannels, 2), (width, 2), (width, scoring == .cells ? 1 : 2)],
                                                   generator: &generator)
        // Keys read the cells' projection, or a first-map position's features and centre.
        let keyInputs = scoring == .cells ? width : firstChannels + 2
        question = try makeQuestionEncoder(configuration, width: width, generator: &generator)
        cellProjection = Linear(width + 2, width, generator: &generator)
        firstQuery = Linear(width, width, generator: &generator)
        firstKey = Linear(keyInputs, width, generator: &generator)
        firstValue = Linear(width, width, generator: &generator)
        secondQuery = Linear(width, width, generator: &generator)
        firstOutput = Linear(width, width, generator: &generator)
        secondOutput = Linear(width, width, generator: &generator)
        firstNorm = LayerNorm(width)
        secondNorm = LayerNorm(width)
        secondKey = Linear(keyInputs, width, generator: &generator)
        secondValue = Linear(width, width, generator: &generator)
        distanceScales = alternatingHeads(headCount, even: -0.3, odd: 0.3)
        switch scoring {
        case .cells:
            visitedScales = alternatingHeads(headCount, even: -1, odd: 0)
            let presence = Linear(width, 1, generator: &generator)
            presence.weight.value = Tensor.zeros([1, width])
            presence.bias?.value = Tensor.zeros([1])
            cellPresence = presence
            (avoidanceScales, avoidanceLogWidths, pixelPresence, secondPixelValue) = (nil, nil, nil, nil)
        case .firstMap:
            (visitedScales, cellPresence) = (nil, nil)
            // The near heads (even) start with a dip of −10 at the place, about an object's
            // radius wide (w = 0.03, log w = −3.507: e^(−d²/w) falls to 1/e 6.5 pixels away on a
            // 75-pixel image).
            avoidanceScales = alternatingHeads(headCount, even: -0.2, odd: 0)
            avoidanceLogWidths = Parameter(Tensor([Float](repeating: -3.5065579, count: headCount), shape: [1, headCount, 1, 1]))
            secondPixelValue = Linear(keyInputs, width, generator: &generator)
            // Random, not zero, detectors: identical ones would stay identical.
            let presence = Linear(keyInputs, 16, generator: &generator)
            presence.weight.value = (presence.weight.value * 0.3).detached()
            pixelPresence = presence
        }
        // `.firstMap` also answers from where hop 1's heads looked (x, y each): left or right is
        // then one input to read rather than a direction the attention's reading has to carry.
        let placeInputs = scoring == .firstMap ? 2 * headCount : 0
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

        // Each hop: its weights over the cells [B, H, Q, HW] and its reading [B, Q, d]. Hop 1
        // also says where each head looked (its weights times the positions' centres,
        // [B, H, Q, 2]): head h of hop 2 measures distances from head h's place.
        let firstWeights: Tensor, first: Tensor, located: Tensor, second: Tensor
        switch scoring {
        case .cells:
            let firstRead: Tensor
            (firstRead, firstWeights) = attend(queries: firstQuery(asked), keys: firstKey(cells), values: firstValue(cells), bias: nil)
            first = firstNorm(asked + firstOutput(firstRead))                             // [B, Q, d]
            located = firstWeights.matmul(centres.expandingShape(at: 1))
            // Which cells hop 1 visited: each head's weights relative to their largest (1 where it
            // looked most), spread by a max over 5×5 neighbours — an object falls across several
            // cells, and the fragments hop 1 weighted little are still the named object, not a
            // neighbour.
            let relative = firstWeights / (firstWeights.max(alongAxes: [3], keepingDimensions: true) + 1e-6)
            let visited = relative.reshaped([batch * heads * perImage, 1, side, side])
                .maxPool2d(kernel: (5, 5), stride: (1, 1), padding: (2, 2))
                .reshaped([batch, heads, perImage, side * side])
            let presence = (cellPresence!(cells) * Self.presenceUnit).transposed(1, 2).expandingShape(at: 1)   // [B, 1, 1, HW]
            let bias = (squaredDistances(from: located, to: centres) * distanceScales.value
                        + visited * visitedScales!.value) * Self.distanceUnit + presence
            let (secondRead, _) = attend(queries: secondQuery(first), keys: secondKey(cells), values: secondValue(cells), bias: bias)
            second = secondNorm(first + secondOutput(secondRead))
        case .firstMap:
            let fine = FineMap(image.tokens(maps[0]), cellSide: side, heads: heads)
            let firstFine = fine.attention(queries: firstQuery(asked), keys: firstKey(fine.tokens), bias: nil)   // [B, H, Q, P]
            located = firstFine.matmul(fine.centres.expandingShape(at: 1))
            firstWeights = fine.cellWeights(firstFine)
            first = firstNorm(asked + firstOutput(FineMap.read(firstValue(cells), weights: firstWeights)))
            let distances = squaredDistances(from: located, to: fine.centres)                  // [B, H, Q, P]
            let dips = dip(distances, logWidths: avoidanceLogWidths!.value)
            let presence = pixelPresence!(fine.tokens).logSumExp(alongAxes: [2], keepingDimensions: true)
                .transposed(1, 2).expandingShape(at: 1)                                        // [B, 1, 1, P]
            let bias = (distances * distanceScales.value + dips * avoidanceScales!.value) * Self.distanceUnit + presence
            let secondFine = fine.attention(queries: secondQuery(first), keys: secondKey(fine.tokens), bias: bias)
            if !isTraining { lastHops = HopWeights(places: located.detached(), first: firstFine.detached(), second: secondFine.detached()) }
            let secondRead = FineMap.read(secondValue(cells), weights: fine.cellWeights(secondFine))
                + FineMap.read(secondPixelValue!(fine.tokens), weights: secondFine)
            second = secondNorm(first + secondOutput(secondRead))
        }
        if !isTraining {
            lastImageAttention = firstWeights.mean(alongAxes: [1]).reshaped([batch * perImage, side, side]).detached()
        }
        var answerInputs = [q, first.reshaped([batch * perImage, width]), second.reshaped([batch * perImage, width])]
        if scoring == .firstMap { answerInputs.append(located.permuted([0, 2, 1, 3]).reshaped([batch * perImage, 2 * heads])) }
        return classifier(Tensor.concatenate(answerInputs, alongAxis: 1))
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

/// Where `pixel-attention`'s two hops looked in its last evaluation-mode call, over the first
/// map's P = side² positions (row-major).
public struct HopWeights {
    /// [B, H, Q, 2]: the place (x, y in [−1, 1]) hop 2's head h measures distances from, the
    /// centroid of hop 1's head-h weights.
    public let places: Tensor
    /// [B, H, Q, P]: hop 1's and hop 2's weights.
    public let first: Tensor, second: Tensor
}
