/// Global average pooling of each map to a vector, then concatenation (as in two-stream networks
/// fused at the classifier, Simonyan & Zisserman 2014; global pooling from Lin, Chen, Yan,
/// "Network In Network", 2014):
///
///     y = [mean_{h,w} X_1; …; mean_{h,w} X_M]    [batch, ΣC]
///
/// The maps may have different sizes. No parameters.
public final class GlobalPoolingFusion: Module, FusionStrategy {
    public let channels: [Int]

    public init(channels: [Int]) {
        self.channels = channels
        super.init()
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkFeatureMaps(inputs, channels, op: "GlobalPoolingFusion")
        return Tensor.concatenate(inputs.map { $0.mean(alongAxes: [2, 3]) }, alongAxis: 1)
    }
}
