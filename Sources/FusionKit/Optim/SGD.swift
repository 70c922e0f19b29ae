/// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay,
/// with torch.optim.SGD's update:
///
///     g ← ∇ + λ·θ
///     b ← μ·b + (1 − τ)·g   (b = g on the first step)
///     g ← g + μ·b (Nesterov) or b
///     θ ← θ − η·g
public final class SGD: Optimizer {
    public let momentum: Float
    public let dampening: Float
    public let nesterov: Bool

    public init(groups: [ParameterGroup], momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov momentum needs momentum > 0 and no dampening")
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        super.init(groups: groups)
    }

    public convenience init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                            weightDecay: Float = 0, nesterov: Bool = false) {
        self.init(groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  momentum: momentum, dampening: dampening, nesterov: nesterov)
    }

    public override func update(_ parameter: Parameter, gradient: Tensor, state: inout [String: Tensor], group: ParameterGroup) {
        var direction = group.weightDecay != 0 ? gradient + parameter.value.detached() * group.weightDecay : gradient
        if momentum != 0 {
            var buffer: Tensor
            if let previous = state["momentum_buffer"] {
                buffer = previous * momentum + direction * (1 - dampening)
            } else {
                buffer = direction
            }
            state["momentum_buffer"] = buffer
            direction = nesterov ? direction + buffer * momentum : buffer
        }
        let learningRate = group.learningRate
        parameter.update { $0 -= direction * learningRate }
    }
}
