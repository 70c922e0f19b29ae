import FusionKit
import Foundation
import Testing

/// GRU and LSTM: hand-written backward through time against finite differences, variable lengths
/// against unpadded runs, and the layers against PyTorch (Tests/Fixtures/parity/{gru,lstm}_*).
@Suite("Recurrent layers")
struct RecurrentTests {
    enum Kind: String, CaseIterable, Sendable { case gru, lstm }

    /// Tiny sizes for finite differences.
    static let (batch, time, inputSize, hidden) = (2, 3, 2, 3)

    static func gateCount(_ kind: Kind) -> Int { kind == .gru ? 3 : 4 }

    /// Weights for `layers` × `directions` in PyTorch's order [W_ih, W_hh, b_ih, b_hh] each, scaled
    /// up a little (×1.5 of the default range) so the gates leave their linear region.
    static func weights(_ kind: Kind, layers: Int, directions: Int, seed: UInt64) -> [Tensor] {
        var result: [Tensor] = []
        var seed = seed
        for layer in 0..<layers {
            let layerInput = layer == 0 ? inputSize : hidden * directions
            for _ in 0..<directions {
                let rows = gateCount(kind) * hidden
                for shape in [[rows, layerInput], [rows, hidden], [rows], [rows]] {
                    result.append(random(shape, seed: seed) * 0.5)
                    seed += 1
                }
            }
        }
        return result
    }

    /// The composition the GRU and LSTM modules perform, from the public one-direction ops with
    /// every weight an explicit input: layer outputs with directions concatenated, final states
    /// stacked. Returns the output and the final states flattened into one vector, so that a
    /// gradient check weighs all of them.
    static func stacked(_ kind: Kind, _ x: Tensor, _ weights: [Tensor], layers: Int, directions: Int,
                        lengths: [Int]?) -> Tensor {
        var layerInput = x
        var finals: [Tensor] = []
        for layer in 0..<layers {
            var outputs: [Tensor] = []
            for direction in 0..<directions {
                let w = Array(weights[(4 * (layer * directions + direction))...].prefix(4))
                if kind == .gru {
                    let (output, h) = layerInput.gru(inputWeight: w[0], hiddenWeight: w[1], inputBias: w[2], hiddenBias: w[3],
                                                     lengths: lengths, reverse: direction == 1)
                    outputs.append(output)
                    finals.append(h)
                } else {
                    let (output, h, c) = layerInput.lstm(inputWeight: w[0], hiddenWeight: w[1], inputBias: w[2], hiddenBias: w[3],
                                                         lengths: lengths, reverse: direction == 1)
                    outputs.append(output)
                    finals += [h, c]
                }
            }
            layerInput = Tensor.concatenate(outputs, alongAxis: 2)
        }
        return Tensor.concatenate(([layerInput] + finals).map { $0.flattened() })
    }

    func expectGradients(_ inputs: [Tensor], parameters: [Parameter] = [], sourceLocation: SourceLocation = #_sourceLocation,
                         _ function: ([Tensor]) -> Tensor) {
        FusionKitTests.expectGradients(inputs, parameters: parameters, absolute: 1e-3, sourceLocation: sourceLocation, function)
    }

    @Test("one direction: input, weights, biases and initial states", arguments: Kind.allCases, [false, true])
    func singleDirection(kind: Kind, reverse: Bool) {
        let (b, t, h) = (Self.batch, Self.time, Self.hidden)
        let x = random([b, t, Self.inputSize], seed: 1)
        let w = Self.weights(kind, layers: 1, directions: 1, seed: 10)
        let h0 = random([b, h], seed: 20) * 0.5, c0 = random([b, h], seed: 21)
        for lengths in [nil, [3, 2], [1, 3]] as [[Int]?] {
            expectGradients([x] + w + [h0, c0]) { v in
                if kind == .gru {
                    let (output, hidden) = v[0].gru(inputWeight: v[1], hiddenWeight: v[2], inputBias: v[3], hiddenBias: v[4],
                                                    initialHidden: v[5], lengths: lengths, reverse: reverse)
                    return Tensor.concatenate([output.flattened(), hidden.flattened(), v[6].flattened() * 0])
                }
                let (output, hidden, cell) = v[0].lstm(inputWeight: v[1], hiddenWeight: v[2], inputBias: v[3], hiddenBias: v[4],
                                                       initialHidden: v[5], initialCell: v[6], lengths: lengths, reverse: reverse)
                return Tensor.concatenate([output.flattened(), hidden.flattened(), cell.flattened()])
            }
        }
    }

