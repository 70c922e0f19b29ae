/// The unfolding of a convolution with "same" padding by whole blocks of planes (see
/// `Unfold.im2col`).
///
/// When the output is ⌈H/s⌉ × ⌈W/s⌉ (as in every 3×3 layer of the VQA models), the input plane
/// is first split into its s² phases, P_ab[i, j] = x[s·i + a, s·j + b], each stored as an Ho × Wo
/// plane padded with zeros (for stride 1 the plane itself is its only phase). Tap (ki, kj) then
/// reads phase (a, b) shifted by whole rows and columns. The column matrix is laid out tap-major
/// here, row t·C + c for tap t and channel c (`ConvolutionGeometry.unfoldsByPhase`), and the
/// phases channel by channel, [phase][C][Ho·Wo], so that one tap's rows for all channels are a
/// single shifted copy of one phase block: one copy per tap, after which the entries that
/// crossed into a neighbouring line or plane are zeroed. col2im runs the same steps backwards.
///
/// Why: one copy per tap for all channels replaces one short copy per channel and tap (or per
/// line), whose bookkeeping dominated on the small planes of the VQA encoders; splitting a
/// stride-2 layer's phases line by line reads each line once for both column phases
/// (`splitPhasesByTwo`, PhaseSplit.swift). Measured in Docs/Benchmarks.md, "Tap-major unfolding,
/// convolution input gradients, in-place attention heads".
extension Unfold {
    /// im2col for `ConvolutionGeometry.unfoldsByPhase` geometries (one image), tap-major.
    static func im2colByPhase(_ input: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>,
                              _ g: ConvolutionGeometry, firstChannel: Int, channels: Int) {
        precondition(g.batch == 1, "im2colByPhase: one image at a time, got \(g.batch)")
        let block = channels * g.outputPlane
        let source: UnsafePointer<Float>
        var phases: UnsafeMutablePointer<Float>?
        if g.phaseCount == 1 {
            source = input + firstChannel * g.inputPlane
        } else {
            phases = UnsafeMutablePointer<Float>.allocate(capacity: g.phaseCount * block)
            splitPhases(input + firstChannel * g.inputPlane, into: phases!, g, channels: channels)
            source = UnsafePointer(phases!)
        }
        defer { phases?.deallocate() }
        // The taps' copies are independent: shared among the cores when the caller has not
        // shared images among them already (one image on two cores: a stem's 49 taps).
        let taps = g.phaseTaps
        Parallel.forEachChunk(count: taps.count, minimumChunk: block * taps.count >= Tuning.parallelUnfoldFloats ? 1 : taps.count) { range in
            for index in range {
                let tap = taps[index]
                copyShifted(source + tap.phase * block, into: columns + index * block, planes: channels,
                            height: g.outputHeight, width: g.outputWidth, rowShift: tap.rowShift, columnShift: tap.columnShift)
            }
        }
    }

    /// col2im for `ConvolutionGeometry.unfoldsByPhase` geometries (one image), tap-major. The entries of
    /// `columns` that fall in the padding are overwritten with zeros.
    static func col2imByPhase(_ columns: UnsafeMutablePointer<Float>, _ gradient: UnsafeMutablePointer<Float>,
                              _ g: ConvolutionGeometry, firstChannel: Int, channels: Int) {
        precondition(g.batch == 1, "col2imByPhase: one image at a time, got \(g.batch)")
        let block = channels * g.outputPlane
        let channel = gradient + firstChannel * g.inputPlane
        var phases: UnsafeMutablePointer<Float>?
        if g.phaseCount > 1 {
            phases = UnsafeMutablePointer<Float>.allocate(capacity: g.phaseCount * block)
            phases!.initialize(repeating: 0, count: g.phaseCount * block)
        }
        defer { phases?.deallocate() }
        let target = phases ?? channel
        for (index, tap) in g.phaseTaps.enumerated() {
            addShifted(columns + index * block, onto: target + tap.phase * block, planes: channels,
                       height: g.outputHeight, width: g.outputWidth, rowShift: tap.rowShift, columnShift: tap.columnShift)
        }
        if let phases { mergePhases(phases, onto: channel, g, channels: channels) }
    }

