/// Instance normalisation (Ulyanov et al. 2016): each channel of each sample normalised over its
/// positions — group normalisation with one group per channel. Affine parameters are off by
/// default and no running statistics are kept, as torch.nn.InstanceNorm2d's defaults.
public final class InstanceNorm2d: GroupNorm {
    public init(_ channels: Int, epsilon: Float = 1e-5, affine: Bool = false) {
        super.init(groups: channels, channels: channels, epsilon: epsilon, affine: affine)
    }
}