    @Test("no biases", arguments: Kind.allCases)
    func withoutBias(kind: Kind) {
        let x = random([Self.batch, Self.time, Self.inputSize], seed: 2)
        let w = Self.weights(kind, layers: 1, directions: 1, seed: 30)
        expectGradients([x, w[0], w[1]]) { v in
            kind == .gru ? v[0].gru(inputWeight: v[1], hiddenWeight: v[2], inputBias: nil, hiddenBias: nil).output
                         : v[0].lstm(inputWeight: v[1], hiddenWeight: v[2], inputBias: nil, hiddenBias: nil).output
        }
    }

    @Test("two bidirectional layers with lengths: input and every weight", arguments: Kind.allCases)
    func stackedBidirectional(kind: Kind) {
        let x = random([Self.batch, Self.time, Self.inputSize], seed: 3)
        let w = Self.weights(kind, layers: 2, directions: 2, seed: 40)
        for lengths in [nil, [2, 3]] as [[Int]?] {
            expectGradients([x] + w) { v in
                Self.stacked(kind, v[0], Array(v.dropFirst()), layers: 2, directions: 2, lengths: lengths)
            }
        }
    }

    /// A module with the test weights loaded, and its output and final states flattened as `stacked`.
    static func module(_ kind: Kind, layers: Int, directions: Int, weights: [Tensor]) throws
        -> (Module, (Tensor, [Int]?) -> Tensor) {
        var generator = RandomGenerator(seed: 5)
        let bidirectional = directions == 2
        let layer: Module = kind == .gru
            ? GRU(inputSize: inputSize, hiddenSize: hidden, layerCount: layers, bidirectional: bidirectional,
                  generator: &generator)
            : LSTM(inputSize: inputSize, hiddenSize: hidden, layerCount: layers, bidirectional: bidirectional,
                   generator: &generator)
        let keys = layer.namedParameters().map(\.0)
        try layer.loadStateDict(Dictionary(uniqueKeysWithValues: zip(keys, weights)))
        let run: (Tensor, [Int]?) -> Tensor = { x, lengths in
            func flat(_ parts: [Tensor]) -> Tensor { Tensor.concatenate(parts.map { $0.flattened() }) }
            if let gru = layer as? GRU {
                let (output, h) = gru(x, lengths: lengths)
                return flat([output] + (0..<h.shape[0]).map { h.slice($0..<($0 + 1), alongAxis: 0) })
            }
            let (output, h, c) = (layer as! LSTM)(x, lengths: lengths)
            return flat([output] + (0..<h.shape[0]).flatMap {
                [h.slice($0..<($0 + 1), alongAxis: 0), c.slice($0..<($0 + 1), alongAxis: 0)]
            })
        }
        return (layer, run)
    }

    @Test("the module computes the checked composition: outputs and every gradient", arguments: Kind.allCases)
    func moduleMatchesComposition(kind: Kind) throws {
        let w = Self.weights(kind, layers: 2, directions: 2, seed: 50)
        let (layer, run) = try Self.module(kind, layers: 2, directions: 2, weights: w)
        let x = random([Self.batch, Self.time, Self.inputSize], seed: 4)
        let lengths = [3, 1]
        let expectedX = x.requiringGradient(), leaves = w.map { $0.requiringGradient() }
        let expected = Self.stacked(kind, expectedX, leaves, layers: 2, directions: 2, lengths: lengths)
        let seed = random(expected.shape, seed: 6)
        expected.backward(seed)
        let actualX = x.requiringGradient()
        let actual = run(actualX, lengths)
        #expect(isClose(actual, expected))
        actual.backward(seed)
        #expect(isClose(actualX.gradient!, expectedX.gradient!))
        for ((key, parameter), leaf) in zip(layer.namedParameters(), leaves) {
            #expect(isClose(parameter.gradient!, leaf.gradient!), "\(key)")
        }
    }

