/// Activation functions as layers, for `Sequential`. Each wraps the tensor method of the same name.
public final class ReLU: Module, UnaryLayer {
    public override init() { super.init() }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.relu() }
}

/// max(0, x) + slope·min(0, x).
public final class LeakyReLU: Module, UnaryLayer {
    public let negativeSlope: Float
    public init(negativeSlope: Float = 0.01) { self.negativeSlope = negativeSlope; super.init() }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.leakyReLU(negativeSlope: negativeSlope) }
}

/// x·Φ(x), exact or with the tanh approximation.
public final class GELU: Module, UnaryLayer {
    public let approximate: Bool
    public init(approximate: Bool = false) { self.approximate = approximate; super.init() }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.gelu(approximate: approximate) }
}

public final class Tanh: Module, UnaryLayer {
    public override init() { super.init() }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.tanh() }
}

public final class Sigmoid: Module, UnaryLayer {
    public override init() { super.init() }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.sigmoid() }
}

/// Softmax along `axis` (the last by default).
public final class Softmax: Module, UnaryLayer {
    public let axis: Int
    public init(axis: Int = -1) { self.axis = axis; super.init() }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.softmax(alongAxis: axis) }
}
