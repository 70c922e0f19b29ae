/// What `GRU` and `LSTM` share: their parameters, named and laid out as in torch.nn.GRU and
/// torch.nn.LSTM, and the walk over layers and directions.
struct RecurrentStack {
    /// The weights of one direction of one layer.
    struct Direction {
        let inputWeight: Parameter   // weight_ih_l{k}[_reverse], [gates·hidden, in]
        let hiddenWeight: Parameter  // weight_hh_l{k}[_reverse], [gates·hidden, hidden]
        let inputBias: Parameter?    // bias_ih_l{k}[_reverse], [gates·hidden]
        let hiddenBias: Parameter?   // bias_hh_l{k}[_reverse], [gates·hidden]
    }

    let inputSize: Int
    let hiddenSize: Int
    let layerCount: Int
    let directionCount: Int
    /// `directions[layer][direction]`, direction 0 forward and 1 reverse.
    let directions: [[Direction]]

    /// Parameters initialised as PyTorch does, each from U(−1/√hidden, 1/√hidden), drawn in the
    /// order of the state dict.
    init(layerName: String, gateCount: Int, inputSize: Int, hiddenSize: Int, layerCount: Int, bidirectional: Bool,
         bias: Bool, generator: inout RandomGenerator) {
        precondition(inputSize >= 1 && hiddenSize >= 1 && layerCount >= 1,
                     "\(layerName): inputSize \(inputSize), hiddenSize \(hiddenSize) and layerCount \(layerCount) must be at least 1")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        directionCount = bidirectional ? 2 : 1
        let bound = 1 / Float(hiddenSize).squareRoot()
        let rows = gateCount * hiddenSize
        func uniform(_ shape: [Int], _ generator: inout RandomGenerator) -> Parameter {
            Parameter(Tensor.randomUniform(shape, lower: -bound, upper: bound, generator: &generator))
        }
        var directions: [[Direction]] = []
        for layer in 0..<layerCount {
            let layerInput = layer == 0 ? inputSize : hiddenSize * directionCount
            var pair: [Direction] = []
            for _ in 0..<directionCount {
                let inputWeight = uniform([rows, layerInput], &generator)
                let hiddenWeight = uniform([rows, hiddenSize], &generator)
                let inputBias = bias ? uniform([rows], &generator) : nil
                let hiddenBias = bias ? uniform([rows], &generator) : nil
                pair.append(Direction(inputWeight: inputWeight, hiddenWeight: hiddenWeight,
                                      inputBias: inputBias, hiddenBias: hiddenBias))
            }
            directions.append(pair)
        }
        self.directions = directions
    }

    /// The parameters under their PyTorch state-dict keys, in PyTorch's order.
    var namedParameters: [(String, Parameter)] {
        var named: [(String, Parameter)] = []
        for (layer, pair) in directions.enumerated() {
            for (direction, weights) in pair.enumerated() {
                let suffix = "_l\(layer)" + (direction == 1 ? "_reverse" : "")
                named.append(("weight_ih" + suffix, weights.inputWeight))
                named.append(("weight_hh" + suffix, weights.hiddenWeight))
                if let bias = weights.inputBias { named.append(("bias_ih" + suffix, bias)) }
                if let bias = weights.hiddenBias { named.append(("bias_hh" + suffix, bias)) }
            }
        }
        return named
    }

