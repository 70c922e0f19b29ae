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

    /// The side of the square images the model sees: what the data settings resize to, or
    /// Sort-of-CLEVR's 75.
    public var imageSide: Int {
        guard let size = data?.preprocessing.outputSize, size.height == size.width else { return 75 }
        return size.height
    }

    /// The configuration as one line of JSON.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Parses `json`, or throws ``VQAError/invalidCheckpoint(path:reason:)`` naming `path`.
    public static func parse(_ json: String, path: String) throws -> VQAModelConfiguration {
        do {
            return try JSONDecoder().decode(VQAModelConfiguration.self, from: Data(json.utf8))
        } catch {
            throw VQAError.invalidCheckpoint(path: path, reason: "its model configuration does not parse (\(error))")
        }
    }
}

/// What a model trained on files needs to read new questions and images as it was trained to.
public struct VQADataSettings: Codable, Equatable, Sendable {
    /// The layout of the training data (`clevr`, `vqa-v2`, `jsonl`).
    public var format: VQAFormat
    public var vocabularies: VQAVocabularies
    public var preprocessing: ImagePreprocessing

    public init(format: VQAFormat, vocabularies: VQAVocabularies, preprocessing: ImagePreprocessing) {
        self.format = format
        self.vocabularies = vocabularies
        self.preprocessing = preprocessing
    }
}
