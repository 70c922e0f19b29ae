import Foundation

/// ResNet (He et al. 2016) exactly as torchvision builds it — stem (7×7 convolution of stride 2,
/// batch norm, ReLU, 3×3 max pool of stride 2), four stages of residual blocks (`layer1`…`layer4`,
/// widths 64, 128, 256, 512, the last three starting with stride 2), global average pooling and a
/// linear classifier (`fc`) — with torchvision's state-dict keys (`conv1.weight`,
/// `bn1.running_mean`, `layer1.0.conv1.weight`, `layer2.0.downsample.0.weight`, `fc.weight`, …),
/// so a converted torchvision checkpoint loads unchanged:
///
/// ```python
/// import torch, torchvision, safetensors.torch     # once, in Python: .pth files are pickles
/// state = torchvision.models.resnet50(weights="IMAGENET1K_V2").state_dict()
/// safetensors.torch.save_file(state, "resnet50.safetensors")
/// ```
/// ```swift
/// let resnet = ResNet(depth: 50)
/// try resnet.load(from: URL(fileURLWithPath: "resnet50.safetensors"))
/// resnet.eval()                                 // batch norm with the running statistics
/// let grid = resnet.features(images).stages[3]  // [N, 2048, H/32, W/32], for attention fusion
/// ```
public final class ResNet: Module, UnaryLayer {
    /// 18, 34 (basic blocks) or 50, 101, 152 (bottlenecks).
    public let depth: Int
    public let conv1: Conv2d
    public let bn1: BatchNorm2d
    public let layer1: [ResNetBlock], layer2: [ResNetBlock], layer3: [ResNetBlock], layer4: [ResNetBlock]
    public let fc: Linear
    /// The stem's convolution with its norm, folded into one when evaluating (BatchNormFolding.swift).
    private let stemFold: BatchNormFolding

    /// Blocks per stage and whether they are bottlenecks, by depth (torchvision's table).
    public static let architectures: [Int: (blocks: [Int], bottleneck: Bool)] = [
        18: ([2, 2, 2, 2], false), 34: ([3, 4, 6, 3], false),
        50: ([3, 4, 6, 3], true), 101: ([3, 4, 23, 3], true), 152: ([3, 8, 36, 3], true),
    ]

    /// A randomly initialised ResNet of `depth` with `classCount` outputs (PyTorch's default
    /// initialisation of each layer, not torchvision's Kaiming-normal one).
    public init(depth: Int, classCount: Int = 1000, generator: inout RandomGenerator) {
        guard let architecture = Self.architectures[depth] else {
            preconditionFailure("ResNet: depth \(depth) is not one of \(Self.architectures.keys.sorted())")
        }
        self.depth = depth
        conv1 = Conv2d(3, 64, kernelSize: 7, stride: 2, padding: 3, bias: false, generator: &generator)
        bn1 = BatchNorm2d(64)
        var channels = 64
        func stage(_ index: Int, width: Int) -> [ResNetBlock] {
            (0..<architecture.blocks[index]).map { block in
                let made = ResNetBlock(inputChannels: channels, width: width, stride: block == 0 && index > 0 ? 2 : 1,
                                       bottleneck: architecture.bottleneck, generator: &generator)
                channels = ResNetBlock.outputChannels(width: width, bottleneck: architecture.bottleneck)
                return made
            }
        }
        layer1 = stage(0, width: 64)
        layer2 = stage(1, width: 128)
        layer3 = stage(2, width: 256)
        layer4 = stage(3, width: 512)
        fc = Linear(channels, classCount, generator: &generator)
        stemFold = BatchNormFolding(conv1, bn1)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(depth: Int, classCount: Int = 1000) {
        var generator = Random.splitGenerator()
        self.init(depth: depth, classCount: classCount, generator: &generator)
    }

    /// The channels of the last stage (512 or 2048): the width of `features(_:).pooled`.
    public var featureWidth: Int { fc.weight.shape[1] }

    /// What the network computes on the way to its logits.
    public struct Features {
        /// After the stem's max pool: [N, 64, H/4, W/4].
        public var stem: Tensor
        /// After `layer1` … `layer4`: strides 4, 8, 16, 32. The last is the grid attention-based
        /// fusion attends over.
        public var stages: [Tensor]
        /// The last stage averaged over its positions: [N, featureWidth], what concatenation fusion takes.
        public var pooled: Tensor
    }

    /// The features of images [N, 3, H, W] (normalised as the weights expect; for torchvision's
    /// ImageNet weights: mean 0.485, 0.456, 0.406 and standard deviation 0.229, 0.224, 0.225).
    public func features(_ images: Tensor) -> Features {
        precondition(images.rank == 4 && images.shape[1] == 3, "ResNet: images of shape \(images.shape), expected [N, 3, H, W]")
        let stem = stemFold(images, relu: true).maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
        var stages: [Tensor] = []
        var x = stem
        for stage in [layer1, layer2, layer3, layer4] {
            for block in stage { x = block(x) }
            stages.append(x)
        }
        let pooled = x.adaptiveAvgPool2d(outputSize: (1, 1)).reshaped([x.shape[0], x.shape[1]])
        return Features(stem: stem, stages: stages, pooled: pooled)
    }

    /// Class logits [N, classCount].
    public func callAsFunction(_ images: Tensor) -> Tensor { fc(features(images).pooled) }
}
