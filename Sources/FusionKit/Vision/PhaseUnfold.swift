/// The unfolding of a convolution with "same" padding by whole planes (see `Unfold.im2col`).
///
/// When the output is ⌈H/s⌉ × ⌈W/s⌉ (as in every 3×3 layer of the VQA models), the input plane
/// is first split into its s² phases, P_ab[i, j] = x[s·i + a, s·j + b], each stored as an Ho × Wo
/// plane padded with zeros (for stride 1 the plane itself is its only phase). Tap (ki, kj) then
/// reads phase (a, b) shifted by whole rows and columns, so its row of the column matrix is one
/// contiguous copy of the phase plane, after which the entries that wrapped into the
/// neighbouring line are zeroed. col2im runs the same steps backwards.
///
/// Measured on the transformer VQA step (per step, summed over both cores): the 64-channel 19×19
/// stride-1 layer's unfold 12.4 → 6.0–6.9 ms and col2im 21.6 → 7.2–10.9 ms; the 32 → 64-channel
/// stride-2 layer's unfold 8.3 → 5.1 ms and col2im 12.5 → 8.2 ms. Line by line, each line of 19
/// floats cost about 18–24 ns of loop overhead.
extension Unfold {
    /// im2col for `ConvolutionGeometry.unfoldsByPhase` geometries.
    static func im2colByPhase(_ input: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>,
                              _ g: ConvolutionGeometry, firstChannel: Int, channels: Int) {
        forEachChannel(g, columns, firstChannel: firstChannel, channels: channels) { offset, phases, taps in
            let channel = input + offset
            if g.phaseCount > 1 { splitPhases(channel, into: phases, g) }
            let source = g.phaseCount == 1 ? channel : UnsafePointer(phases)
            taps { row, tap in
                copyShifted(source + tap.phase * g.outputPlane, into: row, height: g.outputHeight, width: g.outputWidth,
                            rowShift: tap.rowShift, columnShift: tap.columnShift)
            }
        }
    }

    /// col2im for `ConvolutionGeometry.unfoldsByPhase` geometries.
    static func col2imByPhase(_ columns: UnsafeMutablePointer<Float>, _ gradient: UnsafeMutablePointer<Float>,
                              _ g: ConvolutionGeometry, firstChannel: Int, channels: Int) {
        let phaseCount = g.phaseCount
        forEachChannel(g, columns, firstChannel: firstChannel, channels: channels) { offset, phases, taps in
            let channel = gradient + offset
            if phaseCount > 1 { phases.initialize(repeating: 0, count: phaseCount * g.outputPlane) }
            let target = phaseCount == 1 ? channel : phases
            taps { row, tap in
                addShifted(row, onto: target + tap.phase * g.outputPlane, height: g.outputHeight, width: g.outputWidth,
                           rowShift: tap.rowShift, columnShift: tap.columnShift)
            }
            if phaseCount > 1 { mergePhases(phases, onto: channel, g) }
        }
    }

    /// The walk both directions share: for each image and channel of the group, `body(offset,
    /// phases, taps)` with the channel plane's offset in the NCHW tensor, a scratch buffer for
    /// its phase planes, and `taps`, which calls its argument with each kernel tap's row of the
    /// column matrix and where that tap reads.
    @inline(__always)
    private static func forEachChannel(
        _ g: ConvolutionGeometry, _ columns: UnsafeMutablePointer<Float>, firstChannel: Int, channels: Int,
        _ body: (Int, UnsafeMutablePointer<Float>, ((UnsafeMutablePointer<Float>, ConvolutionGeometry.PhaseTap) -> Void) -> Void) -> Void
    ) {
        let plane = g.outputPlane, rowLength = g.batch * plane
        let phases = UnsafeMutablePointer<Float>.allocate(capacity: g.phaseCount * plane)
        defer { phases.deallocate() }
        let taps = (0..<g.kernelHeight).flatMap { ki in (0..<g.kernelWidth).map { kj in g.phaseTap(ki: ki, kj: kj) } }
        for n in 0..<g.batch {
            for c in 0..<channels {
                body(((n * g.channels) + firstChannel + c) * g.inputPlane, phases) { visit in
                    for (index, tap) in taps.enumerated() {
                        visit(columns + (c * g.kernelArea + index) * rowLength + n * plane, tap)
                    }
                }
            }
        }
    }

