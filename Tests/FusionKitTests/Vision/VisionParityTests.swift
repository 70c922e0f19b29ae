import FusionKit
import Foundation
import Testing

/// Convolution, normalisation, pooling, resampling and padding against PyTorch fixtures made by
/// Tests/Fixtures/make_vision_sequence_fixtures.py.
@Suite("Vision parity with PyTorch")
struct VisionParityTests {
    let parity = ParityTests()

    func load(_ name: String) throws -> ParityTests.Fixture { try ParityTests.load(name) }

    static let convolutions: [(String, (Int, Int), (Int, Int), (Int, Int), (Int, Int), Int, Bool)] = [
        ("conv2d_basic", (3, 3), (1, 1), (0, 0), (1, 1), 1, true),
        ("conv2d_stride_pad", (3, 3), (2, 2), (1, 1), (1, 1), 1, true),
        ("conv2d_dilation", (3, 3), (1, 1), (2, 2), (2, 2), 1, true),
        ("conv2d_groups", (3, 3), (1, 1), (1, 1), (1, 1), 2, true),
        ("conv2d_depthwise", (3, 3), (2, 2), (1, 1), (1, 1), 4, true),
        ("conv2d_1x1", (1, 1), (1, 1), (0, 0), (1, 1), 1, true),
        ("conv2d_nobias", (3, 2), (2, 1), (1, 0), (1, 1), 1, false),
    ]

    @Test(arguments: convolutions.indices)
    func convolution(index: Int) throws {
        let (name, kernel, stride, padding, dilation, groups, bias) = Self.convolutions[index]
        let fixture = try load(name)
        let weight = fixture["param.weight"]
        var generator = RandomGenerator(seed: 0)
        let layer = Conv2d(weight.shape[1] * groups, weight.shape[0], kernelSize: kernel, stride: stride, padding: padding,
                           dilation: dilation, groups: groups, bias: bias, generator: &generator)
        try layer.loadStateDict(parity.parameterState(fixture))
        parity.checkLayer(fixture, layer, parameterKeys: bias ? ["weight", "bias"] : ["weight"]) { layer($0) }
    }

    @Test(arguments: [("batchnorm2d_train", true), ("batchnorm2d_eval", false)])
    func batchNorm2d(name: String, training: Bool) throws {
        let fixture = try load(name)
        let layer = BatchNorm2d(3)
        var state = parity.parameterState(fixture)
        state["num_batches_tracked"] = Tensor(0)
        try layer.loadStateDict(state)
        if training { layer.train() } else { layer.eval() }
        parity.checkLayer(fixture, layer, parameterKeys: ["weight", "bias"]) { layer($0) }
        parity.expectClose(layer.runningMean.value, fixture["after.running_mean"], "\(name) running mean")
        parity.expectClose(layer.runningVar.value, fixture["after.running_var"], "\(name) running variance")
    }

    @Test func groupAndInstanceNorm() throws {
        let group = try load("groupnorm")
        let groupNorm = GroupNorm(groups: 2, channels: 4)
        try groupNorm.loadStateDict(parity.parameterState(group))
        parity.checkLayer(group, groupNorm, parameterKeys: ["weight", "bias"]) { groupNorm($0) }
        let instance = try load("instancenorm")
        let instanceNorm = InstanceNorm2d(3, affine: true)
        try instanceNorm.loadStateDict(parity.parameterState(instance))
        parity.checkLayer(instance, instanceNorm, parameterKeys: ["weight", "bias"]) { instanceNorm($0) }
    }

    static func operation(_ name: String) -> (Tensor) -> Tensor {
        switch name {
        case "maxpool2d": return { $0.maxPool2d(kernel: (2, 2)) }
        case "maxpool2d_pad": return { $0.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        case "avgpool2d": return { $0.avgPool2d(kernel: (2, 2)) }
        case "avgpool2d_pad": return { $0.avgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }
        case "adaptive_avgpool2d": return { $0.adaptiveAvgPool2d(outputSize: (1, 1)) }
        case "adaptive_avgpool2d_3x2": return { $0.adaptiveAvgPool2d(outputSize: (3, 2)) }
        case "adaptive_maxpool2d": return { $0.adaptiveMaxPool2d(outputSize: (1, 1)) }
        case "upsample_nearest": return { $0.upsample(scale: (2, 2)) }
        case "upsample_bilinear": return { $0.upsample(scale: (2, 2), mode: .bilinear(alignCorners: false)) }
        case "upsample_bilinear_align": return { $0.upsample(size: (5, 7), mode: .bilinear(alignCorners: true)) }
        default: return { $0.zeroPadded(left: 1, right: 2, top: 0, bottom: 1) }
        }
    }

    @Test(arguments: ["maxpool2d", "maxpool2d_pad", "avgpool2d", "avgpool2d_pad", "adaptive_avgpool2d", "adaptive_avgpool2d_3x2",
                      "adaptive_maxpool2d", "upsample_nearest", "upsample_bilinear", "upsample_bilinear_align", "zeropad2d"])
    func poolingAndResampling(name: String) throws {
        let fixture = try load(name)
        parity.checkLayer(fixture, Module(), parameterKeys: [], Self.operation(name))
    }
}
