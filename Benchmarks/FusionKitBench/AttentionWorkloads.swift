import FusionKit

extension Workloads {
    /// Multi-head self-attention's forward and backward (input and every parameter gradient).
    static func attentionTraining(batch: Int, queries: Int, keys: Int, width: Int, heads: Int) -> Workload {
        let name = "mha fwd+bwd \(batch)x\(queries)x\(keys)x\(width) h\(heads)"
        return Workload(name: name, sizes: [batch, queries, keys, width, heads]) {
            var generator = RandomGenerator(seed: 12)
            let attention = MultiheadAttention(embedDimension: width, headCount: heads, generator: &generator)
            let query = Tensor.randomNormal([batch, queries, width], generator: &generator).requiringGradient()
            let memory = Tensor.randomNormal([batch, keys, width], generator: &generator).requiringGradient()
            let upstream = Tensor.randomNormal([batch, queries, width], generator: &generator)
            let parameters = attention.parameters()
            let (seconds, floor, operations) = ProductFloor.time {
                for parameter in parameters { parameter.zeroGradient() }
                query.gradient = nil
                memory.gradient = nil
                attention(query: query, key: memory, value: memory, needWeights: false).output.backward(upstream)
            }
            return Record(name: name, fusionkitSeconds: seconds, floorSeconds: floor, operations: operations,
                          gflops: operations / seconds / 1e9)
        }
    }
}
