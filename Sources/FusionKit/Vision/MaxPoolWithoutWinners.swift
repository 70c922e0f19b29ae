/// How max pooling runs (`maxPool2d`, `adaptiveMaxPool2d`).
public enum MaxPoolPath: String, CaseIterable, Sendable {
    /// Window by window, remembering where each maximum lies for backward: the definition, and
    /// the path whenever a gradient is recorded.
    case reference
    /// Without a gradient to record: per output row, the maximum of its window's input rows
    /// column by column, then of each window's columns of that line. Nothing is remembered, and
    /// each input row is read once per output row instead of once per window.
    case withoutWinners
}

extension Tensor {
    /// A path to run instead of the chosen one, for tests (`Tensor.$forcedMaxPoolPath.withValue(.reference) { … }`);
    /// `.withoutWinners` forced where a gradient is recorded runs `.reference`.
    @TaskLocal public static var forcedMaxPoolPath: MaxPoolPath?

    /// The maximum of each window rows(oh) × columns(ow) of every plane of this [N, C, H, W]
    /// tensor into [N, C, Ho, Wo]; a window holding NaN gives NaN, as the reference path does.
    func maxPooledWithoutWinners(_ g: ConvolutionGeometry, rowRanges: [Range<Int>], columnRanges: [Range<Int>]) -> Tensor {
        let (outputHeight, outputWidth) = (rowRanges.count, columnRanges.count)
        let planes = g.batch * g.channels, outputPlane = outputHeight * outputWidth, width = g.width
        let result = Tensor(uninitializedShape: [g.batch, g.channels, outputHeight, outputWidth])
        withPointer { source in
            result.withFreshPointer { target in
                Parallel.forEachChunk(count: planes, elementsEach: g.inputPlane, minimumElements: Tuning.parallelArithmeticElements) { range in
                    let line = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(width, 1))
                    defer { line.deallocate() }
                    for plane in range {
                        let input = source + plane * g.inputPlane, output = target + plane * outputPlane
                        for oh in 0..<outputHeight {
                            let rows = rowRanges[oh]
                            line.update(from: input + rows.lowerBound * width, count: width)
                            for r in rows.dropFirst() {
                                let row = input + r * width
                                // NaN wins: once in `line` it stays, as no comparison with it holds.
                                for c in 0..<width where row[c] > line[c] || row[c].isNaN { line[c] = row[c] }
                            }
                            for ow in 0..<outputWidth {
                                let columns = columnRanges[ow]
                                var best = line[columns.lowerBound]
                                for c in columns.dropFirst() where line[c] > best || line[c].isNaN { best = line[c] }
                                output[oh * outputWidth + ow] = best
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
