import Foundation
import Synchronization

/// Keeps freed tensor buffers of 64 KiB and more for reuse.
///
/// A training step allocates and frees the same large buffers every iteration. Returned to the C
/// allocator, they go back to the kernel (glibc trims or unmaps them), and the next step pays a
/// page fault for every 4 KiB it writes (a fifth of a Linear 512→512 forward and backward at
/// batch 256; Docs/Benchmarks.md, "All workloads").
///
/// A request takes a cached buffer of exactly its size, or else the smallest cached one of up to
/// twice its size (the buffer keeps its capacity and returns to the cache under it). Only on a
/// miss is a new buffer allocated; then cached buffers are given back to the system, the longest
/// unused first, while the bytes held by live buffers and the cache together would exceed twice
/// the most ever held by live buffers at once (or that plus 64 MiB, whichever is more). So the
/// cache cannot grow without bound, yet a pass whose sizes peak at different moments (the sum of
/// each size's maximum exceeds the maximum of the sums) settles instead of evicting every pass:
/// with an eighth as the margin (15 MB there), the cross-attention VQA step still faulted about
/// 5,000 times per step; with 32 MiB, 1,900; with the 64 MiB floor, 3. Inference on 256 images
/// needed more: MFB's forward kept evicting its joint product, until the margin was the
/// high-water mark itself (Docs/Benchmarks.md, "A cache margin of the whole high-water mark").
enum BufferCache {
    /// Buffers smaller than this go straight to the C allocator, which serves them without faults.
    static let minimumCachedBytes = 65_536

    /// How far cached and live memory together may exceed the most ever live: 1/`slackFraction`
    /// of it (all of it), or `minimumSlackBytes` if that is more.
    static let slackFraction = 1
    static let minimumSlackBytes = 64 << 20

    private static let state = Locked(State())

    struct Cached {
        var pointer: UnsafeMutableRawPointer
        /// When it was released (a counter): the oldest are given back first.
        var released: Int
    }

    struct State {
        /// Cached buffers by capacity, each list in order of release.
        var free: [Int: [Cached]] = [:]
        var cachedBytes = 0
        /// The capacity of live buffers of at least `minimumCachedBytes`, and its maximum so far.
        var heldBytes = 0
        var heldHighWater = 0
        var releases = 0
        var limit = 1 << 30

        /// Takes the cached buffer with exactly `byteCount`, or the smallest of up to twice that.
        /// (Lists in `free` are never empty: an emptied one is removed.)
        mutating func take(_ byteCount: Int) -> (UnsafeMutableRawPointer, Int)? {
            guard let capacity = free[byteCount] != nil ? byteCount
                    : free.keys.filter({ $0 > byteCount && $0 <= 2 * byteCount }).min() else { return nil }
            let buffer = free[capacity]!.removeLast()
            if free[capacity]!.isEmpty { free[capacity] = nil }
            cachedBytes -= capacity
            return (buffer.pointer, capacity)
        }

        /// Removes the longest-cached buffers until at least `bytes` are removed; returns them.
        mutating func evictOldest(atLeast bytes: Int) -> [UnsafeMutableRawPointer] {
            var evicted: [UnsafeMutableRawPointer] = []
            var freed = 0
            while freed < bytes, let size = free.min(by: { $0.value[0].released < $1.value[0].released })?.key {
                evicted.append(free[size]!.removeFirst().pointer)
                if free[size]!.isEmpty { free[size] = nil }
                freed += size
                cachedBytes -= size
            }
            return evicted
        }
    }

    /// Bytes in tensors now, and the most there were at once since the last reset: atomics, so
    /// that small tensors, which bypass the cache, take no lock.
    private static let live = Atomic<Int>(0)
    private static let peak = Atomic<Int>(0)

    private static func countAllocation(_ byteCount: Int) {
        let now = live.add(byteCount, ordering: .relaxed).newValue
        var seen = peak.load(ordering: .relaxed)
        while now > seen {
            let (exchanged, original) = peak.compareExchange(expected: seen, desired: now, ordering: .relaxed)
            if exchanged { break }
            seen = original
        }
    }

