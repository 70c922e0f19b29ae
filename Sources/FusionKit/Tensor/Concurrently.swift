import Dispatch

extension Parallel {
    /// Runs two independent computations side by side, one per core, and returns both results:
    /// for the branches of a model that meet only later, such as the image encoder and the
    /// question encoder of a VQA model at inference.
    ///
    /// They run side by side only when no gradient is being recorded (inside `withoutGradient`,
    /// as for inference) and `threadCount` is at least 2; otherwise one after the other, on the
    /// calling thread, so that a recorded graph is always built by one thread. Both closures see
    /// the caller's recording state. A branch whose own parallel loops find the cores taken by
    /// the other branch runs them on its own thread (`BLAS.parallelChunks` falls back to one
    /// range), so the two never wait on each other. The closures must not share mutable state:
    /// a module both of them update (batch statistics in training mode), a random generator.
    ///
    /// The second branch runs on a pool worker and the first on the calling thread; when the
    /// second returns first, the first branch's later parallel loops use every core again (Docs/
    /// Benchmarks.md, "Encoders side by side, the cores given back"). PyTorch's eager mode has no
    /// counterpart (`torch.jit.fork` runs its task inline outside TorchScript). Put the longer
    /// branch first.
    ///
    /// ```swift
    /// let (features, sentence) = withoutGradient {
    ///     Parallel.concurrently({ imageEncoder(images) }, { questionEncoder(tokens) })
    /// }
    /// ```
    public static func concurrently<A, B>(_ first: () -> A, _ second: () -> B) -> (A, B) {
        guard !Autograd.isRecording && threadCount >= 2 else { return (first(), second()) }
        let firstResult = ResultSlot<A>(), secondResult = ResultSlot<B>()
        withoutActuallyEscaping(first) { first in
            withoutActuallyEscaping(second) { second in
                let branch = { (branch: Int) in
                    // Recording is task-local: a worker thread would see its default (on).
                    withoutGradient {
                        if branch == 0 { firstResult.value = first() } else { secondResult.value = second() }
                    }
                }
                // The second branch on a pool worker, the first on this thread: while both run,
                // each one's parallel loops find the cores taken and run on its own thread; once
                // the second returns, the first's later loops use every core again. While another
                // thread holds the pool, on Dispatch's threads, so that the branches still overlap.
                if !WorkerPool.runBeside({ branch(1) }, { branch(0) }) {
                    let work = UncheckedSendable(branch)
                    DispatchQueue.concurrentPerform(iterations: 2) { work.value($0) }
                }
            }
        }
        guard let a = firstResult.value, let b = secondResult.value else {
            preconditionFailure("Parallel.concurrently: a branch did not run")
        }
        return (a, b)
    }
}

/// Where one branch of `Parallel.concurrently` leaves its result; each slot is written by one
/// thread and read after both have finished.
private final class ResultSlot<Value>: @unchecked Sendable {
    var value: Value?
}
