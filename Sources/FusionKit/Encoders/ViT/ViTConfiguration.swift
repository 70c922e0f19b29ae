/// The fields of a Hugging Face `ViTConfig` (`config.json`) that define the network, with its
/// defaults for absent fields (those of `google/vit-base-patch16-224`).
public struct ViTConfiguration: Codable, Equatable, Sendable, PretrainedConfiguration {
    public var hiddenSize = 768
    public var layerCount = 12
    public var headCount = 12
    public var intermediateSize = 3072
    public var hiddenActivation = "gelu"
    public var layerNormEpsilon: Float = 1e-12
    public var imageSize = 224
    public var patchSize = 16
    public var channelCount = 3
    /// Whether the query, key and value projections have biases (all public ViT checkpoints do).
    public var queryKeyValueBias = true

    public init() {}

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "hidden_size", layerCount = "num_hidden_layers", headCount = "num_attention_heads"
        case intermediateSize = "intermediate_size", hiddenActivation = "hidden_act", layerNormEpsilon = "layer_norm_eps"
        case imageSize = "image_size", patchSize = "patch_size", channelCount = "num_channels", queryKeyValueBias = "qkv_bias"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ViTConfiguration()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        hiddenSize = try value(.hiddenSize, defaults.hiddenSize)
        layerCount = try value(.layerCount, defaults.layerCount)
        headCount = try value(.headCount, defaults.headCount)
        intermediateSize = try value(.intermediateSize, defaults.intermediateSize)
        hiddenActivation = try value(.hiddenActivation, defaults.hiddenActivation)
        layerNormEpsilon = try value(.layerNormEpsilon, defaults.layerNormEpsilon)
        imageSize = try value(.imageSize, defaults.imageSize)
        patchSize = try value(.patchSize, defaults.patchSize)
        channelCount = try value(.channelCount, defaults.channelCount)
        queryKeyValueBias = try value(.queryKeyValueBias, defaults.queryKeyValueBias)
    }

    /// Patches along each side of the configured image.
    public var patchesPerSide: Int { imageSize / patchSize }

    /// Why this configuration cannot be built, or nil.
    public var problem: String? {
        let sizes = [hiddenSize, layerCount, headCount, intermediateSize, imageSize, patchSize, channelCount]
        if sizes.contains(where: { $0 <= 0 || $0 > 1 << 24 }) { return "sizes must be positive and at most 2^24" }
        if hiddenSize % headCount != 0 { return "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(headCount)" }
        if imageSize % patchSize != 0 { return "image_size \(imageSize) is not a multiple of patch_size \(patchSize)" }
        if TransformerActivation(huggingFaceName: hiddenActivation) == nil { return "hidden_act \"\(hiddenActivation)\" is not supported" }
        if !queryKeyValueBias { return "qkv_bias false is not supported" }
        if !(layerNormEpsilon > 0) { return "layer_norm_eps must be positive" }
        return nil
    }
}
