/// The input gradient of a stride-1 "same" convolution, computed as another "same" convolution.
///
/// When the output has the input's size (stride 1, padding (k − 1)·d / 2), the forward pass is
/// y[o, i, j] = Σ_c Σ_t W[o, c, t] · x[c, i + r_t, j + s_t] over the kernel taps t with offsets
/// (r_t, s_t) = (ki·dh − ph, kj·dw − pw), zero outside the plane. Its adjoint is
///
///     dx[c, p, q] = Σ_o Σ_t W[o, c, t] · dy[o, p − r_t, q − s_t]
///
/// the same kind of sum over dy with every offset negated and the weight's two channel axes
/// swapped. So, per image and group, the columns of dy shifted by (−r_t, −s_t) (tap-major as in
/// `Unfold.im2colByPhase`: one shifted copy of all channels per tap), then one GEMM straight
/// into dx: Wᵀ [in/g, kh·kw·out/g] × columns [kh·kw·out/g, H·W].
///
/// The general backward (dColumns = Wᵀ·dy with K = out/g, then col2im's additions) does the same
/// multiplications with a short K, which runs slower, and then adds kh·kw shifted planes back one
/// by one (measured in Docs/Benchmarks.md, "Tap-major unfolding, convolution input gradients,
/// in-place attention heads").
extension ConvolutionGeometry {
    /// Whether the input gradient can be computed by `Unfold.inputGradientColumns`: stride 1 and
    /// an output the size of the input.
    var inputGradientIsSameConvolution: Bool {
        strideHeight == 1 && strideWidth == 1 && outputHeight == height && outputWidth == width
    }
}

extension Unfold {
    /// The weight [out, in/g, kh, kw] rearranged per group into [in/g, kh·kw·out/g], tap-major:
    /// entry (c, t·out/g + o) of group `group`'s block is W[group·out/g + o, c, t].
    static func inputGradientWeights(_ weight: Tensor, groups: Int) -> Tensor {
        let (outChannels, groupIn) = (weight.shape[0], weight.shape[1])
        return weight.reshaped([groups, outChannels / groups, groupIn, weight.shape[2] * weight.shape[3]]).permuted([0, 2, 3, 1])
    }

    /// The columns of one image's output gradient for `inputGradientWeights`, tap-major: for each
    /// tap t, the `channels` output planes from `firstChannel` of `gradient` ([out, H, W]) shifted
    /// by (−r_t, −s_t), zero where that falls outside (one shifted copy per tap).
    static func inputGradientColumns(_ gradient: UnsafePointer<Float>, _ columns: UnsafeMutablePointer<Float>,
                                     _ g: ConvolutionGeometry, firstChannel: Int, channels: Int) {
        let block = channels * g.outputPlane
        for (index, tap) in g.phaseTaps.enumerated() {
            copyShifted(gradient + firstChannel * g.outputPlane, into: columns + index * block, planes: channels,
                        height: g.outputHeight, width: g.outputWidth, rowShift: -tap.rowShift, columnShift: -tap.columnShift)
        }
    }
}
