/// Max pooling (torch.nn.MaxPool2d); the stride defaults to the kernel size.
public final class MaxPool2d: Module, UnaryLayer {
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        kernel = (kernelSize, kernelSize)
        self.stride = (stride ?? kernelSize, stride ?? kernelSize)
        self.padding = (padding, padding)
        super.init()
    }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.maxPool2d(kernel: kernel, stride: stride, padding: padding) }
}
