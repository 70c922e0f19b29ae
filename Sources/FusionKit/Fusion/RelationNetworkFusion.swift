/// A relation network (Santoro, Raposo, Barrett, Malinowski, Pascanu, Battaglia, Lillicrap, "A
/// simple neural network module for relational reasoning", NeurIPS 2017): every ordered pair of
/// objects, with the question, goes through one MLP g_θ, the results are summed, and a second MLP
/// f_φ reads the sum:
///
///     RN(O, q) = f_φ( Σ_{i,j} g_θ(o_i, o_j, q) )
///
/// The first layer of g_θ acts on the concatenation [o_i; o_j; q], so it splits into three blocks,
/// W₁ = [W_a | W_b | W_q]. Instead of a loop over the N² pairs it is computed with batched GEMMs:
///
///     A = O W_aᵀ, B = O W_bᵀ  [batch, N, h];   Q = q W_qᵀ + b₁  [batch, h]
///     G[:, i, j] = relu(A[:, i] + B[:, j] + Q)  [batch, N, N, h]  →  [batch, N·N, h]
///
/// then the remaining layers of g_θ (each Linear then ReLU) on [batch, N·N, h], a sum over the
/// pairs, and f_φ (Linear, ReLU, …, Linear; no activation after the last layer).
///
/// Inputs: [objects O [batch, N, d], question q [batch, dq]]. Keys: `g_first_object.weight` (W_a),
/// `g_second_object.weight` (W_b), `g_question.weight`, `g_question.bias` (W_q, b₁),
/// `g_rest.0.weight`, `g_rest.0.bias`, `g_rest.2.…` (Linear at even indices, ReLU between),
/// `f.0.…`, `f.2.…`. A PyTorch `nn.Linear(2d + dq, h)` on [o_i; o_j; q] loads by splitting its
/// weight into these three column blocks.
public final class RelationNetworkFusion: Module, FusionStrategy {
    public let objectWidth: Int, questionWidth: Int
    public let gFirstObject: Linear, gSecondObject: Linear, gQuestion: Linear
    public let gRest: Sequential
    public let f: Sequential

