/// The weights that resample one axis of an image from `inputCount` to `outputCount` samples:
/// output `o` is `Σₖ weights[o · tapsPerOutput + k] · input[firstTap[o] + k]` for
/// `k < tapCount[o]`. Computed once per axis and call, then applied to every row or column.
///
/// Both constructors follow PyTorch's CPU kernels for float32 images, including the places where
/// they compute in `Float` rather than `Double`, so that resized images agree with
/// `torch.nn.functional.interpolate(..., mode="bilinear", align_corners=False)` to an ulp or two
/// instead of drifting by the rounding of the scale and the centres (up to ~4e-6).
struct ResamplingAxis: Sendable {
    let inputCount: Int
    let outputCount: Int
    /// The widest output's number of taps; `weights` holds this many per output, zero-padded.
    let tapsPerOutput: Int
    /// The first input index that output `o` reads.
    let firstTap: [Int]
    /// How many consecutive inputs output `o` reads (at most `tapsPerOutput`).
    let tapCount: [Int]
    /// `outputCount × tapsPerOutput` weights; each output's weights sum to 1.
    let weights: [Float]

    /// True when the axis keeps its size: the pass is then a copy and can be skipped.
    var isIdentity: Bool { inputCount == outputCount }

    /// Antialiased bilinear (PIL's and torch's `antialias=True`): a triangle filter centred on
    /// each output's footprint, `scale = input / output` input pixels wide. When shrinking, the
    /// triangle's support widens from ±1 to ±scale input pixels (and its slope flattens by the
    /// same factor) so that every input pixel contributes, instead of the two nearest; when
    /// enlarging, it is ordinary bilinear. Weights are clipped at the image border and
    /// renormalised to sum to 1.
    static func antialiasedBilinear(inputCount: Int, outputCount: Int) -> ResamplingAxis {
        // The scale, support and centre are Float in torch's kernel, with the `+ 0.5` terms in
        // Double; the same promotions are kept here.
        let scale = Float(inputCount) / Float(outputCount)
        let support: Float = scale >= 1 ? scale : 1
        let inverseScale: Float = scale >= 1 ? Float(1.0 / Double(scale)) : 1
        let taps = Int(support.rounded(.up)) * 2 + 1
        var firstTap = [Int](repeating: 0, count: outputCount)
        var tapCount = [Int](repeating: 0, count: outputCount)
        var weights = [Float](repeating: 0, count: outputCount * taps)
        for output in 0..<outputCount {
            let center = Float(Double(scale) * (Double(output) + 0.5))
            let first = max(Int(Double(center - support) + 0.5), 0)
            let end = min(Int(Double(center + support) + 0.5), inputCount)
            let count = min(end - first, taps)
            var total: Float = 0
            for k in 0..<count {
                let distance = Float((Double(Float(k + first) - center) + 0.5) * Double(inverseScale))
                let weight = max(0, 1 - abs(distance))
                weights[output * taps + k] = weight
                total += weight
            }
            if total != 0 {
                for k in 0..<count { weights[output * taps + k] /= total }
            }
            firstTap[output] = first
            tapCount[output] = count
        }
        return ResamplingAxis(inputCount: inputCount, outputCount: outputCount, tapsPerOutput: taps,
                              firstTap: firstTap, tapCount: tapCount, weights: weights)
    }

    /// Plain bilinear with half-pixel centres (`align_corners=False`, no antialiasing): output
    /// `o` samples the input at `scale · (o + ½) − ½` (clamped at 0) from its two neighbours,
    /// whatever the scale — a shrink by more than 2 skips input pixels and aliases.
    static func bilinear(inputCount: Int, outputCount: Int) -> ResamplingAxis {
        var firstTap = [Int](repeating: 0, count: outputCount)
        var tapCount = [Int](repeating: 2, count: outputCount)
        var weights = [Float](repeating: 0, count: outputCount * 2)
        let scale = Float(inputCount) / Float(outputCount)
        for output in 0..<outputCount {
            if inputCount == outputCount {
                firstTap[output] = output
                tapCount[output] = 1
                weights[output * 2] = 1
                continue
            }
            // scale · (o + ½) − ½ as one fused multiply-add: torch's x86 kernels are compiled
            // with contraction, and fusing here reproduces their source positions to the bit
            // (an unfused product is up to an ulp of the position away, ~4e-6 at 64).
            let source = max((-0.5 as Float).addingProduct(scale, Float(output) + 0.5), 0)
            let index = min(Int(source.rounded(.down)), inputCount - 1)
            let fraction = min(max(source - Float(index), 0), 1)
            firstTap[output] = index
            if index < inputCount - 1 {
                weights[output * 2] = 1 - fraction
                weights[output * 2 + 1] = fraction
            } else {
                // The last input pixel: torch reads it twice with weights summing to 1.
                tapCount[output] = 1
                weights[output * 2] = 1
            }
        }
        return ResamplingAxis(inputCount: inputCount, outputCount: outputCount, tapsPerOutput: 2,
                              firstTap: firstTap, tapCount: tapCount, weights: weights)
    }
}
