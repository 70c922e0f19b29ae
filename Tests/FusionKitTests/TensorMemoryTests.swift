import FusionKit
import Testing

/// The memory counters and the buffer cache's bound. Other tests allocate concurrently, so these
/// run in a child process (an exit test), where nothing else touches the counters.
@Suite("Tensor memory")
struct TensorMemoryTests {
    @Test func countersFollowTensorsAndTheCacheStaysUnderThePeak() async {
        await #expect(processExitsWith: .success) {
            TensorMemory.clearCache()
            let base = TensorMemory.liveBytes
            TensorMemory.resetPeak()
            do {
                let a = Tensor.zeros([1 << 20])                  // 4 MiB
                let b = Tensor.zeros([1 << 19])                  // 2 MiB
                precondition(TensorMemory.liveBytes - base >= 6 << 20, "live \(TensorMemory.liveBytes - base) after 6 MiB")
                precondition(a.count + b.count == 3 << 19)
            }
            precondition(TensorMemory.liveBytes == base, "live \(TensorMemory.liveBytes) after freeing, \(base) before")
            precondition(TensorMemory.peakLiveBytes - base >= 6 << 20, "peak \(TensorMemory.peakLiveBytes - base)")
            // The freed buffers sit in the cache; a buffer of another size takes their place
            // rather than adding to them, so cache plus live memory stays within the peak.
            precondition(TensorMemory.cachedBytes >= 6 << 20, "cached \(TensorMemory.cachedBytes)")
            let c = Tensor.zeros([3 << 19])                      // 6 MiB, a size not cached
            precondition(TensorMemory.liveBytes + TensorMemory.cachedBytes <= TensorMemory.peakLiveBytes + base,
                         "live \(TensorMemory.liveBytes) + cached \(TensorMemory.cachedBytes) over peak \(TensorMemory.peakLiveBytes)")
            precondition(c.count == 3 << 19)
            TensorMemory.resetPeak()
            precondition(TensorMemory.peakLiveBytes == TensorMemory.liveBytes)
        }
    }
}
