import Foundation

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

    public init(model: String, vocabularySize: Int, answerCount: Int, width: Int = 64, seed: UInt64 = 1,
                questionEncoder: PretrainedQuestionSettings? = nil) {
        self.model = model
        self.questionEncoder = questionEncoder
        self.vocabularySize = vocabularySize
        self.answerCount = answerCount
        self.width = width
        self.seed = seed
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
