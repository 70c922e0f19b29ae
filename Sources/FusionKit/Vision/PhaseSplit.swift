/// The phases of a strided convolution's input planes, for the plane-wise unfolding of
/// PhaseUnfold.swift: with stride (s, t), phase (a, b) of a plane is P_ab[i, j] = x[s·i + a, t·j + b],
/// stored as an Ho × Wo plane padded with zeros, and the phases of a block of channels are laid
/// out [phase][channel][Ho·Wo], so that one phase of every channel is one contiguous block.
extension Unfold {
    /// Splits `channels` consecutive input planes into their phases, [phase][channel][Ho·Wo]
    /// (zero-padded).
    static func splitPhases(_ input: UnsafePointer<Float>, into phases: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry,
                            channels: Int) {
        if g.strideHeight == 2 && g.strideWidth == 2 { return splitPhasesByTwo(input, into: phases, g, channels: channels) }
        phases.initialize(repeating: 0, count: g.phaseCount * channels * g.outputPlane)
        forEachPhaseLine(g, channels: channels) { line, phase, count, b in
            if g.strideWidth == 2 {
                gatherEven(input + line + b, into: phases + phase, first: 0, last: count, readable: g.width - b)
            } else {
                for j in 0..<count { phases[phase + j] = input[line + g.strideWidth * j + b] }
            }
        }
    }

    /// The adjoint of `splitPhases`: adds each phase back onto the plane positions it came from.
    static func mergePhases(_ phases: UnsafePointer<Float>, onto input: UnsafeMutablePointer<Float>, _ g: ConvolutionGeometry,
                            channels: Int) {
        if g.strideHeight == 2 && g.strideWidth == 2 { return mergePhasesByTwo(phases, onto: input, g, channels: channels) }
        forEachPhaseLine(g, channels: channels) { line, phase, count, b in
            if g.strideWidth == 2 {
                scatterAddEven(phases + phase, into: input + line + b, first: 0, last: count, writable: g.width - b)
            } else {
                for j in 0..<count { input[line + g.strideWidth * j + b] += phases[phase + j] }
            }
        }
    }

    /// `splitPhases` for stride 2 × 2 (the downsampling layers of every VQA image encoder): each
    /// input line is read once, sixteen floats at a time, its even elements going to phase (a, 0)
    /// and its odd ones to phase (a, 1) for a = the line's parity; only the padding entries (last
    /// column or row of an odd-sized plane) are zeroed.
    static func splitPhasesByTwo(_ input: UnsafePointer<Float>, into phases: UnsafeMutablePointer<Float>,
                                 _ g: ConvolutionGeometry, channels: Int) {
        forEachLineByTwo(g, channels: channels) { offset, even, odd in
            let line = input + offset
            var j = 0
            while 2 * j + 16 <= g.width {
                let pair = UnsafeRawPointer(line + 2 * j).loadUnaligned(as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(phases + even + j).storeBytes(of: pair.evenHalf, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(phases + odd + j).storeBytes(of: pair.oddHalf, as: SIMD8<Float>.self)
                j += 8
            }
            while 2 * j + 1 < g.width {
                phases[even + j] = line[2 * j]
                phases[odd + j] = line[2 * j + 1]
                j += 1
            }
            if 2 * j < g.width { phases[even + j] = line[2 * j]; phases[odd + j] = 0 }
        }
        if g.height % 2 == 1 {
            // Phases (1, 0) and (1, 1) have one line fewer than the output.
            let block = channels * g.outputPlane, lastLine = (g.outputHeight - 1) * g.outputWidth
            for c in 0..<channels {
                for b in 0..<2 { (phases + (2 + b) * block + c * g.outputPlane + lastLine).update(repeating: 0, count: g.outputWidth) }
            }
        }
    }

    /// The adjoint of `splitPhasesByTwo`: each input line gets its even elements from phase
    /// (a, 0) and its odd ones from (a, 1) added, sixteen at a time.
    static func mergePhasesByTwo(_ phases: UnsafePointer<Float>, onto input: UnsafeMutablePointer<Float>,
                                 _ g: ConvolutionGeometry, channels: Int) {
        forEachLineByTwo(g, channels: channels) { offset, even, odd in
            let line = input + offset
            var j = 0
            while 2 * j + 16 <= g.width {
                let target = UnsafeMutableRawPointer(line + 2 * j)
                var pair = target.loadUnaligned(as: SIMD16<Float>.self)
                pair.evenHalf += UnsafeRawPointer(phases + even + j).loadUnaligned(as: SIMD8<Float>.self)
                pair.oddHalf += UnsafeRawPointer(phases + odd + j).loadUnaligned(as: SIMD8<Float>.self)
                target.storeBytes(of: pair, as: SIMD16<Float>.self)
                j += 8
            }
            while 2 * j + 1 < g.width {
                line[2 * j] += phases[even + j]
                line[2 * j + 1] += phases[odd + j]
                j += 1
            }
            if 2 * j < g.width { line[2 * j] += phases[even + j] }
        }
    }

    /// Calls `body(line, even, odd)` for every input line of every channel of a stride 2 × 2
    /// split: the line's offset from the first channel's plane, and the offsets of its runs in
    /// phases (a, 0) and (a, 1), a being the line's parity.
    @inline(__always)
    private static func forEachLineByTwo(_ g: ConvolutionGeometry, channels: Int, _ body: (Int, Int, Int) -> Void) {
        let block = channels * g.outputPlane
        for c in 0..<channels {
            for ih in 0..<g.height {
                let even = (ih & 1) * 2 * block + c * g.outputPlane + (ih >> 1) * g.outputWidth
                body(c * g.inputPlane + ih * g.width, even, even + block)
            }
        }
    }

    /// Calls `body(line, phase, count, b)` for every input line of every channel and column phase
    /// b: the line's offset from the first channel's plane, the offset of its run in the
    /// [phase][channel][Ho·Wo] phases, and the run's length (its elements are
    /// line[strideWidth·j + b] for j < count).
    @inline(__always)
    private static func forEachPhaseLine(_ g: ConvolutionGeometry, channels: Int, _ body: (Int, Int, Int, Int) -> Void) {
        let (sh, sw) = (g.strideHeight, g.strideWidth), block = channels * g.outputPlane
        for c in 0..<channels {
            for ih in 0..<g.height {
                for b in 0..<sw {
                    body(c * g.inputPlane + ih * g.width,
                         ((ih % sh) * sw + b) * block + c * g.outputPlane + (ih / sh) * g.outputWidth,
                         (g.width - b + sw - 1) / sw, b)
                }
            }
        }
    }
}
