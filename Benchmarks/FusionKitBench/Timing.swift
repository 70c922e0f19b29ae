import Foundation

/// Wall-clock timing for benchmarks: each measurement repeats the body enough times to last a
/// few milliseconds, takes several such samples, and keeps the fastest (the one least disturbed
/// by the other tenants of a shared machine).
enum Timing {
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// The shortest sample: 20 ms, or `FUSIONKIT_BENCH_SAMPLE_SECONDS` when set (longer samples
    /// let a profiler such as `perf record` see the timed loop rather than the setup around it).
    static let minimumSampleSeconds: Double = ProcessInfo.processInfo.environment["FUSIONKIT_BENCH_SAMPLE_SECONDS"]
        .flatMap(Double.init).map { Swift.max(0.001, $0) } ?? 0.02

    /// Seconds per call of `body`.
    static func secondsPerCall(samples: Int = 7, minimumSampleSeconds: Double = Timing.minimumSampleSeconds,
                               _ body: () -> Void) -> Double {
        body()  // warm up caches, allocator and BLAS threads
        var iterations = 1
        while true {
            let start = now()
            for _ in 0..<iterations { body() }
            let elapsed = Double(now() - start) / 1e9
            if elapsed >= minimumSampleSeconds || iterations >= 1 << 24 { break }
            iterations *= elapsed > 0 ? max(2, min(16, Int(minimumSampleSeconds / elapsed) + 1)) : 16
        }
        var best = Double.infinity
        for _ in 0..<samples {
            let start = now()
            for _ in 0..<iterations { body() }
            best = min(best, Double(now() - start) / 1e9 / Double(iterations))
        }
        return best
    }

    /// Times two bodies in alternating samples, so both see the same machine conditions.
    static func sideBySide(samples: Int = 7, _ first: () -> Void, _ second: () -> Void) -> (Double, Double) {
        var a = Double.infinity, b = Double.infinity
        for _ in 0..<samples {
            a = min(a, secondsPerCall(samples: 1, first))
            b = min(b, secondsPerCall(samples: 1, second))
        }
        return (a, b)
    }
}
