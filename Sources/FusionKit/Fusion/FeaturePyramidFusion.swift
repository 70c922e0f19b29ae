/// The top-down pathway of a feature pyramid network (Lin, Dollár, Girshick, He, Hariharan,
/// Belongie, "Feature Pyramid Networks for Object Detection", CVPR 2017), fusing maps of one
/// backbone (or of several streams) at different scales. With maps C_0 (finest) … C_L (coarsest):
///
///     P_L = lateral_L(C_L)
///     P_l = lateral_l(C_l) + up(P_{l+1})      (nearest neighbour, ×2 or to C_l's size)
///     out_l = output_l(P_l)                  (optional 3×3 convolutions, padding 1)
///
/// `lateral_l` are 1×1 convolutions to a common width. `fuse` returns the finest level out_0
/// [batch, width, H_0, W_0]; `pyramid(_:)` returns every level, finest first. Keys:
/// `lateral.l.*`, `output.l.*` (torchvision's FeaturePyramidNetwork calls them inner_blocks and
/// layer_blocks).
public final class FeaturePyramidFusion: Module, FusionStrategy {
    public let channels: [Int]
    public let width: Int
    public let lateral: [Conv2d]
    public let output: [Conv2d]?

    public init(channels: [Int], width: Int, outputConvolutions: Bool = true, generator: inout RandomGenerator) {
        precondition(!channels.isEmpty, "FeaturePyramidFusion: needs at least one level")
        self.channels = channels
        self.width = width
        lateral = channels.map { Conv2d($0, width, kernelSize: 1, generator: &generator) }
        output = outputConvolutions ? channels.map { _ in Conv2d(width, width, kernelSize: 3, padding: 1, generator: &generator) } : nil
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(channels: [Int], width: Int, outputConvolutions: Bool = true) {
        var generator = Random.splitGenerator()
        self.init(channels: channels, width: width, outputConvolutions: outputConvolutions, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor { pyramid(inputs)[0] }

    /// Every fused level [batch, width, H_l, W_l], finest first.
    public func pyramid(_ inputs: [Tensor]) -> [Tensor] {
        checkFeatureMaps(inputs, channels, op: "FeaturePyramidFusion")
        var levels = [Tensor](repeating: Tensor.zeros([0]), count: inputs.count)
        var previous: Tensor?
        for level in inputs.indices.reversed() {
            var current = lateral[level](inputs[level])
            if let coarser = previous {
                let size = (current.shape[2], current.shape[3])
                current = current + (coarser.shape[2] * 2 == size.0 && coarser.shape[3] * 2 == size.1
                    ? coarser.upsample(scale: (2, 2)) : coarser.upsample(size: size))
            }
            previous = current
            levels[level] = output.map { $0[level](current) } ?? current
        }
        return levels
    }
}
