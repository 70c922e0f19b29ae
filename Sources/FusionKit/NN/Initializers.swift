import Foundation

/// Weight initialisation schemes with PyTorch's formulas (torch.nn.init). Fan-in and fan-out are
/// computed as PyTorch does: for a weight of shape [out, in, k₁, k₂, …], fanIn = in·k₁·k₂… and
/// fanOut = out·k₁·k₂….
public enum Initializers {
    /// The gain PyTorch recommends for a nonlinearity (`calculate_gain`).
    public enum Nonlinearity: Sendable {
        case linear, sigmoid, tanh, relu
        case leakyReLU(negativeSlope: Float)

        public var gain: Float {
            switch self {
            case .linear, .sigmoid: return 1
            case .tanh: return 5.0 / 3.0
            case .relu: return Float(2).squareRoot()
            case let .leakyReLU(slope): return (2 / (1 + slope * slope)).squareRoot()
            }
        }
    }

    /// Which fan Kaiming initialisation keeps the variance of.
    public enum FanMode: Sendable { case fanIn, fanOut }

    /// (fanIn, fanOut) of a weight shape.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "Initializers: fan needs a weight of rank ≥ 2, got shape \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Glorot & Bengio (2010): U(−a, a) with a = gain·√(6 / (fanIn + fanOut)).
    public static func xavierUniform(_ shape: [Int], gain: Float = 1, generator: inout RandomGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(shape)
        let bound = gain * (6 / Float(fanIn + fanOut)).squareRoot()
        return Tensor.randomUniform(shape, lower: -bound, upper: bound, generator: &generator)
    }

    /// Glorot & Bengio (2010): N(0, σ²) with σ = gain·√(2 / (fanIn + fanOut)).
    public static func xavierNormal(_ shape: [Int], gain: Float = 1, generator: inout RandomGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(shape)
        return Tensor.randomNormal(shape, standardDeviation: gain * (2 / Float(fanIn + fanOut)).squareRoot(), generator: &generator)
    }

    /// He et al. (2015): U(−b, b) with b = gain·√(3 / fan).
    public static func kaimingUniform(_ shape: [Int], mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyReLU(negativeSlope: 0),
                                      generator: inout RandomGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(shape)
        let bound = nonlinearity.gain * (3 / Float(mode == .fanIn ? fanIn : fanOut)).squareRoot()
        return Tensor.randomUniform(shape, lower: -bound, upper: bound, generator: &generator)
    }

    /// He et al. (2015): N(0, σ²) with σ = gain / √fan.
    public static func kaimingNormal(_ shape: [Int], mode: FanMode = .fanIn, nonlinearity: Nonlinearity = .leakyReLU(negativeSlope: 0),
                                     generator: inout RandomGenerator) -> Tensor {
        let (fanIn, fanOut) = fans(shape)
        let deviation = nonlinearity.gain / Float(mode == .fanIn ? fanIn : fanOut).squareRoot()
        return Tensor.randomNormal(shape, standardDeviation: deviation, generator: &generator)
    }

    /// Saxe et al. (2014): a (semi-)orthogonal matrix from the QR decomposition of a Gaussian one
    /// (signs fixed by R's diagonal so the distribution is uniform), scaled by `gain`. Shapes of
    /// rank > 2 are flattened to [shape[0], rest].
    public static func orthogonal(_ shape: [Int], gain: Float = 1, generator: inout RandomGenerator) throws -> Tensor {
        precondition(shape.count >= 2, "Initializers.orthogonal: needs rank ≥ 2, got shape \(shape)")
        let rows = shape[0], columns = shape.dropFirst().reduce(1, *)
        var flat = Tensor.randomNormal([rows, columns], generator: &generator)
        let tall = rows < columns
        if tall { flat = flat.transposed() }
        let (q, r) = try LinearAlgebra.qr(flat)
        let diagonal = (0..<Swift.min(r.shape[0], r.shape[1])).map { r[$0, $0] < 0 ? Float(-1) : 1 }
        var result = q * Tensor(diagonal)
        if tall { result = result.transposed() }
        return (result * gain).reshaped(shape)
    }
}
