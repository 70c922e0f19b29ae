/// A Hugging Face `CLIPConfig` (`config.json`): the text and vision towers and the shared
/// embedding width, with `openai/clip-vit-base-patch32`'s values for absent fields.
public struct CLIPConfiguration: Codable, Equatable, Sendable, PretrainedConfiguration {
    /// One tower's transformer (`text_config` or `vision_config`).
    public struct Tower: Codable, Equatable, Sendable {
        public var hiddenSize: Int
        public var intermediateSize: Int
        public var layerCount: Int
        public var headCount: Int
        public var hiddenActivation = "quick_gelu"
        public var layerNormEpsilon: Float = 1e-5
        // Text only.
        public var vocabularySize = 49408
        public var maximumPositions = 77
        public var endOfTextTokenID = 49407
        // Vision only.
        public var imageSize = 224
        public var patchSize = 32
        public var channelCount = 3

        public init(hiddenSize: Int, intermediateSize: Int, layerCount: Int, headCount: Int) {
            (self.hiddenSize, self.intermediateSize, self.layerCount, self.headCount) = (hiddenSize, intermediateSize, layerCount, headCount)
        }

        enum CodingKeys: String, CodingKey {
            case hiddenSize = "hidden_size", intermediateSize = "intermediate_size", layerCount = "num_hidden_layers"
            case headCount = "num_attention_heads", hiddenActivation = "hidden_act", layerNormEpsilon = "layer_norm_eps"
            case vocabularySize = "vocab_size", maximumPositions = "max_position_embeddings", endOfTextTokenID = "eos_token_id"
            case imageSize = "image_size", patchSize = "patch_size", channelCount = "num_channels"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
                try container.decodeIfPresent(T.self, forKey: key) ?? fallback
            }
            self.init(hiddenSize: try value(.hiddenSize, 512), intermediateSize: try value(.intermediateSize, 2048),
                      layerCount: try value(.layerCount, 12), headCount: try value(.headCount, 8))
            hiddenActivation = try value(.hiddenActivation, hiddenActivation)
            layerNormEpsilon = try value(.layerNormEpsilon, layerNormEpsilon)
            vocabularySize = try value(.vocabularySize, vocabularySize)
            maximumPositions = try value(.maximumPositions, maximumPositions)
            endOfTextTokenID = try value(.endOfTextTokenID, endOfTextTokenID)
            imageSize = try value(.imageSize, imageSize)
            patchSize = try value(.patchSize, patchSize)
            channelCount = try value(.channelCount, channelCount)
        }

        /// Why this tower cannot be built, or nil.
        var problem: String? {
            let sizes = [hiddenSize, intermediateSize, layerCount, headCount, vocabularySize, maximumPositions, imageSize,
                         patchSize, channelCount]
            if sizes.contains(where: { $0 <= 0 || $0 > 1 << 24 }) { return "sizes must be positive and at most 2^24" }
            if hiddenSize % headCount != 0 { return "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(headCount)" }
            if imageSize % patchSize != 0 { return "image_size \(imageSize) is not a multiple of patch_size \(patchSize)" }
            if TransformerActivation(huggingFaceName: hiddenActivation) == nil { return "hidden_act \"\(hiddenActivation)\" is not supported" }
            if !(layerNormEpsilon > 0) { return "layer_norm_eps must be positive" }
            return nil
        }
    }

    public var text: Tower
    public var vision: Tower
    /// The width of the shared image-text space (`projection_dim`).
    public var projectionSize = 512
    /// The initial log of the softmax temperature's inverse (`logit_scale_init_value`, log(1/0.07)).
    public var logitScaleInitialValue: Float = 2.6592

    public init(text: Tower, vision: Tower) {
        (self.text, self.vision) = (text, vision)
    }

    enum CodingKeys: String, CodingKey {
        case text = "text_config", vision = "vision_config", projectionSize = "projection_dim"
        case logitScaleInitialValue = "logit_scale_init_value"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // A tower's absent size fields take the text tower's base values (real configurations state them).
        let text = try container.decodeIfPresent(Tower.self, forKey: .text)
            ?? Tower(hiddenSize: 512, intermediateSize: 2048, layerCount: 12, headCount: 8)
        let vision = try container.decodeIfPresent(Tower.self, forKey: .vision)
            ?? Tower(hiddenSize: 768, intermediateSize: 3072, layerCount: 12, headCount: 12)
        self.init(text: text, vision: vision)
        projectionSize = try container.decodeIfPresent(Int.self, forKey: .projectionSize) ?? projectionSize
        logitScaleInitialValue = try container.decodeIfPresent(Float.self, forKey: .logitScaleInitialValue) ?? logitScaleInitialValue
    }

    /// Why this configuration cannot be built, or nil.
    public var problem: String? {
        if let problem = text.problem { return "text_config: \(problem)" }
        if let problem = vision.problem { return "vision_config: \(problem)" }
        if projectionSize <= 0 || projectionSize > 1 << 24 { return "projection_dim must be positive" }
        return nil
    }
}
