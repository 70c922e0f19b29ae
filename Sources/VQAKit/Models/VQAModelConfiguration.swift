import Foundation
import FusionKitData

/// Which model to build and how wide: everything needed to rebuild a model before loading its
/// weights, stored as JSON in each checkpoint's metadata.
public struct VQAModelConfiguration: Codable, Equatable, Sendable {
    /// The catalogue name (`vqa train --model <name>`).
    public var model: String
    /// Token ids in 0..<vocabularySize.
    public var vocabularySize: Int
    /// Answer classes.
    public var answerCount: Int
    /// The main hidden width.
    public var width: Int
    /// The seed of the initial weights.
    public var seed: UInt64
    /// A pretrained text encoder for the questions instead of the GRU; nil: the GRU.
    public var questionEncoder: PretrainedQuestionSettings?
    /// For a model trained on a data set on disk: its vocabularies and how its images are
    /// prepared, so that `vqa eval` and `vqa ask` encode questions and images as training did;
    /// nil for Sort-of-CLEVR generated in memory (its fixed vocabulary and 75×75 images).
    public var data: VQADataSettings?
    /// For a model trained on cached features of a pretrained image encoder (`vqa features`):
    /// their shape; the models' image encoders then read those maps instead of pixels.
    public var imageFeatures: ImageFeatureSettings?
    /// For a model that reads pixels through a pretrained ResNet of its own (`vqa train
    /// --image-encoder`): that backbone, frozen or with its last stages trained.
    public var imageBackbone: ImageBackboneSettings?

    // Deliberate pattern (same shape as Sources/VQAKit/Training/TrainingOptions.swift:TrainingOptions.init and ImageFeatureSettings.init below): a public memberwise initializer (Swift synthesizes only an internal one) of an unrelated type.
    public init(model: String, vocabularySize: Int, answerCount: Int, width: Int = 64, seed: UInt64 = 1,
                questionEncoder: PretrainedQuestionSettings? = nil, data: VQADataSettings? = nil) {
        self.model = model
        self.data = data
        self.questionEncoder = questionEncoder
        self.vocabularySize = vocabularySize
        self.answerCount = answerCount
        self.width = width
        self.seed = seed
    }

    /// The side of the square input the model sees: the cached feature maps' side, what the data
    /// settings resize images to, or Sort-of-CLEVR's 75.
    public var imageSide: Int {
        if let maps = pretrainedMaps { return maps.side }
        guard let size = data?.preprocessing.outputSize, size.height == size.width else { return 75 }
        return size.height
    }

    /// The channels of the model's input: RGB, or the cached feature maps'.
    public var imageInputChannels: Int { pretrainedMaps?.channels ?? 3 }

    /// The pretrained maps the model's own convolutions read: cached, or made by its backbone.
    public var pretrainedMaps: ImageFeatureSettings? { imageFeatures ?? imageBackbone?.features }

    /// The pretrained backbone the configuration asks for, loaded (nil when there is none).
    public func makeImageBackbone() throws -> PretrainedImageBackbone? {
        try imageBackbone.map { try PretrainedImageBackbone($0.features, trainedStages: $0.trainedStages) }
    }

    /// A model's image-encoder layers for this configuration: as given for images; with stride 1
    /// throughout for cached feature maps, which a pretrained encoder has already made coarse.
    public func imageLayers(_ layers: [(channels: Int, stride: Int)]) -> [(channels: Int, stride: Int)] {
        pretrainedMaps == nil ? layers : layers.map { ($0.channels, 1) }
    }

    /// The side of the feature map after `layers` (3×3 convolutions with padding 1).
    public func imageGrid(after layers: [(channels: Int, stride: Int)]) -> Int {
        imageLayers(layers).reduce(imageSide) { side, layer in (side - 1) / layer.stride + 1 }
    }

    /// The configuration as one line of JSON.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Parses `json`, or throws ``VQAError/invalidCheckpoint(path:reason:)`` naming `path`.
    public static func parse(_ json: String, path: String) throws -> VQAModelConfiguration {
        let configuration: VQAModelConfiguration
        do {
            configuration = try JSONDecoder().decode(VQAModelConfiguration.self, from: Data(json.utf8))
        } catch {
            throw VQAError.invalidCheckpoint(path: path, reason: "its model configuration does not parse (\(error))")
        }
        if let problem = configuration.problem {
            throw VQAError.invalidCheckpoint(path: path, reason: "its model configuration cannot be built: \(problem)")
        }
        return configuration
    }

