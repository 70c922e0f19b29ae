/// A residual block of torchvision's ResNet: the basic block of ResNet-18/34 (two 3×3
/// convolutions) or the bottleneck of ResNet-50 and deeper (1×1, 3×3, 1×1 with four times the
/// width out; the stride on the 3×3 convolution, as torchvision's "v1.5"), each convolution
/// without bias and followed by batch norm, plus a shortcut that is the input itself or, when the
/// shape changes, a strided 1×1 convolution and batch norm (`downsample.0`, `downsample.1`):
///
///     y = relu(F(x) + shortcut(x))
///
/// Keys as torchvision: `conv1`, `bn1`, `conv2`, `bn2`, (`conv3`, `bn3`), `downsample.0`, `downsample.1`.
public final class ResNetBlock: Module, UnaryLayer {
    public let conv1: Conv2d, bn1: BatchNorm2d
    public let conv2: Conv2d, bn2: BatchNorm2d
    public let conv3: Conv2d?, bn3: BatchNorm2d?
    public let downsample: Sequential?
    /// Each convolution with its batch norm, folded into one when evaluating (BatchNormFolding.swift).
    private let folds: [BatchNormFolding]
    private let downsampleFold: BatchNormFolding?

    /// The channels a block of `width` puts out: width, or 4·width for a bottleneck.
    public static func outputChannels(width: Int, bottleneck: Bool) -> Int { bottleneck ? 4 * width : width }

    public init(inputChannels: Int, width: Int, stride: Int, bottleneck: Bool, generator: inout RandomGenerator) {
        let output = Self.outputChannels(width: width, bottleneck: bottleneck)
        if bottleneck {
            conv1 = Conv2d(inputChannels, width, kernelSize: 1, bias: false, generator: &generator)
            conv2 = Conv2d(width, width, kernelSize: 3, stride: stride, padding: 1, bias: false, generator: &generator)
            conv3 = Conv2d(width, output, kernelSize: 1, bias: false, generator: &generator)
            bn3 = BatchNorm2d(output)
        } else {
            conv1 = Conv2d(inputChannels, width, kernelSize: 3, stride: stride, padding: 1, bias: false, generator: &generator)
            conv2 = Conv2d(width, width, kernelSize: 3, padding: 1, bias: false, generator: &generator)
            conv3 = nil
            bn3 = nil
        }
        bn1 = BatchNorm2d(width)
        bn2 = BatchNorm2d(width)
        downsample = stride != 1 || inputChannels != output
            ? Sequential(Conv2d(inputChannels, output, kernelSize: 1, stride: stride, bias: false, generator: &generator),
                         BatchNorm2d(output))
            : nil
        var folds = [BatchNormFolding(conv1, bn1), BatchNormFolding(conv2, bn2)]
        if let conv3, let bn3 { folds.append(BatchNormFolding(conv3, bn3)) }
        self.folds = folds
        downsampleFold = downsample.map { BatchNormFolding($0.layers[0] as! Conv2d, $0.layers[1] as! BatchNorm2d) }
        super.init()
    }

    /// Each convolution with its norm and ReLU, the last one's ReLU after the shortcut is added:
    /// when evaluating, one pass per convolution (`BatchNormFolding`); in training, the layers.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let shortcut = downsampleFold?(x) ?? x
        var y = x
        for fold in folds.dropLast() { y = fold(y, relu: true) }
        return folds.last!(y, residual: shortcut, relu: true)
    }
}
