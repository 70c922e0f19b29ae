import Foundation

/// BERT (Devlin et al. 2019) as Hugging Face's `BertModel`: embeddings, a stack of post-norm
/// encoder layers and an optional pooler (tanh of a dense layer on the first token). Parameter
/// keys are Hugging Face's (`embeddings.word_embeddings.weight`,
/// `encoder.layer.0.attention.self.query.weight`, `pooler.dense.weight`, …), so a `BertModel`
/// folder loads unchanged:
///
/// ```swift
/// let bert = try BertModel(folder: URL(fileURLWithPath: "all-MiniLM-L6-v2"))
/// let tokenizer = try WordPieceTokenizer(folder: …)
/// let batch = tokenizer.encode(batch: ["a red square", "the blue circle"], maximumLength: 256)
/// let output = bert(ids: batch.idTensor, attentionMask: batch.attentionMaskTensor)
/// ```
public final class BertModel: Module {
    public let configuration: BertConfiguration
    public let embeddings: BertEmbeddings
    public let layers: [BertLayer]
    /// The pooler's dense layer (`pooler.dense`), nil for a model saved without it.
    public let pooler: Linear?

    /// A randomly initialised model (weights from `generator`, as PyTorch's defaults for each
    /// layer type, not BERT's truncated-normal pretraining initialisation).
    public init(_ configuration: BertConfiguration, withPooler: Bool = true, generator: inout RandomGenerator) {
        precondition(configuration.problem == nil, "BertModel: \(configuration.problem ?? "")")
        self.configuration = configuration
        embeddings = BertEmbeddings(configuration, generator: &generator)
        layers = (0..<configuration.layerCount).map { _ in BertLayer(configuration, generator: &generator) }
        pooler = withPooler ? Linear(configuration.hiddenSize, configuration.hiddenSize, generator: &generator) : nil
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(_ configuration: BertConfiguration, withPooler: Bool = true) {
        var generator = Random.splitGenerator()
        self.init(configuration, withPooler: withPooler, generator: &generator)
    }

    /// The model of a Hugging Face folder (`config.json` and `model.safetensors` or its shards),
    /// in evaluation mode. Keys may carry the `bert.` prefix of pretraining checkpoints and the
    /// `gamma`/`beta` names of older ones; `embeddings.position_ids` and pretraining heads
    /// (`cls.…`) are ignored. A folder without pooler weights gives a model without a pooler.
    /// With `strict`, any other missing or unexpected key throws, naming them all.
    public convenience init(folder url: URL, strict: Bool = true) throws {
        let folder = ModelFolder(url)
        let configuration = try folder.configuration(BertConfiguration.self)
        let weights = try folder.weightSources()
        let hasPooler = weights.keys.contains { Self.huggingFaceKey($0).hasPrefix("pooler.") }
        var generator = RandomGenerator(seed: 0)
        self.init(configuration, withPooler: hasPooler, generator: &generator)
        try loadPretrained(sources: weights, from: url.path, strict: strict, rename: Self.huggingFaceKey,
                           isHarmless: Self.isUnusedKey)
        eval()
    }

    public override func namedChildren() -> [(String, Module)] {
        var children: [(String, Module)] = [("embeddings", embeddings)]
        children += layers.enumerated().map { ("encoder.layer.\($0.offset)", $0.element) }
        if let pooler { children.append(("pooler.dense", pooler)) }
        return children
    }

    /// The key `key` of a checkpoint under `BertModel`'s names: without the `bert.` prefix of
    /// pretraining checkpoints, and with older LayerNorm names (`gamma`, `beta`) as today's.
    public static func huggingFaceKey(_ key: String) -> String {
        var key = key.hasPrefix("bert.") ? String(key.dropFirst(5)) : key
        if key.hasSuffix("LayerNorm.gamma") { key = String(key.dropLast(5)) + "weight" }
        if key.hasSuffix("LayerNorm.beta") { key = String(key.dropLast(4)) + "bias" }
        return key
    }

    /// Keys BERT checkpoints carry that the encoder does not use: the position-id buffer and the
    /// pretraining heads.
    public static func isUnusedKey(_ key: String) -> Bool {
        key == "embeddings.position_ids" || key.hasPrefix("cls.")
    }

    /// What a forward pass returns.
    public struct Output {
        /// The last layer's states [batch, length, hidden].
        public var lastHiddenState: Tensor
        /// tanh(dense(first token)) [batch, hidden], nil without a pooler.
        public var pooled: Tensor?
        /// The embeddings' output and every layer's, `layerCount + 1` tensors (Hugging Face's
        /// `output_hidden_states`).
        public var hiddenStates: [Tensor]
    }

    /// Encodes token ids [batch, length] (whole numbers). `attentionMask` [batch, length] is 1
    /// for real tokens and 0 for padding, as tokenizers return it; `tokenTypes` defaults to 0.
    public func callAsFunction(ids: Tensor, attentionMask: Tensor? = nil, tokenTypes: Tensor? = nil) -> Output {
        precondition(ids.rank == 2, "BertModel: ids of shape \(ids.shape), expected [batch, length]")
        if let attentionMask {
            precondition(attentionMask.shape == ids.shape, "BertModel: attention mask \(attentionMask.shape), ids \(ids.shape)")
        }
        if let tokenTypes {
            precondition(tokenTypes.shape == ids.shape, "BertModel: token types \(tokenTypes.shape), ids \(ids.shape)")
        }
        let padding = AttentionMask.keyPadding(fromAttentionMask: attentionMask)
        var hidden = embeddings(ids: ids, tokenTypes: tokenTypes)
        var states = [hidden]
        for layer in layers {
            hidden = layer(hidden, padding: padding)
            states.append(hidden)
        }
        let pooled = pooler.map { dense in
            dense(hidden.slice(0..<1, alongAxis: 1).reshaped([ids.shape[0], configuration.hiddenSize])).tanh()
        }
        return Output(lastHiddenState: hidden, pooled: pooled, hiddenStates: states)
    }
}
