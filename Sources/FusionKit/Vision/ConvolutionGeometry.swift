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
    var kernelArea: Int { kernelHeight * kernelWidth }
}

/// im2col and col2im: the unfolding that turns a convolution into one matrix product.
///
/// For a group of `channels` input channels starting at `firstChannel`, the column matrix has
/// one row per (channel, kernel row, kernel column) and one column per (image, output row,
/// output column): [channels·kh·kw, batch·Ho·Wo]. Padding reads as zeros.
enum Unfold {
    static func im2col(_ input: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>,
                       _ g: ConvolutionGeometry, firstChannel: Int, channels: Int) {
        let rows = channels * g.kernelArea
        let rowLength = g.batch * g.outputPlane
        Parallel.forEachChunk(count: rows, minimumChunk: Swift.max(1, 32768 / Swift.max(rowLength, 1))) { range in
            for row in range {
                let c = row / g.kernelArea, ki = (row / g.kernelWidth) % g.kernelHeight, kj = row % g.kernelWidth
                let target = columns + row * rowLength
                for n in 0..<g.batch {
                    let plane = input + ((n * g.channels) + firstChannel + c) * g.inputPlane
                    for oh in 0..<g.outputHeight {
                        let out = target + n * g.outputPlane + oh * g.outputWidth
                        let ih = oh * g.strideHeight - g.paddingHeight + ki * g.dilationHeight
                        if ih < 0 || ih >= g.height {
                            out.initialize(repeating: 0, count: g.outputWidth)
                            continue
                        }
                        let line = plane + ih * g.width
                        let offset = kj * g.dilationWidth - g.paddingWidth
                        for ow in 0..<g.outputWidth {
                            let iw = ow * g.strideWidth + offset
                            out[ow] = (iw >= 0 && iw < g.width) ? line[iw] : 0
                        }
                    }
                }
            }
        }
    }

    /// The adjoint of im2col: adds every column entry back onto the input position it came from.
    /// `gradient` must be zeroed by the caller; channels are shared out among cores (each writes
    /// only its own channel planes).
    static func col2im(_ columns: UnsafePointer<Float>, _ gradient: UnsafeMutablePointer<Float>,
                       _ g: ConvolutionGeometry, firstChannel: Int, channels: Int) {
        let rowLength = g.batch * g.outputPlane
        Parallel.forEachChunk(count: channels, minimumChunk: Swift.max(1, 32768 / Swift.max(rowLength * g.kernelArea, 1))) { range in
            for c in range {
                for ki in 0..<g.kernelHeight {
                    for kj in 0..<g.kernelWidth {
                        let source = columns + ((c * g.kernelHeight + ki) * g.kernelWidth + kj) * rowLength
                        for n in 0..<g.batch {
                            let plane = gradient + ((n * g.channels) + firstChannel + c) * g.inputPlane
                            for oh in 0..<g.outputHeight {
                                let ih = oh * g.strideHeight - g.paddingHeight + ki * g.dilationHeight
                                if ih < 0 || ih >= g.height { continue }
                                let line = plane + ih * g.width
                                let from = source + n * g.outputPlane + oh * g.outputWidth
                                let offset = kj * g.dilationWidth - g.paddingWidth
                                for ow in 0..<g.outputWidth {
                                    let iw = ow * g.strideWidth + offset
                                    if iw >= 0 && iw < g.width { line[iw] += from[ow] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
