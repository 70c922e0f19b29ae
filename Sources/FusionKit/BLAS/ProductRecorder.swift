import Foundation
import Synchronization

/// The geometry of one matrix product C = op(A)·op(B): C is m × n, the shared dimension k.
public struct ProductShape: Hashable, Sendable, Codable {
    public var m: Int, n: Int, k: Int
    public var transposeA: Bool, transposeB: Bool

    public init(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false) {
        (self.m, self.n, self.k, self.transposeA, self.transposeB) = (m, n, k, transposeA, transposeB)
    }

    /// Floating-point operations of the product: a multiply and an add per term.
    public var operations: Int { 2 * m * n * k }
}

extension BLAS {
    /// Read by every product: one relaxed atomic load when nothing records. Not a task-local,
    /// because products split among cores run on the C worker pool's threads, which a task-local
    /// does not reach.
    static let isRecordingProducts = Atomic<Bool>(false)
    private static let recordedProducts = Locked<[ProductShape]>([])
    /// One recording at a time: a second caller waits for the first to finish.
    private static let recordingLock = NSLock()

    /// Notes `count` products of this geometry while a recording runs.
    @inline(__always)
    static func recordProducts(m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false, count: Int = 1) {
        guard isRecordingProducts.load(ordering: .relaxed) else { return }
        let shape = ProductShape(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB)
        recordedProducts.withLock { $0 += Array(repeating: shape, count: count) }
    }

    /// Runs `body` and returns the matrix products it performed, in order: every GEMM (linear
    /// layers, attention, unfolded convolutions, recurrent steps) and each Winograd convolution's
    /// per-position products. Element-wise work, transforms and unfolding are not products. For
    /// cost tables and benchmark floors, not for hot loops; products of other threads running at
    /// the same time are recorded too.
    public static func recordingProducts(_ body: () throws -> Void) rethrows -> [ProductShape] {
        recordingLock.lock()
        defer { recordingLock.unlock() }
        recordedProducts.withLock { $0 = [] }
        isRecordingProducts.store(true, ordering: .sequentiallyConsistent)
        defer { isRecordingProducts.store(false, ordering: .sequentiallyConsistent) }
        try body()
        return recordedProducts.withLock { $0 }
    }

    /// Runs `body` and returns the floating-point operations its matrix products performed
    /// (2·m·n·k per product, as `recordingProducts` lists them; element-wise work is not counted).
    public static func countingOperations(_ body: () throws -> Void) rethrows -> Int {
        try recordingProducts(body).reduce(0) { $0 + $1.operations }
    }
}