    @Test("module gradients with respect to the input, the initial states and every parameter", arguments: Kind.allCases)
    func moduleInitialStates(kind: Kind) {
        var generator = RandomGenerator(seed: 7)
        let x = random([Self.batch, Self.time, Self.inputSize], seed: 8)
        let h0 = random([4, Self.batch, Self.hidden], seed: 9), c0 = random([4, Self.batch, Self.hidden], seed: 10)
        if kind == .gru {
            let gru = GRU(inputSize: Self.inputSize, hiddenSize: Self.hidden, layerCount: 2, bidirectional: true,
                          generator: &generator)
            expectGradients([x, h0], parameters: gru.parameters()) { v in
                let (output, hidden) = gru(v[0], lengths: [2, 3], initialHidden: v[1])
                return Tensor.concatenate([output.flattened(), hidden.flattened()])
            }
            // Zeros as the initial state are the same as none.
            #expect(isClose(gru(x, initialHidden: Tensor.zeros(h0.shape)).output, gru(x).output))
        } else {
            let lstm = LSTM(inputSize: Self.inputSize, hiddenSize: Self.hidden, layerCount: 2, bidirectional: true,
                            generator: &generator)
            expectGradients([x, h0, c0], parameters: lstm.parameters()) { v in
                let (output, hidden, cell) = lstm(v[0], lengths: [2, 3], initialHidden: v[1], initialCell: v[2])
                return Tensor.concatenate([output.flattened(), hidden.flattened(), cell.flattened()])
            }
            let zeros = Tensor.zeros(h0.shape)
            #expect(isClose(lstm(x, initialHidden: zeros, initialCell: zeros).output, lstm(x).output))
        }
    }

    /// The kernels keep each core's share of the batch longest first and stop each step's products
    /// after the last running element: the second case gives every share several elements of
    /// mixed lengths, in no particular order.
    @Test("padding changes nothing: a padded batch against each sequence alone",
          arguments: Kind.allCases, [[4, 1, 3], [2, 5, 1, 5, 3, 4, 2, 1, 5]])
    func paddingIsIgnored(kind: Kind, lengths: [Int]) throws {
        let w = Self.weights(kind, layers: 2, directions: 2, seed: 60)
        let (layer, _) = try Self.module(kind, layers: 2, directions: 2, weights: w)
        let batch = lengths.count, time = lengths.max()!, features = 2 * Self.hidden
        let x = random([batch, time, Self.inputSize], seed: 11).requiringGradient()  // padded positions hold noise
        var upstreamValues = random([batch, time, features], seed: 12).scalars
        for b in 0..<batch {
            for t in lengths[b]..<time { for j in 0..<features { upstreamValues[(b * time + t) * features + j] = 0 } }
        }
        let upstream = Tensor(upstreamValues, shape: [batch, time, features])

        func run(_ input: Tensor, _ lengths: [Int]?) -> (output: Tensor, states: [Tensor]) {
            if let gru = layer as? GRU {
                let (output, h) = gru(input, lengths: lengths)
                return (output, [h])
            }
            let (output, h, c) = (layer as! LSTM)(input, lengths: lengths)
            return (output, [h, c])
        }
        let padded = run(x, lengths)
        padded.output.backward(upstream)
        let paddedGradients = layer.parameters().map { $0.gradient! }
        layer.zeroGradients()

        for b in 0..<batch {
            let alone = x.detached().slice(b..<(b + 1), alongAxis: 0).slice(0..<lengths[b], alongAxis: 1)
                .requiringGradient()
            let single = run(alone, nil)
            single.output.backward(upstream.slice(b..<(b + 1), alongAxis: 0).slice(0..<lengths[b], alongAxis: 1))
            let valid = padded.output.slice(b..<(b + 1), alongAxis: 0).slice(0..<lengths[b], alongAxis: 1)
            #expect(isClose(valid, single.output, relative: 1e-5, absolute: 1e-6), "output of sequence \(b)")
            if lengths[b] < time {
                let rest = padded.output.slice(b..<(b + 1), alongAxis: 0).slice(lengths[b]..<time, alongAxis: 1)
                #expect(rest.scalars.allSatisfy { $0 == 0 }, "padded outputs of sequence \(b) are zero")
                let restGradient = x.gradient!.slice(b..<(b + 1), alongAxis: 0).slice(lengths[b]..<time, alongAxis: 1)
                #expect(restGradient.scalars.allSatisfy { $0 == 0 }, "no gradient reaches the padding of sequence \(b)")
            }
            for (paddedState, singleState) in zip(padded.states, single.states) {
                #expect(isClose(paddedState.slice(b..<(b + 1), alongAxis: 1), singleState), "final state of sequence \(b)")
            }
            let validGradient = x.gradient!.slice(b..<(b + 1), alongAxis: 0).slice(0..<lengths[b], alongAxis: 1)
            #expect(isClose(validGradient, alone.gradient!, relative: 1e-5, absolute: 1e-6), "input gradient of sequence \(b)")
        }
        // Each parameter's gradient over the padded batch is the sum over the sequences run alone.
        for (parameter, expected) in zip(layer.parameters(), paddedGradients) {
            #expect(isClose(parameter.gradient!, expected, relative: 1e-5, absolute: 1e-6))
        }
    }

