import FusionKit

/// One branch: convolution, batch normalisation, ReLU, max pooling.
func branch(_ kernel: Int, channels: Int, generator: inout RandomGenerator) -> Sequential {
    Sequential(Conv2d(1, channels, kernelSize: kernel, padding: kernel / 2, generator: &generator),
               BatchNorm2d(channels), ReLU(), MaxPool2d(kernelSize: 2))
}

/// Three convolution branches with different receptive fields (1×1, 3×3, 5×5) over the same
/// image, their feature maps concatenated on the channel axis (the seed documents' multi-channel
/// fusion), then a shared convolution and fully connected layers.
final class MultiBranchNetwork: Module, UnaryLayer {
    let branches: [Sequential]
    let merge: Sequential
    let classifier: Sequential

    init(imageSize: Int, classes: Int, generator: inout RandomGenerator) {
        branches = [branch(1, channels: 4, generator: &generator), branch(3, channels: 8, generator: &generator),
                    branch(5, channels: 8, generator: &generator)]
        merge = Sequential(Conv2d(20, 16, kernelSize: 3, stride: 2, padding: 1, generator: &generator), BatchNorm2d(16), ReLU(),
                           AdaptiveAvgPool2d(outputSize: (3, 3)), Flatten())
        classifier = Sequential(Linear(16 * 9, 32, generator: &generator), ReLU(), Linear(32, classes, generator: &generator))
        super.init()
    }

    func callAsFunction(_ images: Tensor) -> Tensor {
        let features = Tensor.concatenate(branches.map { $0(images) }, alongAxis: 1)
        return classifier(merge(features))
    }
}