    /// Runs every layer and direction. `initialStates` holds, per kind of state (h, and c for
    /// LSTM), nil or a [layers·directions, batch, hidden] tensor; `direction` runs one direction
    /// of one layer and returns its outputs [batch, time, hidden] and final states [batch, hidden].
    /// Returns the last layer's outputs (directions concatenated on the feature axis) and each
    /// kind of final state stacked in PyTorch's h_n order, [layers·directions, batch, hidden].
    func run(_ layerName: String, _ input: Tensor, lengths: [Int]?, initialStates: [Tensor?],
             direction: (_ input: Tensor, _ weights: Direction, _ initial: [Tensor?], _ reverse: Bool) -> (Tensor, [Tensor]))
        -> (output: Tensor, states: [Tensor]) {
        precondition(input.rank == 3 && input.shape[2] == inputSize,
                     "\(layerName): input must be [batch, time, \(inputSize)], got shape \(input.shape)")
        let (batch, time) = (input.shape[0], input.shape[1])
        precondition(time >= 1, "\(layerName): the sequence has no time steps (input shape \(input.shape))")
        if let lengths {
            precondition(lengths.count == batch && lengths.allSatisfy { (1...time).contains($0) },
                         "\(layerName): lengths \(lengths) must give one length in 1...\(time) for each of \(batch) sequences")
        }
        let stateShape = [layerCount * directionCount, batch, hiddenSize]
        for state in initialStates.compactMap({ $0 }) {
            precondition(state.shape == stateShape, "\(layerName): initial state of shape \(state.shape), expected \(stateShape)")
        }
        var layerInput = input
        var finalStates = Array(repeating: [Tensor](), count: initialStates.count)
        for pair in directions {
            var outputs: [Tensor] = []
            for (index, weights) in pair.enumerated() {
                let position = finalStates[0].count
                let initial = initialStates.map { state in
                    state.map { $0.slice(position..<(position + 1), alongAxis: 0).squeezingShape(at: [0]) }
                }
                let (output, states) = direction(layerInput, weights, initial, index == 1)
                outputs.append(output)
                for kind in states.indices { finalStates[kind].append(states[kind]) }
            }
            layerInput = outputs.count == 1 ? outputs[0] : Tensor.concatenate(outputs, alongAxis: 2)
        }
        return (layerInput, finalStates.map { Tensor.stack($0, alongAxis: 0) })
    }
}

/// What GRU and LSTM share: the stack of per-layer, per-direction parameters under PyTorch's
/// keys, and the sizes. Not used directly.
public class RecurrentLayer: Module {
    let stack: RecurrentStack

    /// The number of gates stacked in each weight (GRU 3, LSTM 4) and the layer's name for messages.
    class var gateCount: Int { preconditionFailure("RecurrentLayer: subclasses give their gate count") }
    class var layerName: String { "RecurrentLayer" }

    /// A layer of `layerCount` layers of `hiddenSize` units reading `inputSize` features per step;
    /// `bias: false` drops b_ih and b_hh. Every weight and bias starts from U(−1/√hidden, 1/√hidden).
    public required init(inputSize: Int, hiddenSize: Int, layerCount: Int = 1, bidirectional: Bool = false, bias: Bool = true,
                         generator: inout RandomGenerator) {
        stack = RecurrentStack(layerName: Self.layerName, gateCount: Self.gateCount, inputSize: inputSize, hiddenSize: hiddenSize,
                               layerCount: layerCount, bidirectional: bidirectional, bias: bias, generator: &generator)
        super.init()
    }

    /// A layer initialised from the global generator (see `Random.seed`).
    public convenience init(inputSize: Int, hiddenSize: Int, layerCount: Int = 1, bidirectional: Bool = false,
                            bias: Bool = true) {
        var generator = Random.splitGenerator()
        self.init(inputSize: inputSize, hiddenSize: hiddenSize, layerCount: layerCount, bidirectional: bidirectional,
                  bias: bias, generator: &generator)
    }

    /// Features of each input step.
    public var inputSize: Int { stack.inputSize }
    /// Features of the state of each direction.
    public var hiddenSize: Int { stack.hiddenSize }
    /// Stacked layers.
    public var layerCount: Int { stack.layerCount }
    /// Whether each layer also runs from the end of the sequence to its start.
    public var isBidirectional: Bool { stack.directionCount == 2 }

    /// `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, then `…_l0_reverse`, then layer 1…
    public override func namedOwnParameters() -> [(String, Parameter)] { stack.namedParameters }
}