    /// A 64-byte aligned buffer of at least `byteCount` bytes, and its capacity (pass both to
    /// `release`).
    static func allocate(byteCount: Int) -> (pointer: UnsafeMutableRawPointer, capacity: Int) {
        countAllocation(byteCount)
        guard byteCount >= minimumCachedBytes else {
            return (UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64), byteCount)
        }
        var evicted: [UnsafeMutableRawPointer] = []
        let reused = state.withLock { state -> (UnsafeMutableRawPointer, Int)? in
            let buffer = state.take(byteCount)
            state.heldBytes += buffer?.1 ?? byteCount
            state.heldHighWater = Swift.max(state.heldHighWater, state.heldBytes)
            if let buffer { return buffer }
            let budget = state.heldHighWater + Swift.max(state.heldHighWater / slackFraction, minimumSlackBytes)
            evicted = state.evictOldest(atLeast: state.heldBytes + state.cachedBytes - budget)
            return nil
        }
        for pointer in evicted { pointer.deallocate() }
        if let reused { return reused }
        return (UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64), byteCount)
    }

    /// Returns a buffer from `allocate`: `byteCount` as requested, `capacity` as returned.
    static func release(_ pointer: UnsafeMutableRawPointer, byteCount: Int, capacity: Int) {
        live.subtract(byteCount, ordering: .relaxed)
        if capacity >= minimumCachedBytes {
            let kept = state.withLock { state -> Bool in
                state.heldBytes -= capacity
                guard state.cachedBytes + capacity <= state.limit else { return false }
                state.releases += 1
                state.free[capacity, default: []].append(Cached(pointer: pointer, released: state.releases))
                state.cachedBytes += capacity
                return true
            }
            if kept { return }
        }
        pointer.deallocate()
    }

    static var cachedBytes: Int { state.withLock { $0.cachedBytes } }
    static var liveBytes: Int { live.load(ordering: .relaxed) }
    static var peakLiveBytes: Int { peak.load(ordering: .relaxed) }
    static func resetPeak() { peak.store(live.load(ordering: .relaxed), ordering: .relaxed) }

    static var limit: Int {
        get { state.withLock { $0.limit } }
        set {
            state.withLock { $0.limit = newValue }
            trim()
        }
    }

    /// Frees cached buffers (the longest cached first) until the cache fits its limit.
    static func trim() {
        let released = state.withLock { state in state.evictOldest(atLeast: state.cachedBytes - state.limit) }
        for pointer in released { pointer.deallocate() }
    }
}

/// Control over the memory FusionKit keeps between operations.
public enum TensorMemory {
    /// The most bytes of freed tensor buffers kept for reuse (default 1 GiB). Lowering it frees
    /// the excess at once.
    public static var cacheLimit: Int {
        get { BufferCache.limit }
        set {
            precondition(newValue >= 0, "TensorMemory.cacheLimit: \(newValue) must not be negative")
            BufferCache.limit = newValue
        }
    }

    /// The bytes currently held in the cache.
    public static var cachedBytes: Int { BufferCache.cachedBytes }

    /// The bytes held by tensors alive now (their elements; not the cache, not BLAS's buffers).
    public static var liveBytes: Int { BufferCache.liveBytes }

    /// The most bytes tensors held at once since the process started or `resetPeak()`, as
    /// `torch.cuda.max_memory_allocated` reports for a GPU: what a model's activations and
    /// gradients need at their peak.
    public static var peakLiveBytes: Int { BufferCache.peakLiveBytes }

    /// Starts a new peak measurement from the bytes alive now.
    public static func resetPeak() { BufferCache.resetPeak() }

    /// Returns every cached buffer to the system.
    public static func clearCache() {
        let limit = BufferCache.limit
        BufferCache.limit = 0
        BufferCache.limit = limit
    }
}
