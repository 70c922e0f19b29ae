/// One BERT encoder layer, as Hugging Face's `BertLayer` (post-norm):
///
///     a = LayerNorm(x + dropout(dense(attention(x))))
///     y = LayerNorm(a + dropout(dense₂(activation(dense₁(a)))))
///
/// with the keys `attention.self.{query,key,value}`, `attention.output.dense`,
/// `attention.output.LayerNorm`, `intermediate.dense`, `output.dense`, `output.LayerNorm`.
public final class BertLayer: Module {
    public let query: Linear, key: Linear, value: Linear
    public let attentionOutput: Linear
    public let attentionNorm: LayerNorm
    public let intermediate: Linear
    public let output: Linear
    public let outputNorm: LayerNorm
    public let headCount: Int
    public let activation: TransformerActivation
    public let attentionDropout: Float
    let hiddenDropout1: Dropout, hiddenDropout2: Dropout
    /// Where the attention-weight dropout masks come from.
    public var generator: RandomGenerator

    public init(_ configuration: BertConfiguration, generator: inout RandomGenerator) {
        let width = configuration.hiddenSize
        query = Linear(width, width, generator: &generator)
        key = Linear(width, width, generator: &generator)
        value = Linear(width, width, generator: &generator)
        attentionOutput = Linear(width, width, generator: &generator)
        attentionNorm = LayerNorm(width, epsilon: configuration.layerNormEpsilon)
        intermediate = Linear(width, configuration.intermediateSize, generator: &generator)
        output = Linear(configuration.intermediateSize, width, generator: &generator)
        outputNorm = LayerNorm(width, epsilon: configuration.layerNormEpsilon)
        headCount = configuration.headCount
        activation = TransformerActivation(huggingFaceName: configuration.hiddenActivation) ?? .gelu
        attentionDropout = configuration.attentionDropout
        hiddenDropout1 = Dropout(configuration.hiddenDropout, seed: generator.next())
        hiddenDropout2 = Dropout(configuration.hiddenDropout, seed: generator.next())
        self.generator = RandomGenerator(seed: generator.next())
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] {
        [("attention.self.query", query), ("attention.self.key", key), ("attention.self.value", value),
         ("attention.output.dense", attentionOutput), ("attention.output.LayerNorm", attentionNorm),
         ("attention.output.dropout", hiddenDropout1), ("intermediate.dense", intermediate),
         ("output.dense", output), ("output.LayerNorm", outputNorm), ("output.dropout", hiddenDropout2)]
    }

    /// `x` [batch, length, hidden]; `padding` [batch, length], non-zero where a token is padding
    /// (no query attends to it).
    public func callAsFunction(_ x: Tensor, padding: Tensor?) -> Tensor {
        let (attended, _) = Attention.multiHead(query: query(x), key: key(x), value: value(x), heads: headCount,
                                                mask: AttentionMask(keyPadding: padding),
                                                dropout: isTraining ? attentionDropout : 0, generator: &generator)
        let a = attentionNorm(x + hiddenDropout1(attentionOutput(attended)))
        return outputNorm(a + hiddenDropout2(output(activation(intermediate(a)))))
    }
}