    /// What makes this configuration unusable (sizes out of range, vocabularies that disagree with
    /// the sizes), or nil: a checkpoint's metadata comes from outside and is checked before any
    /// model or buffer is sized from it.
    public var problem: String? {
        guard (1...1_000_000).contains(vocabularySize), (1...100_000).contains(answerCount) else {
            return "vocabulary size \(vocabularySize) or answer count \(answerCount) out of range"
        }
        guard (8...4096).contains(width) else { return "width \(width) outside 8...4096" }
        if let data {
            guard data.vocabularies.words.count == vocabularySize, data.vocabularies.answers.count == answerCount else {
                return "its vocabularies (\(data.vocabularies.words.count) words, \(data.vocabularies.answers.count) answers) "
                    + "disagree with its sizes (\(vocabularySize), \(answerCount))"
            }
            guard (1...512).contains(data.vocabularies.questionLength) else {
                return "question length \(data.vocabularies.questionLength) outside 1...512"
            }
            if let size = data.preprocessing.outputSize, !((1...4096).contains(size.height) && (1...4096).contains(size.width)) {
                return "image size \(size.height)×\(size.width) outside 1...4096"
            }
        }
        for maps in [imageFeatures, imageBackbone?.features].compactMap({ $0 }) {
            guard (1...65_536).contains(maps.channels), (1...1024).contains(maps.side) else {
                return "image feature maps of \(maps.channels) × \(maps.side) × \(maps.side) out of range"
            }
        }
        return nil
    }
}

/// What a model trained on files needs to read new questions and images as it was trained to.
public struct VQADataSettings: Codable, Equatable, Sendable {
    /// The layout of the training data (`clevr`, `vqa-v2`, `jsonl`).
    public var format: VQAFormat
    public var vocabularies: VQAVocabularies
    public var preprocessing: ImagePreprocessing

    // Deliberate pattern (same shape as Sources/FusionKitData/VQA/VQADataset.swift:VQAVocabularies.init): a public memberwise initializer (Swift synthesizes only an internal one) of an unrelated type.
    public init(format: VQAFormat, vocabularies: VQAVocabularies, preprocessing: ImagePreprocessing) {
        self.format = format
        self.vocabularies = vocabularies
        self.preprocessing = preprocessing
    }
}

/// The cached feature maps a model was trained on: their shape, and the frozen encoder that
/// makes them (so that `vqa ask --image` can compute a new picture's map).
public struct ImageFeatureSettings: Codable, Equatable, Sendable {
    /// Each image's map is `channels` × `side` × `side`.
    public var channels: Int
    public var side: Int
    /// The encoder (`resnet18` … `resnet152`, `clip`, `vit`), its weights file or model folder, and
    /// the ResNet stage whose output is kept (0 for the transformers: their last layer).
    public var encoder: String
    public var weights: String
    public var stage: Int
    /// How images are prepared for the encoder.
    public var preprocessing: ImagePreprocessing

    // Deliberate pattern (same shape as VQAModelConfiguration.init above and Sources/SortOfCLEVR/Harder/HarderScene.swift:HarderObject.init): a public memberwise initializer (Swift synthesizes only an internal one) of an unrelated type.
    public init(channels: Int, side: Int, encoder: String, weights: String, stage: Int, preprocessing: ImagePreprocessing) {
        self.channels = channels
        self.side = side
        self.encoder = encoder
        self.weights = weights
        self.stage = stage
        self.preprocessing = preprocessing
    }

    /// "resnet18 stage 4 (512 × 7 × 7)", "clip (768 × 7 × 7)".
    public var source: String {
        (stage > 0 ? "\(encoder) stage \(stage)" : encoder) + " (\(channels) × \(side) × \(side))"
    }
}

/// A pretrained image backbone inside a model: what it is and how much of it trains.
public struct ImageBackboneSettings: Codable, Equatable, Sendable {
    public var features: ImageFeatureSettings
    /// Stages trained, from the last kept one back (0: frozen).
    public var trainedStages: Int

    // Deliberate pattern (same shape as Sources/FusionKitData/VQA/VQAExample.swift:AnswerTarget.init): a public memberwise initializer (Swift synthesizes only an internal one) of an unrelated type.
    public init(features: ImageFeatureSettings, trainedStages: Int) {
        self.features = features
        self.trainedStages = trainedStages
    }
}