    /// Copies `planes` consecutive planes (`height` × `width` each) shifted by (rowShift,
    /// columnShift) into `out`: out[p, i, j] = source[p, i + rowShift, j + columnShift], zero
    /// where that lies outside plane p. One flat copy, then the entries it took from another line
    /// or plane are zeroed.
    @inline(__always)
    static func copyShifted(_ source: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, planes: Int,
                            height: Int, width: Int, rowShift: Int, columnShift: Int) {
        let shift = rowShift * width + columnShift, total = planes * height * width
        let (start, end) = shiftedRange(total: total, shift: shift)
        out.initialize(repeating: 0, count: start)
        (out + start).update(from: source + start + shift, count: end - start)
        (out + end).initialize(repeating: 0, count: total - end)
        zeroOutside(out, planes: planes, height: height, width: width, rowShift: rowShift, columnShift: columnShift)
    }

    /// The adjoint of `copyShifted`: target[p, i + rowShift, j + columnShift] += from[p, i, j]
    /// where that lies inside plane p. The entries of `from` that do not are zeroed first.
    @inline(__always)
    static func addShifted(_ from: UnsafeMutablePointer<Float>, onto target: UnsafeMutablePointer<Float>, planes: Int,
                           height: Int, width: Int, rowShift: Int, columnShift: Int) {
        zeroOutside(from, planes: planes, height: height, width: width, rowShift: rowShift, columnShift: columnShift)
        let shift = rowShift * width + columnShift
        let (start, end) = shiftedRange(total: planes * height * width, shift: shift)
        let shifted = target + shift
        var i = start
        while i + 8 <= end {
            let sum = UnsafeRawPointer(shifted + i).loadUnaligned(as: SIMD8<Float>.self)
                + UnsafeRawPointer(from + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(shifted + i).storeBytes(of: sum, as: SIMD8<Float>.self)
            i += 8
        }
        while i < end {
            shifted[i] += from[i]
            i += 1
        }
    }

    /// The flat positions start..<end of a block of `total` floats whose position + `shift` also
    /// lies in the block.
    @inline(__always)
    static func shiftedRange(total: Int, shift: Int) -> (start: Int, end: Int) {
        let start = Swift.min(total, Swift.max(0, -shift))
        return (start, Swift.max(start, Swift.min(total, total - shift)))
    }

    /// Zeroes, in each of `planes` planes, the lines i whose i + rowShift lies outside the plane
    /// and, in the others, the columns j whose j + columnShift does.
    @inline(__always)
    static func zeroOutside(_ values: UnsafeMutablePointer<Float>, planes: Int, height: Int, width: Int,
                            rowShift: Int, columnShift: Int) {
        let firstLine = Swift.min(Swift.max(0, -rowShift), height)
        let endLine = Swift.max(firstLine, Swift.min(height, height - rowShift))
        let firstColumn = columnShift < 0 ? Swift.min(-columnShift, width) : 0
        let endColumn = columnShift > 0 ? Swift.max(0, width - columnShift) : width
        if columnShift != 0 {
            // Every line of every plane (those zeroed whole below included): one flat walk.
            var line = values
            for _ in 0..<(planes * height) {
                for j in 0..<firstColumn { line[j] = 0 }
                for j in endColumn..<width { line[j] = 0 }
                line += width
            }
        }
        guard firstLine > 0 || endLine < height else { return }
        for p in 0..<planes {
            let plane = values + p * height * width
            plane.update(repeating: 0, count: firstLine * width)
            (plane + endLine * width).update(repeating: 0, count: (height - endLine) * width)
        }
    }
}
