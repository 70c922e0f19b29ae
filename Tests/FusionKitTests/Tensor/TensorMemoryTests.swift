import FusionKit
import Testing

/// The memory counters and the buffer cache's reuse and bound. Other tests allocate
/// concurrently, so these run in child processes (exit tests), where nothing else touches the
/// counters or the cache. The cache may hold, with the live buffers, up to twice the most ever
/// live (or that plus 64 MiB), and never more than `TensorMemory.cacheLimit`; the sizes here are
/// chosen around that.
@Suite("Tensor memory")
struct TensorMemoryTests {
    static let mebibyte = 1 << 20

    @Test func countersFollowTensorsAndTheCacheStaysNearThePeak() async {
        await #expect(processExitsWith: .success) {
            let mib = TensorMemoryTests.mebibyte, floats = mib / 4
            TensorMemory.clearCache()
            let base = TensorMemory.liveBytes
            TensorMemory.resetPeak()
            do {
                let a = Tensor.zeros([64 * floats])
                let b = Tensor.zeros([32 * floats])
                precondition(TensorMemory.liveBytes - base >= 96 * mib, "live \(TensorMemory.liveBytes - base) after 96 MiB")
                precondition(a.count + b.count == 96 * floats)
            }
            precondition(TensorMemory.liveBytes == base, "live \(TensorMemory.liveBytes) after freeing, \(base) before")
            precondition(TensorMemory.peakLiveBytes - base >= 96 * mib, "peak \(TensorMemory.peakLiveBytes - base)")
            precondition(TensorMemory.cachedBytes == 96 * mib, "cached \(TensorMemory.cachedBytes) after freeing 96 MiB")
            // A 48 MiB request takes the cached 64 MiB buffer (the smallest of up to twice its
            // size), which goes back to the cache whole.
            do {
                let c = Tensor.full([48 * floats], value: 2)
                precondition(TensorMemory.cachedBytes == 32 * mib, "cached \(TensorMemory.cachedBytes) with 48 MiB reused")
                precondition(c.max().scalar == 2 && c.min().scalar == 2, "the reused buffer holds \(c.min().scalar)…\(c.max().scalar)")
            }
            precondition(TensorMemory.cachedBytes == 96 * mib, "cached \(TensorMemory.cachedBytes) after the reuse")
            // 100 MiB fits no cached buffer: live plus cached, 196 MiB, stays within twice the new
            // 100 MiB peak, so the cache keeps both buffers.
            let d = Tensor.zeros([100 * floats])
            precondition(TensorMemory.cachedBytes == 96 * mib, "cached \(TensorMemory.cachedBytes) beside 100 MiB live")
            precondition(TensorMemory.liveBytes + TensorMemory.cachedBytes <= 2 * TensorMemory.peakLiveBytes + base,
                         "live \(TensorMemory.liveBytes) + cached \(TensorMemory.cachedBytes) over twice the peak \(TensorMemory.peakLiveBytes)")
            precondition(d.count == 100 * floats)
            // A lower limit gives back the longest unused buffer first: the 32 MiB one (the 64 MiB
            // one served the 48 MiB request since).
            TensorMemory.cacheLimit = 80 * mib
            precondition(TensorMemory.cachedBytes == 64 * mib, "cached \(TensorMemory.cachedBytes) under an 80 MiB limit")
            TensorMemory.cacheLimit = 1 << 30
            TensorMemory.resetPeak()
            precondition(TensorMemory.peakLiveBytes == TensorMemory.liveBytes)
        }
    }

    /// A training step needs some sizes only in its forward and others only in its backward; when
    /// both fit the slack, the cache keeps both and stops allocating.
    @Test func alternatingSizesSettleWithinTheSlack() async {
        await #expect(processExitsWith: .success) {
            let mib = TensorMemoryTests.mebibyte, floats = mib / 4
            TensorMemory.clearCache()
            var cachedAfterCycles: [Int] = []
            for _ in 0..<4 {
                do { let forward = Tensor.zeros([256 * floats]); precondition(forward.count == 256 * floats) }
                do { let backward = Tensor.zeros([40 * floats]); precondition(backward.count == 40 * floats) }
                cachedAfterCycles.append(TensorMemory.cachedBytes / mib)
            }
            precondition(cachedAfterCycles.allSatisfy { $0 == 296 },
                         "MiB cached after each cycle: \(cachedAfterCycles), expected both buffers (296 MiB) kept")
        }
    }
}
