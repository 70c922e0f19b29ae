/// Resizes NCHW feature maps (torch.nn.Upsample) by integer factors.
public final class Upsample: Module, UnaryLayer {
    public let scale: (Int, Int), mode: Tensor.UpsamplingMode
    public init(scale: Int, mode: Tensor.UpsamplingMode = .nearest) {
        self.scale = (scale, scale)
        self.mode = mode
        super.init()
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.upsample(scale: scale, mode: mode) }
}
