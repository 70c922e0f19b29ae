import FusionKit

extension Workloads {
    /// A Conv2d layer's forward and backward (weight and bias gradients, and the input gradient
    /// when `inputGradient`), 3×3 kernel, padding 1.
    static func convolutionTraining(batch: Int, inputChannels: Int, outputChannels: Int, size: Int, stride: Int,
                                    inputGradient: Bool) -> Workload {
        let name = "conv2d fwd+bwd \(batch)x\(inputChannels)x\(size)x\(size)->\(outputChannels) s\(stride)"
        return Workload(name: name, sizes: [batch, inputChannels, size, outputChannels, stride, inputGradient ? 1 : 0]) {
            var generator = RandomGenerator(seed: 11)
            let layer = Conv2d(inputChannels, outputChannels, kernelSize: 3, stride: stride, padding: 1, generator: &generator)
            let x = Tensor.randomNormal([batch, inputChannels, size, size], generator: &generator).requiringGradient(inputGradient)
            let outputSize = (size + 2 - 3) / stride + 1
            let upstream = Tensor.randomNormal([batch, outputChannels, outputSize, outputSize], generator: &generator)
            let parameters = layer.parameters()
            let (seconds, floor, operations) = ProductFloor.time {
                for parameter in parameters { parameter.zeroGradient() }
                if inputGradient { x.gradient = nil }
                layer(x).backward(upstream)
            }
            let flops = 2 * Double(batch * outputChannels * outputSize * outputSize * inputChannels * 9) * (inputGradient ? 3 : 2)
            return Record(name: name, fusionkitSeconds: seconds, throughput: flops / seconds / 1e9, throughputUnit: "GFLOP/s",
                          floorSeconds: floor, operations: operations, gflops: operations / seconds / 1e9)
        }
    }
}
