/// The sizes of a 2-D convolution or pooling window sliding over an NCHW input, with PyTorch's
/// output-size formula: ⌊(size + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1.
struct ConvolutionGeometry: Equatable {
    var batch: Int, channels: Int, height: Int, width: Int
    var kernelHeight: Int, kernelWidth: Int
    var strideHeight: Int, strideWidth: Int
    var paddingHeight: Int, paddingWidth: Int
    var dilationHeight: Int, dilationWidth: Int

    init(input shape: [Int], kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), op: String) {
        precondition(shape.count == 4, "\(op): expected an NCHW input, got shape \(shape)")
        precondition(kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0 && dilation.0 > 0 && dilation.1 > 0
                     && padding.0 >= 0 && padding.1 >= 0,
                     "\(op): kernel \(kernel), stride \(stride), dilation \(dilation) must be positive and padding \(padding) not negative")
        (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        (kernelHeight, kernelWidth) = kernel
        (strideHeight, strideWidth) = stride
        (paddingHeight, paddingWidth) = padding
        (dilationHeight, dilationWidth) = dilation
        precondition(outputHeight > 0 && outputWidth > 0,
                     "\(op): input \(shape) is too small for kernel \(kernel) with padding \(padding) and dilation \(dilation)")
    }

    var outputHeight: Int { (height + 2 * paddingHeight - dilationHeight * (kernelHeight - 1) - 1) / strideHeight + 1 }
    var outputWidth: Int { (width + 2 * paddingWidth - dilationWidth * (kernelWidth - 1) - 1) / strideWidth + 1 }
    var outputPlane: Int { outputHeight * outputWidth }
    var inputPlane: Int { height * width }

    /// The output columns first..<last whose input column ow·stride + offset lies inside the image.
    func validColumns(offset: Int) -> (Int, Int) {
        let first = offset >= 0 ? 0 : Swift.min((-offset + strideWidth - 1) / strideWidth, outputWidth)
        let limit = width - 1 - offset
        let last = limit < 0 ? first : Swift.max(first, Swift.min(outputWidth, limit / strideWidth + 1))
        return (first, last)
    }

    /// Whether the output is ⌈H/stride⌉ × ⌈W/stride⌉ ("same" padding), so that the unfolding can
    /// work on whole blocks of phase planes (`Unfold.splitPhases`) instead of line by line. Its
    /// column matrix is then tap-major: row t·C + c for kernel tap t = ki·kw + kj and channel c.
    /// Not for a kernel smaller than its stride (a strided 1×1 layer): it reads only some of the
    /// phases, and splitting all of them would copy the whole input to use a part of it.
    var unfoldsByPhase: Bool {
        outputHeight == (height + strideHeight - 1) / strideHeight && outputWidth == (width + strideWidth - 1) / strideWidth
            && kernelHeight >= strideHeight && kernelWidth >= strideWidth
    }

    /// The phase planes of a plane: strideHeight · strideWidth.
    var phaseCount: Int { strideHeight * strideWidth }

    /// Tap (ki, kj) reads phase plane `phase` (index a·strideWidth + b) at row i + rowShift and
    /// column j + columnShift for output (i, j).
    func phaseTap(ki: Int, kj: Int) -> PhaseTap {
        let row = ki * dilationHeight - paddingHeight, column = kj * dilationWidth - paddingWidth
        let (rowShift, a) = Self.floorDivision(row, strideHeight), (columnShift, b) = Self.floorDivision(column, strideWidth)
        return PhaseTap(phase: a * strideWidth + b, rowShift: rowShift, columnShift: columnShift)
    }

    /// Every tap's `phaseTap`, in the order t = ki·kw + kj.
    var phaseTaps: [PhaseTap] {
        (0..<kernelHeight).flatMap { ki in (0..<kernelWidth).map { kj in phaseTap(ki: ki, kj: kj) } }
    }

    /// Where one kernel tap reads in the phase planes (see `phaseTap`).
    struct PhaseTap {
        var phase: Int, rowShift: Int, columnShift: Int
    }

    /// (⌊x / d⌋, x − d·⌊x / d⌋) for d > 0.
    static func floorDivision(_ x: Int, _ d: Int) -> (Int, Int) {
        let quotient = x >= 0 ? x / d : -((-x + d - 1) / d)
        return (quotient, x - d * quotient)
    }

    /// The same window over a single image of the batch.
    var oneImage: ConvolutionGeometry {
        var single = self
        single.batch = 1
        return single
    }
    var kernelArea: Int { kernelHeight * kernelWidth }
}