    /// The kernels keep the batch in their own order (longest first in each core's share); the
    /// initial states go in and their gradients come out in the caller's order. Five elements so
    /// that the order is not its own inverse.
    @Test("initial states and their gradients follow the batch order", arguments: Kind.allCases)
    func initialStatesKeepTheirOrder(kind: Kind) {
        let lengths = [2, 4, 1, 3, 4], time = 4, hidden = Self.hidden
        let w = Self.weights(kind, layers: 1, directions: 1, seed: 70)
        let x = random([5, time, Self.inputSize], seed: 71)
        let h0 = random([5, hidden], seed: 72).requiringGradient(), c0 = random([5, hidden], seed: 73).requiringGradient()
        let weigh = random([5, hidden], seed: 74)
        func final(_ x: Tensor, _ h0: Tensor, _ c0: Tensor, _ lengths: [Int]) -> Tensor {
            if kind == .gru {
                return x.gru(inputWeight: w[0], hiddenWeight: w[1], inputBias: w[2], hiddenBias: w[3],
                             initialHidden: h0, lengths: lengths).hidden
            }
            let (_, h, c) = x.lstm(inputWeight: w[0], hiddenWeight: w[1], inputBias: w[2], hiddenBias: w[3],
                                   initialHidden: h0, initialCell: c0, lengths: lengths)
            return h + c
        }
        let batch = final(x, h0, c0, lengths)
        (batch * weigh).sum().backward()
        for b in 0..<5 {
            let rows = b..<(b + 1)
            let h = h0.detached().slice(rows, alongAxis: 0).requiringGradient()
            let c = c0.detached().slice(rows, alongAxis: 0).requiringGradient()
            let alone = final(x.slice(rows, alongAxis: 0), h, c, [lengths[b]])
            (alone * weigh.slice(rows, alongAxis: 0)).sum().backward()
            #expect(isClose(batch.slice(rows, alongAxis: 0), alone), "final state of element \(b)")
            #expect(isClose(h0.gradient!.slice(rows, alongAxis: 0), h.gradient!), "dh0 of element \(b)")
            if kind == .lstm {
                #expect(isClose(c0.gradient!.slice(rows, alongAxis: 0), c.gradient!), "dc0 of element \(b)")
            }
        }
    }

