import FusionKit
import Testing

/// The memory counters and the buffer cache's reuse and bound. Other tests allocate
/// concurrently, so these run in child processes (exit tests), where nothing else touches the
/// counters or the cache.
@Suite("Tensor memory")
struct TensorMemoryTests {
    static let mebibyte = 1 << 20

    @Test func countersFollowTensorsAndTheCacheStaysNearThePeak() async {
        await #expect(processExitsWith: .success) {
            let mib = TensorMemoryTests.mebibyte
            TensorMemory.clearCache()
            let base = TensorMemory.liveBytes
            TensorMemory.resetPeak()
            do {
                let a = Tensor.zeros([mib])                      // 4 MiB
                let b = Tensor.zeros([mib / 2])                  // 2 MiB
                precondition(TensorMemory.liveBytes - base >= 6 * mib, "live \(TensorMemory.liveBytes - base) after 6 MiB")
                precondition(a.count + b.count == 3 * mib / 2)
            }
            precondition(TensorMemory.liveBytes == base, "live \(TensorMemory.liveBytes) after freeing, \(base) before")
            precondition(TensorMemory.peakLiveBytes - base >= 6 * mib, "peak \(TensorMemory.peakLiveBytes - base)")
            precondition(TensorMemory.cachedBytes == 6 * mib, "cached \(TensorMemory.cachedBytes) after freeing 6 MiB")
            // A 3 MiB request takes the cached 4 MiB buffer (the smallest of up to twice its size),
            // which goes back to the cache whole.
            do {
                let c = Tensor.full([3 * mib / 4], value: 2)
                precondition(TensorMemory.cachedBytes == 2 * mib, "cached \(TensorMemory.cachedBytes) with 3 MiB reused")
                precondition(c.sum().scalar == Float(3 * mib / 2), "sum \(c.sum().scalar)")
            }
            precondition(TensorMemory.cachedBytes == 6 * mib, "cached \(TensorMemory.cachedBytes) after the reuse")
            // 6 MiB fits no cached buffer: held plus cached would be 12 MiB, over 9/8 of the 6 MiB
            // peak, so the cache gives back what it must, the longest cached first.
            let d = Tensor.zeros([3 * mib / 2])
            precondition(TensorMemory.liveBytes + TensorMemory.cachedBytes <= TensorMemory.peakLiveBytes * 9 / 8 + base,
                         "live \(TensorMemory.liveBytes) + cached \(TensorMemory.cachedBytes) over the peak \(TensorMemory.peakLiveBytes)")
            precondition(d.count == 3 * mib / 2)
            TensorMemory.resetPeak()
            precondition(TensorMemory.peakLiveBytes == TensorMemory.liveBytes)
        }
    }

    /// A training step needs some sizes only in its forward and others only in its backward; when
    /// the two together fit the slack, the cache keeps both and stops allocating.
    @Test func alternatingSizesSettleWithinTheSlack() async {
        await #expect(processExitsWith: .success) {
            let mib = TensorMemoryTests.mebibyte
            TensorMemory.clearCache()
            var cachedAfterCycles: [Int] = []
            for _ in 0..<4 {
                do { let forward = Tensor.zeros([2 * mib]); precondition(forward.count == 2 * mib) }      // 8 MiB
                do { let backward = Tensor.zeros([mib / 8]); precondition(backward.count == mib / 8) }    // 0.5 MiB
                cachedAfterCycles.append(TensorMemory.cachedBytes)
            }
            precondition(cachedAfterCycles.allSatisfy { $0 == 8 * mib + mib / 2 },
                         "cached after each cycle: \(cachedAfterCycles), expected both buffers kept")
        }
    }
}