/// im2col and col2im: the unfolding that turns a convolution into one matrix product.
///
/// For a group of `channels` input channels starting at `firstChannel`, the column matrix has
/// one row per (channel, kernel row, kernel column) and one column per (image, output row,
/// output column): [channels·kh·kw, batch·Ho·Wo]; for `unfoldsByPhase` geometries (one image at
/// a time) the rows are ordered (kernel row, kernel column, channel) instead. Padding reads as
/// zeros. Both run on the calling thread (callers share images out among cores), except that
/// the unfolding by phase shares one large image's taps among the cores when nothing else does.
enum Unfold {
    static func im2col(_ input: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>,
                       _ g: ConvolutionGeometry, firstChannel: Int, channels: Int) {
        if g.unfoldsByPhase { return im2colByPhase(input, columns, g, firstChannel: firstChannel, channels: channels) }
        let rows = channels * g.kernelArea
        let rowLength = g.batch * g.outputPlane
        let (outputHeight, outputWidth, strideWidth) = (g.outputHeight, g.outputWidth, g.strideWidth)
        for row in 0..<rows {
            let c = row / g.kernelArea, ki = (row / g.kernelWidth) % g.kernelHeight, kj = row % g.kernelWidth
            // Per row of the matrix the kernel position is fixed, so the valid span of every
            // output line is too: computed once per row, not once per line.
            let offset = kj * g.dilationWidth - g.paddingWidth
            let (first, last) = g.validColumns(offset: offset)
            let target = columns + row * rowLength
            for n in 0..<g.batch {
                let plane = input + ((n * g.channels) + firstChannel + c) * g.inputPlane
                for oh in 0..<outputHeight {
                    let out = target + n * g.outputPlane + oh * outputWidth
                    let ih = oh * g.strideHeight - g.paddingHeight + ki * g.dilationHeight
                    if ih < 0 || ih >= g.height {
                        for ow in 0..<outputWidth { out[ow] = 0 }
                        continue
                    }
                    let line = plane + ih * g.width + offset
                    for ow in 0..<first { out[ow] = 0 }
                    switch strideWidth {
                    case 1: for ow in first..<last { out[ow] = line[ow] }
                    case 2: gatherEven(line, into: out, first: first, last: last, readable: g.width - offset)
                    default: for ow in first..<last { out[ow] = line[ow * strideWidth] }
                    }
                    for ow in last..<outputWidth { out[ow] = 0 }
                }
            }
        }
    }

    /// The adjoint of im2col: adds every column entry back onto the input position it came from.
    /// `gradient` must be zeroed by the caller. Entries of `columns` that fall in the padding may
    /// be overwritten with zeros.
    static func col2im(_ columns: UnsafeMutablePointer<Float>, _ gradient: UnsafeMutablePointer<Float>,
                       _ g: ConvolutionGeometry, firstChannel: Int, channels: Int) {
        if g.unfoldsByPhase { return col2imByPhase(columns, gradient, g, firstChannel: firstChannel, channels: channels) }
        let rowLength = g.batch * g.outputPlane
        let (outputHeight, outputWidth, strideWidth) = (g.outputHeight, g.outputWidth, g.strideWidth)
        for c in 0..<channels {
            for ki in 0..<g.kernelHeight {
                for kj in 0..<g.kernelWidth {
                    let source = columns + ((c * g.kernelHeight + ki) * g.kernelWidth + kj) * rowLength
                    let offset = kj * g.dilationWidth - g.paddingWidth
                    let (first, last) = g.validColumns(offset: offset)
                    for n in 0..<g.batch {
                        let plane = gradient + ((n * g.channels) + firstChannel + c) * g.inputPlane
                        for oh in 0..<outputHeight {
                            let ih = oh * g.strideHeight - g.paddingHeight + ki * g.dilationHeight
                            if ih < 0 || ih >= g.height { continue }
                            let line = plane + ih * g.width + offset
                            let from = source + n * g.outputPlane + oh * outputWidth
                            switch strideWidth {
                            case 1: for ow in first..<last { line[ow] += from[ow] }
                            case 2: scatterAddEven(from, into: line, first: first, last: last, writable: g.width - offset)
                            default: for ow in first..<last { line[ow * strideWidth] += from[ow] }
                            }
                        }
                    }
                }
            }
        }
    }

    // Stride 2, the downsampling convolution of every VQA image encoder: the line's even
    // elements eight at a time (one 16-float load and a shuffle instead of eight scalar loads;
    // measured in Docs/Benchmarks.md, "PyTorch with its own thread defaults").

    /// out[ow] = line[2·ow] for ow in first..<last; `line[0..<readable]` may be read.
    @inline(__always)
    static func gatherEven(_ line: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>,
                           first: Int, last: Int, readable: Int) {
        var ow = first
        let raw = UnsafeRawPointer(line)
        // A block reads line[2·ow ..< 2·ow + 16].
        while ow + 8 <= last && 2 * ow + 16 <= readable {
            let pair = raw.loadUnaligned(fromByteOffset: 2 * ow * 4, as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(out + ow).storeBytes(of: pair.evenHalf, as: SIMD8<Float>.self)
            ow += 8
        }
        while ow < last {
            out[ow] = line[2 * ow]
            ow += 1
        }
    }

    /// The adjoint of `gatherEven`, written beside it with the same blocking:
    /// line[2·ow] += from[ow] for ow in first..<last; `line[0..<writable]` may be read and written
    /// (odd elements are written back unchanged).
    @inline(__always)
    static func scatterAddEven(_ from: UnsafePointer<Float>, into line: UnsafeMutablePointer<Float>,
                               first: Int, last: Int, writable: Int) {
        var ow = first
        let raw = UnsafeMutableRawPointer(line)
        while ow + 8 <= last && 2 * ow + 16 <= writable {
            var pair = raw.loadUnaligned(fromByteOffset: 2 * ow * 4, as: SIMD16<Float>.self)
            pair.evenHalf += UnsafeRawPointer(from + ow).loadUnaligned(as: SIMD8<Float>.self)
            raw.storeBytes(of: pair, toByteOffset: 2 * ow * 4, as: SIMD16<Float>.self)
            ow += 8
        }
        while ow < last {
            line[2 * ow] += from[ow]
            ow += 1
        }
    }
}
