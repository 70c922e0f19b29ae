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
        if count > 0 { withFreshPointer { $0.update(from: buffer.baseAddress!, count: count) } }
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
        withUnsafeBufferPointer { Array($0) }
    }

    /// The single element of a tensor with one element (any rank).
    public var scalar: Float {
        precondition(count == 1, "Tensor.scalar: tensor of shape \(shape) has \(count) elements, not 1")
        return withPointer { $0[0] }
    }

    /// Reads the element at a full index, one coordinate per dimension.
    public subscript(_ index: Int...) -> Float {
        get {
            let offset = flatIndex(index)
            return withPointer { $0[offset] }
        }
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

    /// Calls `body` with the elements in row-major order. The buffer is valid only inside `body`.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withPointer { try body(UnsafeBufferPointer(start: $0, count: storage.count)) }
    }

    /// Calls `body` with writable elements, copying the storage first if another tensor shares it.
    /// The buffer is valid only inside `body`.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        let count = storage.count
        return try withUnsafeMutablePointer { try body(UnsafeMutableBufferPointer(start: $0, count: count)) }
    }

    /// Runs `body` with a writable base pointer, after ensuring the storage is not shared.
    /// The pointer is valid only inside `body`.
    @inlinable
    mutating func withUnsafeMutablePointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) { try body($0.pointer) }
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

// MARK: - Scoped pointer access
//
// Kernels reach a tensor's elements only through the scopes below (and `withUnsafeBufferPointer`,
// `withUnsafeMutableBufferPointer`, `withUnsafeMutablePointer` above); no other file reads
// `storage.pointer`. A scope keeps the tensor's storage alive until its closure returns, which
// a bare pointer would not: Swift may release a value right after its last use, even while a
// pointer taken from it is still being read. The contract for every scope:
//
// - The pointer is valid only inside the closure. Do not store it, return it, or capture it in a
//   closure that runs later (a backward closure recorded in the graph takes its own scope when
//   it runs).
// - Work handed inside the closure to a call that returns only when all of its work is done
//   (`Parallel.forEachChunk`, `BLAS.parallelChunks`, `BLAS.parallelPartialSums`, the worker
//   pool) may use the pointer; work that could still run after the call returns may not.
// - Pointers handed to C kernels and BLAS are used by those calls alone, which return before
//   the closure does.

extension Tensor {
    /// Calls `body` with the base pointer of the elements (row-major), for reading.
    @inlinable
    func withPointer<R>(_ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafePointer($0.pointer)) }
    }

    /// Calls `body` with a writable base pointer to the elements of a tensor whose storage no
    /// other tensor holds because it was just created (`Tensor(uninitializedShape:)`, `zeros`,
    /// `copy` …) and has not been handed out yet, so no copy-on-write check is made.
    ///
    /// The caller guarantees that the storage is not shared: writing through this pointer into
    /// a shared storage would change every tensor holding it. For a tensor that may be shared,
    /// use the mutating `withUnsafeMutablePointer`, which copies first.
    @inlinable
    func withFreshPointer<R>(_ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body($0.pointer) }
    }
}

extension Optional where Wrapped == Tensor {
    /// `Tensor.withPointer` for an optional input (a bias, a mask): `body` receives nil when the
    /// tensor is absent.
    @inlinable
    func withPointer<R>(_ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
        guard let tensor = self else { return try body(nil) }
        return try tensor.withPointer { try body($0) }
    }

    /// `Tensor.withFreshPointer` for an optional result (a gradient that is computed only when
    /// needed): `body` receives nil when the tensor is absent. The same contract: the storage
    /// was just created and is not shared.
    @inlinable
    func withFreshPointer<R>(_ body: (UnsafeMutablePointer<Float>?) throws -> R) rethrows -> R {
        guard let tensor = self else { return try body(nil) }
        return try tensor.withFreshPointer { try body($0) }
    }
}

/// Calls `body` with the base pointers of two tensors, for reading (see `Tensor.withPointer`).
@inlinable
func withPointers<R>(_ a: Tensor, _ b: Tensor,
                     _ body: (UnsafePointer<Float>, UnsafePointer<Float>) throws -> R) rethrows -> R {
    try a.withPointer { pa in try b.withPointer { pb in try body(pa, pb) } }
}

/// Calls `body` with the base pointers of three tensors, for reading (see `Tensor.withPointer`).
@inlinable
func withPointers<R>(_ a: Tensor, _ b: Tensor, _ c: Tensor,
                     _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) throws -> R)
    rethrows -> R {
    try a.withPointer { pa in try b.withPointer { pb in try c.withPointer { pc in try body(pa, pb, pc) } } }
}

/// Calls `body` with the base pointers of four tensors, for reading (see `Tensor.withPointer`).
@inlinable
func withPointers<R>(
    _ a: Tensor, _ b: Tensor, _ c: Tensor, _ d: Tensor,
    _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>) throws -> R
) rethrows -> R {
    try a.withPointer { pa in
        try b.withPointer { pb in try c.withPointer { pc in try d.withPointer { pd in try body(pa, pb, pc, pd) } } }
    }
}

/// Calls `body` with the base pointers of `tensors` in order, for reading (see
/// `Tensor.withPointer`): for a list of layers' weights. The array is built on each call.
@inlinable
func withPointers<R>(_ tensors: [Tensor], _ body: ([UnsafePointer<Float>]) throws -> R) rethrows -> R {
    try withExtendedLifetime(tensors) { try body($0.map { UnsafePointer($0.storage.pointer) }) }
}

/// Calls `body` with writable base pointers of `tensors` in order, with the contract of
/// `Tensor.withFreshPointer`: every storage was just created and is not shared.
@inlinable
func withFreshPointers<R>(_ tensors: [Tensor], _ body: ([UnsafeMutablePointer<Float>]) throws -> R) rethrows -> R {
    try withExtendedLifetime(tensors) { try body($0.map { $0.storage.pointer }) }
}

/// Calls `body` with writable base pointers of two freshly created tensors, with the contract of
/// `Tensor.withFreshPointer`: neither storage is shared.
@inlinable
func withFreshPointers<R>(
    _ a: Tensor, _ b: Tensor,
    _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) throws -> R
) rethrows -> R {
    try a.withFreshPointer { pa in try b.withFreshPointer { pb in try body(pa, pb) } }
}

/// Calls `body` with writable base pointers of three freshly created tensors, with the contract
/// of `Tensor.withFreshPointer`: no storage is shared.
@inlinable
func withFreshPointers<R>(
    _ a: Tensor, _ b: Tensor, _ c: Tensor,
    _ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) throws -> R
) rethrows -> R {
    try a.withFreshPointer { pa in try b.withFreshPointer { pb in try c.withFreshPointer { pc in try body(pa, pb, pc) } } }
}

extension Tensor: Equatable {
    /// Two tensors are equal when their shapes and all elements are equal.
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        if lhs.storage === rhs.storage { return true }
        return withPointers(lhs, rhs) { l, r in
            for i in 0..<lhs.count where l[i] != r[i] { return false }
            return true
        }
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
