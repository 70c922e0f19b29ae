/// The fields of a Hugging Face `BertConfig` (`config.json`) that define the network, with its
/// defaults for absent fields (those of `bert-base-uncased`).
public struct BertConfiguration: Codable, Equatable, Sendable, PretrainedConfiguration {
    public var vocabularySize = 30522
    public var hiddenSize = 768
    public var layerCount = 12
    public var headCount = 12
    public var intermediateSize = 3072
    /// "gelu" (exact, erf), "gelu_new" / "gelu_pytorch_tanh" (tanh form) or "relu".
    public var hiddenActivation = "gelu"
    public var hiddenDropout: Float = 0.1
    public var attentionDropout: Float = 0.1
    public var maximumPositions = 512
    public var tokenTypeCount = 2
    public var layerNormEpsilon: Float = 1e-12
    public var paddingTokenID = 0
    /// Only "absolute" position embeddings are supported.
    public var positionEmbeddingType = "absolute"

    public init() {}

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size", hiddenSize = "hidden_size", layerCount = "num_hidden_layers"
        case headCount = "num_attention_heads", intermediateSize = "intermediate_size", hiddenActivation = "hidden_act"
        case hiddenDropout = "hidden_dropout_prob", attentionDropout = "attention_probs_dropout_prob"
        case maximumPositions = "max_position_embeddings", tokenTypeCount = "type_vocab_size"
        case layerNormEpsilon = "layer_norm_eps", paddingTokenID = "pad_token_id"
        case positionEmbeddingType = "position_embedding_type"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        let defaults = BertConfiguration()
        vocabularySize = try value(.vocabularySize, defaults.vocabularySize)
        hiddenSize = try value(.hiddenSize, defaults.hiddenSize)
        layerCount = try value(.layerCount, defaults.layerCount)
        headCount = try value(.headCount, defaults.headCount)
        intermediateSize = try value(.intermediateSize, defaults.intermediateSize)
        hiddenActivation = try value(.hiddenActivation, defaults.hiddenActivation)
        hiddenDropout = try value(.hiddenDropout, defaults.hiddenDropout)
        attentionDropout = try value(.attentionDropout, defaults.attentionDropout)
        maximumPositions = try value(.maximumPositions, defaults.maximumPositions)
        tokenTypeCount = try value(.tokenTypeCount, defaults.tokenTypeCount)
        layerNormEpsilon = try value(.layerNormEpsilon, defaults.layerNormEpsilon)
        paddingTokenID = try value(.paddingTokenID, defaults.paddingTokenID)
        positionEmbeddingType = try value(.positionEmbeddingType, defaults.positionEmbeddingType)
    }

    /// Why this configuration cannot be built, or nil.
    public var problem: String? {
        let sizes = [vocabularySize, hiddenSize, layerCount, headCount, intermediateSize, maximumPositions, tokenTypeCount]
        if sizes.contains(where: { $0 <= 0 || $0 > 1 << 24 }) {
            return "sizes must be positive and at most 2^24 (vocab_size, hidden_size, num_hidden_layers, "
                + "num_attention_heads, intermediate_size, max_position_embeddings, type_vocab_size)"
        }
        if hiddenSize % headCount != 0 { return "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(headCount)" }
        if TransformerActivation(huggingFaceName: hiddenActivation) == nil {
            return "hidden_act \"\(hiddenActivation)\" is not one of gelu, gelu_new, gelu_pytorch_tanh, relu"
        }
        if positionEmbeddingType != "absolute" { return "position_embedding_type \"\(positionEmbeddingType)\" is not supported" }
        if !(0..<1).contains(hiddenDropout) || !(0..<1).contains(attentionDropout) { return "dropout probabilities must lie in [0, 1)" }
        if !(layerNormEpsilon > 0) { return "layer_norm_eps must be positive" }
        return nil
    }
}