    /// Copies the plane (`height` × `width`) shifted by (rowShift, columnShift) into `out`:
    /// out[i, j] = plane[i + rowShift, j + columnShift], zero where that lies outside.
    @inline(__always)
    static func copyShifted(_ plane: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                            height: Int, width: Int, rowShift: Int, columnShift: Int) {
        let (lines, start, end) = shiftedRange(height: height, width: width, rowShift: rowShift, columnShift: columnShift)
        let shift = rowShift * width + columnShift
        if end > start {
            out.initialize(repeating: 0, count: start)
            (out + start).update(from: plane + start + shift, count: end - start)
            (out + end).initialize(repeating: 0, count: height * width - end)
        } else {
            out.initialize(repeating: 0, count: height * width)
        }
        zeroWrappedColumns(out, lines: lines, width: width, columnShift: columnShift)
    }

    /// The adjoint of `copyShifted`: plane[i + rowShift, j + columnShift] += from[i, j] where that
    /// lies inside. The entries of `from` that would wrap into a neighbouring line are zeroed first.
    @inline(__always)
    static func addShifted(_ from: UnsafeMutablePointer<Float>, onto plane: UnsafeMutablePointer<Float>,
                           height: Int, width: Int, rowShift: Int, columnShift: Int) {
        let (lines, start, end) = shiftedRange(height: height, width: width, rowShift: rowShift, columnShift: columnShift)
        zeroWrappedColumns(from, lines: lines, width: width, columnShift: columnShift)
        guard end > start else { return }
        let target = plane + rowShift * width + columnShift
        for i in start..<end { target[i] += from[i] }
    }

    /// The output lines that read a line of the plane, and the flat output range start..<end
    /// covering them whose shifted index stays inside the plane.
    @inline(__always)
    static func shiftedRange(height: Int, width: Int, rowShift: Int, columnShift: Int) -> (lines: Range<Int>, start: Int, end: Int) {
        let first = Swift.min(Swift.max(0, -rowShift), height)
        let lines = first..<Swift.max(first, Swift.min(height, height - rowShift))
        let shift = rowShift * width + columnShift
        let start = Swift.max(lines.lowerBound * width, -shift)
        let end = Swift.max(start, Swift.min(lines.upperBound * width, height * width - shift))
        return (lines, start, end)
    }

    /// Zeroes, in each of `lines`, the columns j whose j + columnShift falls outside 0..<width.
    @inline(__always)
    static func zeroWrappedColumns(_ values: UnsafeMutablePointer<Float>, lines: Range<Int>, width: Int, columnShift: Int) {
        guard columnShift != 0 else { return }
        let first = columnShift < 0 ? Swift.min(-columnShift, width) : 0
        let last = columnShift > 0 ? Swift.max(0, width - columnShift) : width
        for i in lines {
            let line = values + i * width
            for j in 0..<first { line[j] = 0 }
            for j in last..<width { line[j] = 0 }
        }
    }

    /// Splits one input plane into its phases (Ho × Wo each, zero-padded).
    static func splitPhases(_ channel: UnsafePointer<Float>, into phases: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
        phases.initialize(repeating: 0, count: g.phaseCount * g.outputPlane)
        forEachPhaseLine(g) { line, phase, count, b in
            if g.strideWidth == 2 {
                gatherEven(channel + line + b, into: phases + phase, first: 0, last: count, readable: g.width - b)
            } else {
                for j in 0..<count { phases[phase + j] = channel[line + g.strideWidth * j + b] }
            }
        }
    }

    /// The adjoint of `splitPhases`: adds each phase back onto the plane positions it came from.
    static func mergePhases(_ phases: UnsafePointer<Float>, onto channel: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry) {
        forEachPhaseLine(g) { line, phase, count, b in
            if g.strideWidth == 2 {
                scatterAddEven(phases + phase, into: channel + line + b, first: 0, last: count, writable: g.width - b)
            } else {
                for j in 0..<count { channel[line + g.strideWidth * j + b] += phases[phase + j] }
            }
        }
    }

    /// Calls `body(line, phase, count, b)` for every input line and column phase b: the line's
    /// offset in the plane, the offset of its run in the phase planes, and the run's length
    /// (its elements are line[strideWidth·j + b] for j < count).
    @inline(__always)
    private static func forEachPhaseLine(_ g: ConvolutionGeometry, _ body: (Int, Int, Int, Int) -> Void) {
        let (sh, sw) = (g.strideHeight, g.strideWidth)
        for ih in 0..<g.height {
            for b in 0..<sw {
                body(ih * g.width, ((ih % sh) * sw + b) * g.outputPlane + (ih / sh) * g.outputWidth, (g.width - b + sw - 1) / sw, b)
            }
        }
    }
}
