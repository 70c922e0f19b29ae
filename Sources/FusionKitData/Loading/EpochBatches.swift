import Foundation

/// One epoch's batches in step order, handed out by `next()` while worker threads load the
/// following ones. Dropping it (or `cancel()`) stops the workers after the batch each is loading.
public final class EpochBatches<Batch: Sendable>: @unchecked Sendable {
    /// The batch that `next()` returns next.
    public var position: LoaderPosition { LoaderPosition(epoch: epoch, step: state.withLock { $0.nextToHand }) }
    /// Seconds `next()` spent waiting for a batch that was not loaded yet when it was asked for.
    public private(set) var waitingSeconds = 0.0
    /// The steps whose batch `next()` waited for at least a millisecond, and how long.
    public private(set) var longWaits: [(step: Int, seconds: Double)] = []
    public let epoch: Int
    public let steps: Range<Int>

    private let load: @Sendable (Int) throws -> Batch
    private let prefetch: Int
    private let state: Guarded

    /// The shared state of the consumer and the workers, behind one condition.
    private final class Guarded: @unchecked Sendable {
        struct Values {
            var nextToHand: Int
            var nextToClaim: Int
            var ready: [Int: Result<Batch, any Error>] = [:]
            var isCancelled = false
        }
        private var values: Values
        let condition = NSCondition()
        init(_ values: Values) { self.values = values }
        func withLock<R>(_ body: (inout Values) -> R) -> R {
            condition.lock()
            defer { condition.unlock() }
            return body(&values)
        }
        /// Waits (under the lock) until `until` holds, then runs `body`.
        func wait<R>(until ready: (Values) -> Bool, then body: (inout Values) -> R) -> R {
            condition.lock()
            defer { condition.unlock() }
            while !ready(values) { condition.wait() }
            let result = body(&values)
            condition.broadcast()
            return result
        }
    }

    init(epoch: Int, steps: Range<Int>, workers: Int, prefetch: Int, load: @escaping @Sendable (Int) throws -> Batch) {
        self.epoch = epoch
        self.steps = steps
        self.load = load
        self.prefetch = prefetch
        state = Guarded(.init(nextToHand: steps.lowerBound, nextToClaim: steps.lowerBound))
        for _ in 0..<workers {
            let thread = Thread { [state, steps, prefetch, load] in
                Self.work(state: state, end: steps.upperBound, prefetch: prefetch, load: load)
            }
            thread.name = "fusionkit-data-loader"
            thread.start()
        }
        workerCount = workers
    }

    private let workerCount: Int

    deinit { cancel() }

    /// Stops the workers (each finishes the batch it is loading); `next()` then returns nil.
    public func cancel() {
        state.wait(until: { _ in true }) { $0.isCancelled = true }
    }

    /// The next batch in step order, or nil after the last; rethrows the error of a batch that failed.
    public func next() throws -> Batch? {
        let step = state.withLock { $0.isCancelled ? steps.upperBound : $0.nextToHand }
        guard step < steps.upperBound else { return nil }
        if workerCount == 0 {
            let batch = try load(step)
            state.withLock { $0.nextToHand += 1 }
            return batch
        }
        let take = { (values: inout Guarded.Values) -> Result<Batch, any Error>? in
            guard let result = values.ready.removeValue(forKey: step) else { return nil }
            values.nextToHand += 1
            return result
        }
        // Only a batch that is not loaded yet counts as waiting: the clock starts after a look
        // under the lock finds it missing. (Timing the whole call would also count the moments
        // the OS gives this thread's core to another thread, which happen whether or not the
        // batch is ready.)
        if let ready = state.wait(until: { _ in true }, then: take) { return try ready.get() }
        let start = Date()
        let result = state.wait(until: { $0.ready[step] != nil || $0.isCancelled }, then: take)
        let waited = Date().timeIntervalSince(start)
        waitingSeconds += waited
        if waited >= 0.001 { longWaits.append((step, waited)) }
        return try result?.get()
    }

    /// A worker: claims the next step not yet claimed while fewer than `prefetch` batches are
    /// ahead of the consumer, loads it, publishes the result.
    private static func work(state: Guarded, end: Int, prefetch: Int, load: @Sendable (Int) throws -> Batch) {
        while true {
            let claimed: Int? = state.wait(until: { $0.isCancelled || $0.nextToClaim >= end
                                                    || $0.nextToClaim < $0.nextToHand + prefetch }) { values in
                guard !values.isCancelled, values.nextToClaim < end else { return nil }
                values.nextToClaim += 1
                return values.nextToClaim - 1
            }
            guard let step = claimed else { return }
            let result = Result { try load(step) }
            state.wait(until: { _ in true }) { $0.ready[step] = result }
        }
    }
}