    /// `gWidths`: the widths of g_θ's layers (at least one); `fWidths`: the widths of f_φ's layers
    /// (at least one; the last is the output width).
    public init(objectWidth: Int, questionWidth: Int, gWidths: [Int], fWidths: [Int], generator: inout RandomGenerator) {
        precondition(!gWidths.isEmpty && !fWidths.isEmpty, "RelationNetworkFusion: g and f need at least one layer each")
        self.objectWidth = objectWidth
        self.questionWidth = questionWidth
        let h = gWidths[0]
        // One Linear(2d + dq, h) initialised as PyTorch would, split into its three column blocks.
        let first = Linear(2 * objectWidth + questionWidth, h, generator: &generator)
        let blocks = first.weight.value.detached().split(sizes: [objectWidth, objectWidth, questionWidth], alongAxis: 1)
        gFirstObject = Linear(objectWidth, h, bias: false, generator: &generator)
        gSecondObject = Linear(objectWidth, h, bias: false, generator: &generator)
        gQuestion = Linear(questionWidth, h, generator: &generator)
        gFirstObject.weight.value = blocks[0]
        gSecondObject.weight.value = blocks[1]
        gQuestion.weight.value = blocks[2]
        gQuestion.bias!.value = first.bias!.value.detached()
        var rest: [any UnaryLayer] = []
        for (input, output) in zip(gWidths, gWidths.dropFirst()) {
            rest += [Linear(input, output, generator: &generator), ReLU()]
        }
        gRest = Sequential(rest)
        var head: [any UnaryLayer] = []
        for (index, output) in fWidths.enumerated() {
            head.append(Linear(index == 0 ? gWidths.last! : fWidths[index - 1], output, generator: &generator))
            if index < fWidths.count - 1 { head.append(ReLU()) }
        }
        f = Sequential(head)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(objectWidth: Int, questionWidth: Int, gWidths: [Int], fWidths: [Int]) {
        var generator = Random.splitGenerator()
        self.init(objectWidth: objectWidth, questionWidth: questionWidth, gWidths: gWidths, fWidths: fWidths,
                  generator: &generator)
    }

    public override func namedChildren() -> [(String, Module)] {
        [("g_first_object", gFirstObject), ("g_second_object", gSecondObject), ("g_question", gQuestion),
         ("g_rest", gRest), ("f", f)]
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        precondition(inputs.count == 2, "RelationNetworkFusion: expected [objects, question], got \(inputs.count) inputs")
        return f(pooledRelations(objects: inputs[0], question: inputs[1]))
    }

    /// scale · Σ_{i,j} g_θ(o_i, o_j, q), [batch, h_last]: what `relations(objects:question:)`
    /// summed over its pair axis and scaled gives (scale 1/N² for the mean), computed without
    /// holding the N² pairs' activations (see `PooledRelations`): the same numbers and gradients
    /// in about a third of the memory. g_θ layers other than Linear-with-bias then ReLU take the
    /// composed path.
    public func pooledRelations(objects: Tensor, question: Tensor, scale: Float = 1) -> Tensor {
        pooledRelations(objects: objects, question: question, scale: scale, chunkExamples: nil)
    }

    /// `pooledRelations` with the chunk size chosen by the caller (tests cross chunk boundaries).
    func pooledRelations(objects: Tensor, question: Tensor, scale: Float, chunkExamples: Int?) -> Tensor {
        checkShapes(objects: objects, question: question)
        guard let (weights, biases) = linearReluStack() else {
            let summed = relations(objects: objects, question: question).sum(alongAxes: 1)
            return scale == 1 ? summed : summed * scale
        }
        return PooledRelations.apply(a: gFirstObject(objects), b: gSecondObject(objects), q: gQuestion(question),
                                     weights: weights, biases: biases, scale: scale, chunkExamples: chunkExamples)
    }

    /// The weights and biases of `gRest` when it is Linear (with bias), ReLU, Linear, ReLU, …
    private func linearReluStack() -> (weights: [Tensor], biases: [Tensor])? {
        let layers = gRest.layers
        guard layers.count % 2 == 0 else { return nil }
        var weights: [Tensor] = [], biases: [Tensor] = []
        for index in stride(from: 0, to: layers.count, by: 2) {
            guard let linear = layers[index] as? Linear, let bias = linear.bias, layers[index + 1] is ReLU else { return nil }
            weights.append(linear.weight.value)
            biases.append(bias.value)
        }
        return (weights, biases)
    }

    private func checkShapes(objects: Tensor, question: Tensor) {
        precondition(objects.rank == 3 && objects.shape[2] == objectWidth && question.rank == 2
                     && question.shape[1] == questionWidth && question.shape[0] == objects.shape[0],
                     "RelationNetworkFusion: objects \(objects.shape) and question \(question.shape) do not match widths \(objectWidth), \(questionWidth)")
    }

    /// g_θ(o_i, o_j, q) for every pair, [batch, N·N, h_last], pair (i, j) at row i·N + j.
    public func relations(objects: Tensor, question: Tensor) -> Tensor {
        checkShapes(objects: objects, question: question)
        let (batch, n) = (objects.shape[0], objects.shape[1])
        let a = gFirstObject(objects).expandingShape(at: 2)              // [batch, N, 1, h]
        let b = gSecondObject(objects).expandingShape(at: 1)             // [batch, 1, N, h]
        let q = gQuestion(question).reshaped([batch, 1, 1, -1])          // [batch, 1, 1, h]
        let pairs = (a + b + q).relu()                                   // [batch, N, N, h]
        return gRest(pairs.reshaped([batch, n * n, pairs.shape[3]]))
    }
}
