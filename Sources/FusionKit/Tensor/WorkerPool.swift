import CFusionKitKernels
import Foundation

/// FusionKit's own worker threads (CFusionKitKernels/WorkerPool.c): they spin for a while after
/// each job, so that a job following within that time starts without waking a sleeping thread
/// (Docs/Benchmarks.md, "Own AVX-512 matrix products", measures both). Every parallel loop of
/// the library runs on them: `Parallel.forEachChunk`, `BLAS.parallelChunks`, the products of the
/// `GEMMKernel.avx512…` kernels and `Parallel.concurrently`.
enum WorkerPool {
    /// One worker fewer than the cores FusionKit sees (`ProcessInfo.activeProcessorCount`, which
    /// also sets `Parallel.threadCount`'s default and honours CPU affinity), fixed before the
    /// pool's first job.
    private static let configured: Void = fk_pool_configure(ProcessInfo.processInfo.activeProcessorCount - 1)

    /// The cores a job can use: the calling thread and the workers.
    static var cores: Int {
        _ = configured
        return fk_pool_workers() + 1
    }

    /// Calls `body(i)` for i in 0..<count, concurrently on the calling thread (i = 0) and the
    /// workers, and returns when all have returned. More pieces than `cores`, or a call made
    /// while another job runs (from inside `body`, or from another thread), runs them one after
    /// another on the calling thread.
    static func run(count: Int, _ body: (Int) -> Void) {
        _ = configured
        return withoutActuallyEscaping(body) { body in
            var task = body
            withUnsafeMutablePointer(to: &task) { pointer in
                fk_pool_run({ context, index in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(index)
                }, pointer, count)
            }
        }
    }

    /// Runs `companion` on a worker while `body` runs on the calling thread, and returns true
    /// once both have returned; returns false, having run nothing, when no worker is free. The
    /// pool takes jobs again as soon as `companion` returns: `body`'s parallel loops run on its
    /// own thread while the companion runs and on every core after it.
    static func runBeside(_ companion: () -> Void, _ body: () -> Void) -> Bool {
        _ = configured
        return withoutActuallyEscaping(companion) { companion in
            var task: (Int) -> Void = { _ in companion() }
            return withUnsafeMutablePointer(to: &task) { pointer in
                let ticket = fk_pool_try_start({ context, index in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(index)
                }, pointer)
                guard ticket != 0 else { return false }
                body()
                fk_pool_wait(ticket)
                return true
            }
        }
    }
}
