import FusionKit

extension Workloads {
    /// A one-layer GRU's forward and backward over a batch-first sequence: the input, weight and
    /// bias gradients from a fixed upstream gradient of the output sequence, as one training step
    /// of that layer would run it.
    static func gruTraining(batch: Int, time: Int, inputs: Int, hidden: Int) -> Workload {
        let name = "gru fwd+bwd \(batch)x\(time)x\(inputs)x\(hidden)"
        return Workload(name: name, sizes: [batch, time, inputs, hidden]) {
            var generator = RandomGenerator(seed: 12)
            let layer = GRU(inputSize: inputs, hiddenSize: hidden, generator: &generator)
            let x = Tensor.randomNormal([batch, time, inputs], generator: &generator).requiringGradient()
            let upstream = Tensor.randomNormal([batch, time, hidden], generator: &generator)
            let parameters = layer.parameters()  // as an optimizer holds them
            let (seconds, floor, operations) = ProductFloor.time {
                for parameter in parameters { parameter.zeroGradient() }
                x.gradient = nil
                layer(x).output.backward(upstream)
            }
            // Forward: batch·time·3h·(in + h) multiply-adds; backward twice that (dX and dW_ih,
            // dh_prev and dW_hh).
            let flops = 6 * Double(batch * time * 3 * hidden * (inputs + hidden))
            return Record(name: name, fusionkitSeconds: seconds, throughput: flops / seconds / 1e9, throughputUnit: "GFLOP/s",
                          floorSeconds: floor, operations: operations, gflops: operations / seconds / 1e9)
        }
    }
}
