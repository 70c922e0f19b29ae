/// An n-dimensional array of `Float`s in row-major (C) order, with value semantics.
///
/// Copies are cheap: two tensors share their storage until one of them is written to
/// (copy-on-write). Every tensor is contiguous; operations that would make a strided view in
/// PyTorch (transpose, slice) produce a fresh contiguous tensor, and `matmul` takes transpose
/// flags so that transposed operands are never copied.
///
/// ```swift
/// let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
/// let y = (x * 2 + 1).sum(alongAxes: 1)   // [2]: [15, 33]
/// ```
public struct Tensor: @unchecked Sendable {
    @usableFromInline var storage: TensorStorage
    /// The size of each dimension; `[]` for a scalar.
    public private(set) var shape: [Int]
    /// The graph node that produced this tensor, when it takes part in gradient computation
    /// (see Autograd/Graph.swift); nil for constants.
    var node: GradientNode?

    /// Wraps an existing storage; `shape` must describe exactly `storage.count` elements.
    @usableFromInline
    init(storage: TensorStorage, shape: [Int]) {
        self.storage = storage
        self.shape = shape
        self.node = nil
    }

    /// A tensor of the given shape whose elements are not yet written. Internal: every caller
    /// writes all elements before the tensor escapes.
    @usableFromInline
    init(uninitializedShape shape: [Int]) {
        let count = Shape.elementCount(shape, op: "Tensor")
        self.init(storage: TensorStorage(uninitializedCount: count), shape: shape)
    }

    /// Creates a tensor from `scalars` in row-major order.
    ///
    /// - Precondition: `scalars.count` equals the product of `shape`.
    public init(_ scalars: [Float], shape: [Int]) {
        self = scalars.withUnsafeBufferPointer { Tensor(copying: $0, shape: shape) }
    }

    /// Creates a tensor from a copy of `buffer`'s elements in row-major order (one copy, no
    /// intermediate array: for elements that live in a C buffer, such as an MPI receive buffer).
    ///
    /// - Precondition: `buffer.count` equals the product of `shape`.
    public init(copying buffer: UnsafeBufferPointer<Float>, shape: [Int]) {
        let count = Shape.elementCount(shape, op: "Tensor.init")
        precondition(buffer.count == count,
                     "Tensor.init: \(buffer.count) scalars do not fill shape \(shape) (\(count) elements)")
        self.init(uninitializedShape: shape)
        if count > 0 { storage.pointer.update(from: buffer.baseAddress!, count: count) }
    }

    /// A one-dimensional tensor holding `scalars`.
    public init(_ scalars: [Float]) {
        self.init(scalars, shape: [scalars.count])
    }

    /// A rank-0 tensor holding one value.
    public init(_ scalar: Float) {
        self.init(storage: TensorStorage(count: 1, repeating: scalar), shape: [])
    }

    /// A two-dimensional tensor from rows of equal length.
    public init(_ rows: [[Float]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns },
                     "Tensor.init: rows have different lengths \(rows.map(\.count))")
        self.init(rows.flatMap { $0 }, shape: [rows.count, columns])
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The number of elements (the product of `shape`).
    public var count: Int { storage.count }

    /// All elements in row-major order.
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// The single element of a tensor with one element (any rank).
    public var scalar: Float {
        precondition(count == 1, "Tensor.scalar: tensor of shape \(shape) has \(count) elements, not 1")
        return storage.pointer[0]
    }

    /// Reads the element at a full index, one coordinate per dimension.
    public subscript(_ index: Int...) -> Float {
        get { storage.pointer[flatIndex(index)] }
        set {
            let offset = flatIndex(index)
            withUnsafeMutablePointer { $0[offset] = newValue }
        }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == rank, "Tensor.subscript: index \(index) for shape \(shape)")
        var offset = 0
        for (axis, i) in index.enumerated() {
            precondition(i >= 0 && i < shape[axis], "Tensor.subscript: index \(index) out of range for shape \(shape)")
            offset = offset * shape[axis] + i
        }
        return offset
    }

    /// Calls `body` with the elements in row-major order.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Calls `body` with writable elements, copying the storage first if another tensor shares it.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// The base pointer for reading; valid while `self` is alive and unmodified.
    @usableFromInline var pointer: UnsafePointer<Float> { UnsafePointer(storage.pointer) }

    /// Runs `body` with a writable base pointer, after ensuring the storage is not shared.
    @inlinable
    mutating func withUnsafeMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        makeUnique()
        return try body(storage.pointer)
    }

    /// Copies the storage if another tensor shares it.
    @inlinable
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Whether this tensor's storage is shared with another tensor (for tests of copy-on-write).
    public var sharesStorage: Bool {
        mutating get { !isKnownUniquelyReferenced(&storage) }
    }

    /// The same elements seen with another shape of equal element count (no copy, no graph node).
    func withShape(_ newShape: [Int]) -> Tensor {
        Tensor(storage: storage, shape: newShape)
    }
}

extension Tensor: Equatable {
    /// Two tensors are equal when their shapes and all elements are equal.
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        if lhs.storage === rhs.storage { return true }
        for i in 0..<lhs.count where lhs.storage.pointer[i] != rhs.storage.pointer[i] { return false }
        return true
    }
}

extension Tensor: CustomStringConvertible {
    /// The shape and up to the first 64 elements.
    public var description: String {
        let shown = scalars.prefix(64).map { "\($0)" }.joined(separator: ", ")
        let ellipsis = count > 64 ? ", …" : ""
        return "Tensor(shape: \(shape), [\(shown)\(ellipsis)])"
    }
}
