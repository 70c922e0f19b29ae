/// Parameters that share a learning rate and weight decay, as a PyTorch parameter group (for
/// example no weight decay on biases, or a smaller learning rate for a pretrained encoder).
public struct ParameterGroup {
    public var parameters: [Parameter]
    public var learningRate: Float
    public var weightDecay: Float

    public init(_ parameters: [Parameter], learningRate: Float, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }
}

/// Why an optimizer state could not be restored.
public enum OptimizerStateError: DescribedError, Equatable {
    case missing(key: String)
    case shapeMismatch(key: String, expected: [Int], found: [Int])
    case unexpected(key: String)

    public var description: String {
        switch self {
        case let .missing(key): return "optimizer state is missing \(key)"
        case let .shapeMismatch(key, expected, found): return "optimizer state \(key) has shape \(found), expected \(expected)"
        case let .unexpected(key): return "optimizer state has an entry \(key) this optimizer does not use"
        }
    }
}

/// The shared part of every optimizer: parameter groups, per-parameter state (momentum
/// buffers, moment estimates) and its saving and loading. Subclasses implement `update`.
open class Optimizer {
    /// The groups; their learning rates may be changed between steps (schedules do this).
    public var groups: [ParameterGroup]
    /// Per-parameter state, indexed like `parameters` (all groups' parameters in order).
    public private(set) var state: [[String: Tensor]]

    public init(groups: [ParameterGroup]) {
        self.groups = groups
        state = Array(repeating: [:], count: groups.reduce(0) { $0 + $1.parameters.count })
    }

    /// Every parameter of every group, in order.
    public var parameters: [Parameter] { groups.flatMap(\.parameters) }

    /// Updates every parameter that has a gradient, without recording a graph.
    public func step() {
        var index = 0
        for group in groups {
            for parameter in group.parameters {
                defer { index += 1 }
                guard parameter.isTrainable, let gradient = parameter.gradient else { continue }
                update(parameter, gradient: gradient, state: &state[index], group: group)
            }
        }
    }

    /// Clears every parameter's gradient.
    public func zeroGradients() { for parameter in parameters { parameter.zeroGradient() } }

    /// Sets one learning rate on every group.
    public func setLearningRate(_ learningRate: Float) {
        for i in groups.indices { groups[i].learningRate = learningRate }
    }

    /// One parameter's update; `state` persists between steps and goes into checkpoints.
    open func update(_ parameter: Parameter, gradient: Tensor, state: inout [String: Tensor], group: ParameterGroup) {
        preconditionFailure("Optimizer.update must be overridden by \(type(of: self))")
    }

    /// The state as named tensors: `state.<parameter index>.<name>` and `group.<i>.learning_rate`.
    public func stateDict() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (index, entries) in state.enumerated() {
            for (name, tensor) in entries { result["state.\(index).\(name)"] = tensor }
        }
        for (i, group) in groups.enumerated() { result["group.\(i).learning_rate"] = Tensor(group.learningRate) }
        return result
    }

    /// Restores a state saved by `stateDict()` from an optimizer over parameters of the same shapes.
    /// Nothing is changed unless every entry fits.
    public func loadStateDict(_ saved: [String: Tensor]) throws {
        var restored = Array(repeating: [String: Tensor](), count: state.count)
        var learningRates = groups.map(\.learningRate)
        let flat = parameters
        for (key, tensor) in saved {
            let parts = key.split(separator: ".", maxSplits: 2).map(String.init)
            if parts.count == 3, parts[0] == "group", let i = Int(parts[1]), i < groups.count, parts[2] == "learning_rate" {
                learningRates[i] = tensor.scalar
            } else if parts.count == 3, parts[0] == "state", let i = Int(parts[1]), i >= 0, i < flat.count {
                if parts[2] != "step" && tensor.shape != flat[i].shape {
                    throw OptimizerStateError.shapeMismatch(key: key, expected: flat[i].shape, found: tensor.shape)
                }
                restored[i][parts[2]] = tensor
            } else {
                throw OptimizerStateError.unexpected(key: key)
            }
        }
        for i in groups.indices where saved["group.\(i).learning_rate"] == nil {
            throw OptimizerStateError.missing(key: "group.\(i).learning_rate")
        }
        state = restored
        for i in groups.indices { groups[i].learningRate = learningRates[i] }
    }
}
