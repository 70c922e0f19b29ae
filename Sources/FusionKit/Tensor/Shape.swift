/// Shape arithmetic shared by the tensor operations: element counts, strides, axis
/// normalisation and NumPy broadcasting.
public enum Shape {
    /// The number of elements of a shape; stops with a message naming `op` on a negative dimension.
    @inlinable
    public static func elementCount(_ shape: [Int], op: String) -> Int {
        var count = 1
        for dimension in shape {
            precondition(dimension >= 0, "\(op): negative dimension in shape \(shape)")
            count *= dimension
        }
        return count
    }

    /// Row-major strides (in elements) of a contiguous tensor of this shape.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = step
            step *= shape[axis]
        }
        return strides
    }

    /// Turns a possibly negative axis (`-1` is the last) into an index in `0..<rank`.
    @inlinable
    public static func normalize(axis: Int, rank: Int, op: String) -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        precondition(normalized >= 0 && normalized < rank,
                     "\(op): axis \(axis) is out of range for a tensor of rank \(rank)")
        return normalized
    }

    /// The shape two shapes broadcast to under NumPy rules: align on the right, and each pair of
    /// dimensions must be equal or one of them 1.
    public static func broadcast(_ a: [Int], _ b: [Int], op: @autoclosure () -> String) -> [Int] {
        if a == b { return a }
        let rank = Swift.max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            precondition(da == db || da == 1 || db == 1,
                         "\(op()): shapes \(a) and \(b) cannot be broadcast together")
            result[i] = da == 1 ? db : da
        }
        return result
    }

    /// Strides that read a tensor of shape `shape` as if it had the (broadcast) shape `target`:
    /// broadcast dimensions get stride 0.
    public static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let offset = target.count - shape.count
        var result = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] != 1 {
            result[i + offset] = own[i]
        }
        return result
    }
}
