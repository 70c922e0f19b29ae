import FusionKit
import Foundation
import Testing

/// FusionKit against PyTorch on the fixtures in Tests/Fixtures/parity (made by
/// Tests/Fixtures/make_fixtures.py): forward outputs, input and parameter gradients, optimizer
/// steps and learning-rate schedules, to about 1e-5 relative.
@Suite("Parity with PyTorch")
struct ParityTests {
    static let directory = TestPaths.tests.appendingPathComponent("Fixtures/parity")

    struct Fixture {
        let name: String
        let tensors: [String: Tensor]
        subscript(_ key: String) -> Tensor {
            guard let tensor = tensors[key] else { fatalError("fixture \(name) has no tensor \(key)") }
            return tensor
        }
    }

    static func load(_ name: String) throws -> Fixture {
        let file = try SafeTensors.read(contentsOf: directory.appendingPathComponent("\(name).safetensors"))
        return Fixture(name: name, tensors: file.tensors)
    }

    func expectClose(_ actual: Tensor?, _ expected: Tensor, _ what: String,
                     relative: Float = 1e-5, absolute: Float = 1e-6, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let actual else {
            Issue.record("\(what): missing", sourceLocation: sourceLocation)
            return
        }
        #expect(isClose(actual, expected, relative: relative, absolute: absolute),
                "\(what): max difference \(maxDifference(actual, expected)), shapes \(actual.shape) / \(expected.shape)",
                sourceLocation: sourceLocation)
    }

    /// Runs `layer` on the fixture's input, checks the output, back-propagates `grad_output`,
    /// and checks the input gradient and the gradients of the named parameters.
    func checkLayer(_ fixture: Fixture, _ module: Module, parameterKeys: [String],
                    inputGradient: Bool = true, _ forward: (Tensor) -> Tensor) {
        let input = fixture["input"].requiringGradient(inputGradient)
        let output = forward(input)
        expectClose(output, fixture["output"], "\(fixture.name) output")
        output.backward(fixture["grad_output"])
        if inputGradient { expectClose(input.gradient, fixture["grad_input"], "\(fixture.name) input gradient") }
        let parameters = Dictionary(uniqueKeysWithValues: module.namedParameters())
        for key in parameterKeys {
            expectClose(parameters[key]?.gradient, fixture["grad.\(key)"], "\(fixture.name) gradient of \(key)")
        }
    }

    /// The fixture's `param.*` tensors as a state dict.
    func parameterState(_ fixture: Fixture) -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for (key, tensor) in fixture.tensors where key.hasPrefix("param.") { state[String(key.dropFirst(6))] = tensor }
        return state
    }

    @Test(arguments: ["linear", "linear_3d"])
    func linear(name: String) throws {
        let fixture = try Self.load(name)
        var generator = RandomGenerator(seed: 0)
        let layer = Linear(5, 3, generator: &generator)
        try layer.loadStateDict(parameterState(fixture))
        checkLayer(fixture, layer, parameterKeys: ["weight", "bias"]) { layer($0) }
    }

    @Test func embeddingWithPadding() throws {
        let fixture = try Self.load("embedding")
        var generator = RandomGenerator(seed: 0)
        let layer = Embedding(10, 4, paddingIndex: 0, generator: &generator)
        try layer.loadStateDict(parameterState(fixture))
        checkLayer(fixture, layer, parameterKeys: ["weight"], inputGradient: false) { layer($0) }
    }

    @Test(arguments: [("layernorm", [6]), ("layernorm_2d", [3, 4])])
    func layerNorm(name: String, shape: [Int]) throws {
        let fixture = try Self.load(name)
        let layer = LayerNorm(shape)
        try layer.loadStateDict(parameterState(fixture))
        checkLayer(fixture, layer, parameterKeys: ["weight", "bias"]) { layer($0) }
    }

    @Test(arguments: [("batchnorm1d_train", 5, true), ("batchnorm1d_eval", 5, false), ("batchnorm1d_3d", 3, true)])
    func batchNorm(name: String, features: Int, training: Bool) throws {
        let fixture = try Self.load(name)
        let layer = BatchNorm1d(features)
        var state = parameterState(fixture)
        state["num_batches_tracked"] = Tensor(0)
        try layer.loadStateDict(state)
        if training { layer.train() } else { layer.eval() }
        checkLayer(fixture, layer, parameterKeys: ["weight", "bias"]) { layer($0) }
        expectClose(layer.runningMean.value, fixture["after.running_mean"], "\(name) running mean")
        expectClose(layer.runningVar.value, fixture["after.running_var"], "\(name) running variance")
    }

    static func activation(_ name: String) -> (Tensor) -> Tensor {
        switch name {
        case "relu": return { $0.relu() }
        case "leaky_relu": return { $0.leakyReLU(negativeSlope: 0.1) }
        case "gelu": return { $0.gelu() }
        case "gelu_tanh": return { $0.gelu(approximate: true) }
        case "tanh": return { $0.tanh() }
        case "sigmoid": return { $0.sigmoid() }
        case "softmax": return { $0.softmax() }
        case "log_softmax": return { $0.logSoftmax() }
        default: return { $0.softmax(alongAxis: 0) }
        }
    }

    @Test(arguments: ["relu", "leaky_relu", "gelu", "gelu_tanh", "tanh", "sigmoid", "softmax", "log_softmax", "softmax_dim0"])
    func activation(name: String) throws {
        let fixture = try Self.load("activation_\(name)")
        checkLayer(fixture, Module(), parameterKeys: [], Self.activation(name))
    }

    static func lossFunction(_ name: String, _ fixture: Fixture) -> (Tensor) -> Tensor {
        let targets = fixture["target"]
        switch name {
        case "loss_cross_entropy": return { crossEntropyLoss(logits: $0, targets: targets) }
        case "loss_cross_entropy_smoothing": return { crossEntropyLoss(logits: $0, targets: targets, labelSmoothing: 0.1) }
        case "loss_cross_entropy_ignore": return { crossEntropyLoss(logits: $0, targets: targets, ignoreIndex: 2) }
        case "loss_cross_entropy_sum": return { crossEntropyLoss(logits: $0, targets: targets, reduction: .sum) }
        case "loss_nll": return { negativeLogLikelihoodLoss(logProbabilities: $0, targets: targets) }
        case "loss_bce_logits": return { binaryCrossEntropyWithLogitsLoss(logits: $0, targets: targets) }
        case "loss_bce_logits_posweight":
            let weight = fixture["pos_weight"]
            return { binaryCrossEntropyWithLogitsLoss(logits: $0, targets: targets, positiveWeight: weight) }
        case "loss_mse": return { meanSquaredErrorLoss(predictions: $0, targets: targets) }
        default: return { l1Loss(predictions: $0, targets: targets) }
        }
    }

    @Test(arguments: ["loss_cross_entropy", "loss_cross_entropy_smoothing", "loss_cross_entropy_ignore",
                      "loss_cross_entropy_sum", "loss_nll", "loss_bce_logits", "loss_bce_logits_posweight",
                      "loss_mse", "loss_l1"])
    func loss(name: String) throws {
        let fixture = try Self.load(name)
        checkLayer(fixture, Module(), parameterKeys: [], Self.lossFunction(name, fixture))
    }

    static func makeOptimizer(_ name: String, _ parameters: [Parameter]) -> Optimizer {
        switch name {
        case "optim_sgd": return SGD(parameters, learningRate: 0.1)
        case "optim_sgd_momentum": return SGD(parameters, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        case "optim_sgd_nesterov": return SGD(parameters, learningRate: 0.1, momentum: 0.9, nesterov: true)
        case "optim_adam": return Adam(parameters, learningRate: 0.01)
        case "optim_adam_wd": return Adam(parameters, learningRate: 0.01, weightDecay: 0.01)
        case "optim_adamw": return AdamW(parameters, learningRate: 0.01, weightDecay: 0.05)
        default: return Adam(parameters, learningRate: 0.01, amsgrad: true)
        }
    }

    @Test(arguments: ["optim_sgd", "optim_sgd_momentum", "optim_sgd_nesterov", "optim_adam", "optim_adam_wd",
                      "optim_adamw", "optim_adam_amsgrad"])
    func optimizer(name: String) throws {
        let fixture = try Self.load(name)
        let parameter = Parameter(fixture["param.initial"])
        let optimizer = Self.makeOptimizer(name, [parameter])
        for step in 0..<5 {
            parameter.value.gradient = fixture["grad.\(step)"]
            optimizer.step()
            expectClose(parameter.value, fixture["param.after.\(step)"], "\(name) step \(step)", relative: 2e-5, absolute: 1e-6)
        }
        for (key, expected) in fixture.tensors where key.hasPrefix("state.") {
            expectClose(optimizer.state[0][String(key.dropFirst(6))], expected, "\(name) \(key)", relative: 2e-5, absolute: 1e-7)
        }
    }

    static func schedule(_ name: String) -> any LearningRateSchedule {
        switch name {
        case "schedule_step": return StepDecay(stepSize: 3, gamma: 0.5)
        case "schedule_cosine": return CosineAnnealing(period: 10, minimum: 0.001)
        case "schedule_warmup": return LinearWarmup(steps: 4, startFactor: 0.1)
        default: return SequentialSchedule([LinearWarmup(steps: 3, startFactor: 0.1), CosineAnnealing(period: 7)], milestones: [3])
        }
    }

    @Test(arguments: ["schedule_step", "schedule_cosine", "schedule_warmup", "schedule_warmup_cosine"])
    func schedule(name: String) throws {
        let fixture = try Self.load(name)
        let schedule = Self.schedule(name)
        let optimizer = SGD([Parameter(Tensor.zeros([1]))], learningRate: 0.1)
        let scheduler = LearningRateScheduler(optimizer, schedule: schedule)
        var rates: [Float] = []
        for _ in 0..<10 {
            rates.append(optimizer.groups[0].learningRate)
            optimizer.step()
            scheduler.step()
        }
        expectClose(Tensor(rates), fixture["lrs"], name, relative: 1e-6, absolute: 1e-8)
    }

    @Test func gradientClipping() throws {
        let fixture = try Self.load("clip_grad_norm")
        let parameters = [Parameter(Tensor.zeros([3, 4])), Parameter(Tensor.zeros([5]))]
        parameters[0].value.gradient = fixture["grad.before.0"]
        parameters[1].value.gradient = fixture["grad.before.1"]
        let norm = clipGradientNorm(parameters, maxNorm: 1)
        expectClose(Tensor(norm), fixture["total_norm"], "total norm")
        expectClose(parameters[0].gradient, fixture["grad.after.0"], "clipped gradient 0")
        expectClose(parameters[1].gradient, fixture["grad.after.1"], "clipped gradient 1")
    }

    @Test func sequentialModelKeysAndOutput() throws {
        let fixture = try Self.load("mlp")
        var generator = RandomGenerator(seed: 0)
        let model = Sequential(Linear(4, 8, generator: &generator), ReLU(), Linear(8, 3, generator: &generator))
        #expect(Set(model.stateDict().keys) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        let state = fixture.tensors.filter { $0.key.first?.isNumber == true }
        try model.loadStateDict(state)
        expectClose(model(fixture["input"]), fixture["output"], "mlp output")
    }
}
