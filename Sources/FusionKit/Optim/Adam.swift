import Foundation

/// Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019), with torch.optim's updates.
/// With step t, β₁, β₂, ε, learning rate η and weight decay λ:
///
///     g ← ∇ + λ·θ                        (Adam: L2 decay folded into the gradient)
///     θ ← θ·(1 − η·λ)                    (AdamW: decoupled decay instead)
///     m ← β₁·m + (1 − β₁)·g
///     v ← β₂·v + (1 − β₂)·g²
///     v̂ ← max(v̂, v) with AMSGrad, else v
///     θ ← θ − η/(1 − β₁ᵗ) · m / (√v̂/√(1 − β₂ᵗ) + ε)
public final class Adam: Optimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let amsgrad: Bool
    /// Whether weight decay is decoupled from the gradient (AdamW) or added to it (Adam).
    public let decoupledWeightDecay: Bool

    public init(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                amsgrad: Bool = false, decoupledWeightDecay: Bool = false) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.decoupledWeightDecay = decoupledWeightDecay
        super.init(groups: groups)
    }

    public convenience init(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                            epsilon: Float = 1e-8, weightDecay: Float = 0, amsgrad: Bool = false) {
        self.init(groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
                  beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad)
    }

    public override func update(_ parameter: Parameter, gradient: Tensor, state: inout [String: Tensor], group: ParameterGroup) {
        let step = (state["step"]?.scalar ?? 0) + 1
        state["step"] = Tensor(step)
        var m = state.removeValue(forKey: "exp_avg") ?? Tensor.zeros(gradient.shape)
        var v = state.removeValue(forKey: "exp_avg_sq") ?? Tensor.zeros(gradient.shape)
        // AMSGrad's running maximum of v; absent without AMSGrad.
        var vMax: Tensor? = amsgrad ? (state.removeValue(forKey: "max_exp_avg_sq") ?? Tensor.zeros(gradient.shape)) : nil
        let lr = group.learningRate, decay = group.weightDecay
        let b1 = beta1, b2 = beta2, eps = epsilon, decoupled = decoupledWeightDecay
        let biasCorrection1 = 1 - Foundation.pow(Double(b1), Double(step))
        let biasCorrection2Root = Float((1 - Foundation.pow(Double(b2), Double(step))).squareRoot())
        let stepSize = Float(Double(lr) / biasCorrection1)
        // One fused loop over the parameter, its gradient and the moments.
        parameter.update { theta in
            let count = theta.count
            gradient.withUnsafeBufferPointer { g in
                theta.withUnsafeMutableBufferPointer { p in
                    m.withUnsafeMutableBufferPointer { m in
                        v.withUnsafeMutableBufferPointer { v in
                            func run(_ vMax: UnsafeMutablePointer<Float>?) {
                                for i in 0..<count {
                                    var grad = g[i]
                                    if decay != 0 {
                                        if decoupled { p[i] *= 1 - lr * decay } else { grad += decay * p[i] }
                                    }
                                    m[i] = b1 * m[i] + (1 - b1) * grad
                                    v[i] = b2 * v[i] + (1 - b2) * grad * grad
                                    var second = v[i]
                                    if let vMax {
                                        vMax[i] = Swift.max(vMax[i], v[i])
                                        second = vMax[i]
                                    }
                                    p[i] -= stepSize * m[i] / (second.squareRoot() / biasCorrection2Root + eps)
                                }
                            }
                            if vMax != nil {
                                vMax!.withUnsafeMutableBufferPointer { run($0.baseAddress) }
                            } else {
                                run(nil)
                            }
                        }
                    }
                }
            }
        }
        state["exp_avg"] = m
        state["exp_avg_sq"] = v
        if let vMax { state["max_exp_avg_sq"] = vMax }
    }
}

/// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019), defaults as torch.optim.AdamW
/// (weight decay 0.01).
public func AdamW(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                  epsilon: Float = 1e-8, weightDecay: Float = 0.01, amsgrad: Bool = false) -> Adam {
    Adam(groups: [ParameterGroup(parameters, learningRate: learningRate, weightDecay: weightDecay)],
         beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad, decoupledWeightDecay: true)
}

/// AdamW over parameter groups.
public func AdamW(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                  amsgrad: Bool = false) -> Adam {
    Adam(groups: groups, beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad, decoupledWeightDecay: true)
}
