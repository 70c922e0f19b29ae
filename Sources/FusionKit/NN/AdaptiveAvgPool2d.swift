/// Average pooling to a fixed output size; (1, 1) is global average pooling.
public final class AdaptiveAvgPool2d: Module, UnaryLayer {
    public let outputSize: (Int, Int)
    public init(outputSize: (Int, Int) = (1, 1)) { self.outputSize = outputSize; super.init() }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.adaptiveAvgPool2d(outputSize: outputSize) }
}
