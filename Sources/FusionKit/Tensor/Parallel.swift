import Dispatch
import Foundation

/// Splits large element-wise work across the CPU cores (on `WorkerPool`). Work below
/// `minimumChunk` elements a core stays on the calling thread, where handing it to another
/// thread would cost more than it saves.
public enum Parallel {
    /// The number of cores FusionKit's own element-wise loops may use (BLAS has its own setting,
    /// `BLAS.threadCount`).
    public static var threadCount: Int {
        get { configuredThreads.withLock { $0 } }
        set {
            precondition(newValue >= 1, "Parallel.threadCount: \(newValue) must be at least 1")
            configuredThreads.withLock { $0 = newValue }
        }
    }

    private static let configuredThreads = Locked(ProcessInfo.processInfo.activeProcessorCount)

    /// Calls `body` on disjoint ranges that together cover `0..<count`, concurrently when the
    /// work is large enough. The ranges are the same for the same `count` and thread count.
    static func forEachChunk(count: Int, minimumChunk: Int = Tuning.parallelElements, _ body: (Range<Int>) -> Void) {
        let chunks = Swift.min(threadCount, count / Swift.max(minimumChunk, 1))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        WorkerPool.run(count: chunks) { chunk in
            body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }

    /// `forEachChunk` over `count` pieces of `elementsEach` elements, each core given at least
    /// `minimumElements` elements.
    static func forEachChunk(count: Int, elementsEach: Int, minimumElements: Int = Tuning.parallelElements,
                             _ body: (Range<Int>) -> Void) {
        forEachChunk(count: count, minimumChunk: Swift.max(1, minimumElements / Swift.max(1, elementsEach)), body)
    }
}

/// A value handed to concurrent code whose safety the caller guarantees (disjoint writes).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A value behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