    @Test("PyTorch state-dict keys, shapes and initial range", arguments: Kind.allCases)
    func parameterNames(kind: Kind) {
        var generator = RandomGenerator(seed: 13)
        let layer: Module = kind == .gru
            ? GRU(inputSize: 5, hiddenSize: 16, layerCount: 2, bidirectional: true, generator: &generator)
            : LSTM(inputSize: 5, hiddenSize: 16, layerCount: 2, bidirectional: true, generator: &generator)
        let rows = Self.gateCount(kind) * 16
        var expected: [(String, [Int])] = []
        for layer in 0..<2 {
            for suffix in ["", "_reverse"] {
                expected += [("weight_ih_l\(layer)\(suffix)", [rows, layer == 0 ? 5 : 32]),
                             ("weight_hh_l\(layer)\(suffix)", [rows, 16]),
                             ("bias_ih_l\(layer)\(suffix)", [rows]), ("bias_hh_l\(layer)\(suffix)", [rows])]
            }
        }
        let named = layer.namedParameters()
        #expect(named.map(\.0) == expected.map(\.0))
        #expect(named.map(\.1.shape) == expected.map(\.1))
        let values = named.flatMap { $0.1.value.scalars }
        #expect(values.allSatisfy { abs($0) <= 0.25 } && values.contains { abs($0) > 0.2 }, "U(−1/√16, 1/√16)")
        let noBias = GRU(inputSize: 5, hiddenSize: 16, bias: false, generator: &generator)
        #expect(noBias.namedParameters().map(\.0) == ["weight_ih_l0", "weight_hh_l0"])
    }

    // MARK: PyTorch parity

    static let fixtures = ["gru_basic", "gru_2layer_bidir", "gru_packed", "lstm_basic", "lstm_2layer_bidir", "lstm_packed"]

    struct Config: Decodable {
        var input_size: Int
        var hidden_size: Int
        var num_layers: Int
        var bidirectional: Bool
    }

    @Test("parity with torch.nn.GRU / torch.nn.LSTM", arguments: fixtures)
    func parity(name: String) throws {
        let url = ParityTests.directory.appendingPathComponent("\(name).safetensors")
        let file = try SafeTensors.read(contentsOf: url)
        let config = try JSONDecoder().decode(Config.self, from: Data(file.metadata["config"]!.utf8))
        func tensor(_ key: String) -> Tensor {
            guard let value = file.tensors[key] else { fatalError("\(name): no tensor \(key)") }
            return value
        }
        var generator = RandomGenerator(seed: 0)
        let isGRU = name.hasPrefix("gru")
        let layer: Module = isGRU
            ? GRU(inputSize: config.input_size, hiddenSize: config.hidden_size, layerCount: config.num_layers,
                  bidirectional: config.bidirectional, generator: &generator)
            : LSTM(inputSize: config.input_size, hiddenSize: config.hidden_size, layerCount: config.num_layers,
                   bidirectional: config.bidirectional, generator: &generator)
        var state: [String: Tensor] = [:]
        for (key, value) in file.tensors where key.hasPrefix("param.") { state[String(key.dropFirst(6))] = value }
        try layer.loadStateDict(state)
        let lengths = file.tensors["lengths"].map { $0.scalars.map { Int($0) } }
        let input = tensor("input").requiringGradient()

        let output: Tensor
        if let gru = layer as? GRU {
            let result = gru(input, lengths: lengths)
            output = result.output
            expectClose(result.hidden, tensor("h_n"), "\(name) h_n")
        } else {
            let result = (layer as! LSTM)(input, lengths: lengths)
            output = result.output
            expectClose(result.hidden, tensor("h_n"), "\(name) h_n")
            expectClose(result.cell, tensor("c_n"), "\(name) c_n")
        }
        expectClose(output, tensor("output"), "\(name) output")
        // Inference records nothing and gives the same answer.
        let inference = withoutGradient {
            (layer as? GRU)?(tensor("input"), lengths: lengths).output ?? (layer as! LSTM)(tensor("input"), lengths: lengths).output
        }
        #expect(!inference.requiresGradient)
        expectClose(inference, tensor("output"), "\(name) output without gradient")
        output.backward(tensor("grad_output"))
        expectClose(input.gradient, tensor("grad_input"), "\(name) input gradient")
        for (key, parameter) in layer.namedParameters() {
            expectClose(parameter.gradient, tensor("grad.\(key)"), "\(name) gradient of \(key)")
        }
    }

    func expectClose(_ actual: Tensor?, _ expected: Tensor, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let actual else {
            Issue.record("\(what): missing", sourceLocation: sourceLocation)
            return
        }
        #expect(isClose(actual, expected, relative: 1e-5, absolute: 1e-6),
                "\(what): max difference \(maxDifference(actual, expected)), shapes \(actual.shape) / \(expected.shape)",
                sourceLocation: sourceLocation)
    }
}
