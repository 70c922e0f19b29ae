import CFusionKitKernels

/// The loops behind reductions. A reduction over a run of adjacent axes sees the tensor as
/// [outer, length, inner]: with inner = 1 each output is a contiguous dot-free sum (16-lane
/// accumulators), otherwise whole inner rows are combined at once, which the compiler vectorises.
enum ReductionKernel {
    enum Kind { case sum, max, min }

    /// Reduces `x` over `axes` (already normalised), keeping the reduced axes as size 1.
    static func reduce(_ x: Tensor, axes: [Int], kind: Kind, op: String) -> Tensor {
        var result = x
        var shape = x.shape
        // Reduce runs of adjacent axes from the back, so earlier axis numbers stay valid.
        var runs: [(start: Int, end: Int)] = []
        for axis in axes.sorted() {
            if let last = runs.last, last.end == axis - 1 { runs[runs.count - 1].end = axis } else { runs.append((axis, axis)) }
        }
        for run in runs.reversed() {
            let outer = shape[..<run.start].reduce(1, *)
            let length = shape[run.start...run.end].reduce(1, *)
            let inner = shape[(run.end + 1)...].reduce(1, *)
            precondition(length > 0 || kind == .sum,
                         "\(op): cannot reduce over an empty axis of shape \(x.shape)")
            for axis in run.start...run.end { shape[axis] = 1 }
            let reduced = Tensor(uninitializedShape: shape)
            result.withPointer { source in
                reduced.withFreshPointer { target in
                    reduceBlock(source, target, outer: outer, length: length, inner: inner, kind: kind)
                }
            }
            result = reduced
        }
        return result
    }

    static func reduceBlock(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>,
                            outer: Int, length: Int, inner: Int, kind: Kind) {
        if inner == 1 {
            if outer == 1 && length >= 2 * Tuning.parallelElements {
                target[0] = reduceLongRow(source, count: length, kind: kind)
                return
            }
            Parallel.forEachChunk(count: outer, elementsEach: length) { rows in
                for o in rows { target[o] = reduceRow(source + o * length, count: length, kind: kind) }
            }
            return
        }
        for o in 0..<outer {
            let out = target + o * inner
            let block = source + o * length * inner
            if length == 0 {
                out.initialize(repeating: 0, count: inner)
                continue
            }
            out.update(from: block, count: inner)
            for j in 1..<Swift.max(length, 1) {
                let row = block + j * inner
                switch kind {
                case .sum: for i in 0..<inner { out[i] += row[i] }
                case .max: for i in 0..<inner { let v = row[i]; if v > out[i] || v != v { out[i] = v } }
                case .min: for i in 0..<inner { let v = row[i]; if v < out[i] || v != v { out[i] = v } }
                }
            }
        }
    }

    @inline(__always)
    static func reduceRow(_ row: UnsafePointer<Float>, count: Int, kind: Kind) -> Float {
        switch kind {
        case .sum: return sum(row, count: count)
        case .max: return extreme(row, count: count, greater: true)
        case .min: return extreme(row, count: count, greater: false)
        }
    }

    /// One long contiguous row reduced in per-core pieces, then the pieces combined.
    static func reduceLongRow(_ row: UnsafePointer<Float>, count: Int, kind: Kind) -> Float {
        let pieces = Locked([Int: Float]())
        Parallel.forEachChunk(count: count) { range in
            let partial = reduceRow(row + range.lowerBound, count: range.count, kind: kind)
            pieces.withLock { $0[range.lowerBound] = partial }
        }
        let partials = pieces.withLock { $0 }.sorted { $0.key < $1.key }.map(\.value)
        return partials.withUnsafeBufferPointer { reduceRow($0.baseAddress!, count: $0.count, kind: kind) }
    }

    /// The sum of `count` contiguous floats, vectorised for the CPU (CFusionKitKernels).
    @inline(__always)
    static func sum(_ source: UnsafePointer<Float>, count: Int) -> Float {
        fk_sum(source, count)
    }

    /// The largest (or smallest) of `count` contiguous floats; NaN if any is NaN (CFusionKitKernels).
    @inline(__always)
    static func extreme(_ source: UnsafePointer<Float>, count: Int, greater: Bool) -> Float {
        greater ? fk_max(source, count) : fk_min(source, count)
    }
}
