/// Average pooling (torch.nn.AvgPool2d); the stride defaults to the kernel size.
public final class AvgPool2d: Module, UnaryLayer {
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), countIncludePad: Bool
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) {
        kernel = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
        self.countIncludePad = countIncludePad
        super.init()
    }
    public func callAsFunction(_ input: Tensor) -> Tensor {
        input.avgPool2d(kernel: kernel, stride: stride, padding: padding, countIncludePad: countIncludePad)
    }
}
