/// Creating tensors: constants, ranges and seeded random values.
extension Tensor {
    /// A tensor of the given shape filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        let count = Shape.elementCount(shape, op: "Tensor(repeating:)")
        self.init(storage: TensorStorage(count: count, repeating: value), shape: shape)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// A tensor filled with `value`.
    public static func full(_ shape: [Int], value: Float) -> Tensor { Tensor(repeating: value, shape: shape) }

    /// Zeros with the shape of `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape) }

    /// Ones with the shape of `other`.
    public static func ones(like other: Tensor) -> Tensor { ones(other.shape) }

    /// The values 0, 1, … up to but excluding `end`.
    public static func arange(_ end: Float) -> Tensor { arange(0, end) }

    /// The values start, start + step, … up to but excluding `end`, as PyTorch's `arange`.
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "arange: step is zero")
        let count = Swift.max(0, Int((Double(end - start) / Double(step)).rounded(.up)))
        let result = Tensor(uninitializedShape: [count])
        result.withFreshPointer { out in
            for i in 0..<count { out[i] = start + Float(i) * step }
        }
        return result
    }

    /// `count` evenly spaced values from `start` to `end`, both included.
    public static func linspace(_ start: Float, _ end: Float, count: Int) -> Tensor {
        precondition(count >= 0, "linspace: negative count \(count)")
        let result = Tensor(uninitializedShape: [count])
        let step = count > 1 ? (end - start) / Float(count - 1) : 0
        result.withFreshPointer { out in
            for i in 0..<count { out[i] = i == count - 1 ? end : start + Float(i) * step }
        }
        return result
    }

    /// The n×n identity matrix.
    public static func eye(_ n: Int) -> Tensor {
        var result = zeros([n, n])
        result.withUnsafeMutablePointer { for i in 0..<n { $0[i * n + i] = 1 } }
        return result
    }

    /// Values drawn from N(mean, standardDeviation²) with the given generator.
    public static func randomNormal(_ shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
                                    generator: inout RandomGenerator) -> Tensor {
        let result = Tensor(uninitializedShape: shape)
        result.withFreshPointer { out in
            for i in 0..<result.count { out[i] = mean + standardDeviation * generator.nextNormal() }
        }
        return result
    }

    /// Values drawn uniformly from [lower, upper) with the given generator.
    public static func randomUniform(_ shape: [Int], lower: Float = 0, upper: Float = 1,
                                     generator: inout RandomGenerator) -> Tensor {
        precondition(lower <= upper, "randomUniform: lower \(lower) is above upper \(upper)")
        let result = Tensor(uninitializedShape: shape)
        let width = upper - lower
        result.withFreshPointer { out in
            for i in 0..<result.count { out[i] = lower + width * generator.nextUniform() }
        }
        return result
    }

    /// Values drawn from N(mean, standardDeviation²) with the global generator (see `Random.seed`).
    public static func randomNormal(_ shape: [Int], mean: Float = 0, standardDeviation: Float = 1) -> Tensor {
        Random.withGlobalGenerator { randomNormal(shape, mean: mean, standardDeviation: standardDeviation, generator: &$0) }
    }

    /// Values drawn uniformly from [lower, upper) with the global generator (see `Random.seed`).
    public static func randomUniform(_ shape: [Int], lower: Float = 0, upper: Float = 1) -> Tensor {
        Random.withGlobalGenerator { randomUniform(shape, lower: lower, upper: upper, generator: &$0) }
    }
}
