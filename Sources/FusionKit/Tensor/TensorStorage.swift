/// The buffer behind a `Tensor`: a 64-byte aligned block of `Float`s owned by one reference.
///
/// Tensors share a storage until one of them writes; the writer then copies (copy-on-write),
/// so `Tensor` behaves as a value.
@usableFromInline
final class TensorStorage: @unchecked Sendable {
    /// The elements. Read only here, in BufferCache.swift and in Tensor.swift's scoped accessors
    /// (`withPointer`, `withFreshPointer`, …), which keep this storage alive while it is used.
    @usableFromInline let pointer: UnsafeMutablePointer<Float>
    @usableFromInline let count: Int
    /// The bytes behind `pointer` (at least `count` floats; a reused buffer may be larger).
    let capacity: Int

    /// Allocates room for `count` floats, uninitialised.
    @usableFromInline
    init(uninitializedCount count: Int) {
        precondition(count >= 0, "TensorStorage: negative element count \(count)")
        self.count = count
        let buffer = BufferCache.allocate(byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride)
        capacity = buffer.capacity
        pointer = buffer.pointer.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
    }

    /// Allocates room for `count` floats, each set to `value`.
    convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    /// A new storage holding the same floats.
    @usableFromInline
    func copy() -> TensorStorage {
        let other = TensorStorage(uninitializedCount: count)
        other.pointer.update(from: pointer, count: count)
        return other
    }

    deinit {
        BufferCache.release(UnsafeMutableRawPointer(pointer), byteCount: Swift.max(count, 1) * MemoryLayout<Float>.stride,
                            capacity: capacity)
    }
}
