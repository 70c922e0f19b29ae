import Foundation
import FusionKit

/// A VQA training checkpoint: the model and optimizer state (FusionKit's `Checkpoint`, one
/// safetensors file written atomically) plus, in its metadata, the model configuration, the
/// training options, the data it was trained on and the history of the run so far.
public struct VQACheckpoint {
    public var configuration: VQAModelConfiguration
    public var options: TrainingOptions
    public var dataIdentity: String
    public var history: TrainingHistory
    /// The epoch in progress, for a checkpoint written in the middle of one (nil after a whole epoch).
    public var progress: EpochProgress?

    public init(configuration: VQAModelConfiguration, options: TrainingOptions, dataIdentity: String,
                history: TrainingHistory, progress: EpochProgress? = nil) {
        self.configuration = configuration
        self.options = options
        self.dataIdentity = dataIdentity
        self.history = history
        self.progress = progress
    }

    static let progressKey = "vqa.progress"
    static let configurationKey = "vqa.configuration", optionsKey = "vqa.options"
    static let dataKey = "vqa.data", historyKey = "vqa.history"

    /// Writes model, optimizer and this description to `url` (temporary file, then rename).
    public func save(model: any VQAModel, optimizer: Optimizer?, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var metadata = [
            Self.configurationKey: configuration.json,
            Self.optionsKey: String(decoding: try encoder.encode(options), as: UTF8.self),
            Self.dataKey: dataIdentity,
            Self.historyKey: String(decoding: try encoder.encode(history), as: UTF8.self),
        ]
        if let progress { metadata[Self.progressKey] = String(decoding: try encoder.encode(progress), as: UTF8.self) }
        try Checkpoint.save(model: model, optimizer: optimizer, metadata: metadata, to: url)
    }

    /// Reads the description of the checkpoint at `url` without building its model.
    public static func describe(_ url: URL) throws -> VQACheckpoint {
        try read(url).description
    }

    /// Builds the model the checkpoint holds and loads its weights (and the optimizer's state
    /// into `optimizer` when given one made for that model). With `expectedModel`, a checkpoint of
    /// another model is an error.
    public static func loadModel(from url: URL, expectedModel: String? = nil) throws -> (model: any VQAModel, checkpoint: VQACheckpoint) {
        let description = try read(url).description
        if let expectedModel, expectedModel != description.configuration.model {
            throw VQAError.modelMismatch(path: url.path, expected: expectedModel, found: description.configuration.model)
        }
        let model = try ModelCatalog.makeModel(description.configuration)
        try restore(model: model, optimizer: nil, from: url)
        return (model, description)
    }

    /// Loads the weights (and optimizer state) of the checkpoint at `url` into `model`.
    public static func restore(model: any VQAModel, optimizer: Optimizer?, from url: URL) throws {
        do {
            _ = try Checkpoint.load(model: model, optimizer: optimizer, from: url)
        } catch {
            throw VQAError.invalidCheckpoint(path: url.path, reason: "\(error)")
        }
    }

    private static func read(_ url: URL) throws -> (description: VQACheckpoint, file: SafeTensorsFile) {
        guard FileManager.default.fileExists(atPath: url.path) else { throw VQAError.missingFile(path: url.path) }
        let file: SafeTensorsFile
        do {
            file = try SafeTensors.read(contentsOf: url)
        } catch {
            throw VQAError.invalidCheckpoint(path: url.path, reason: "\(error)")
        }
        let metadata = file.metadata
        guard let configurationJSON = metadata[configurationKey], let optionsJSON = metadata[optionsKey],
              let dataIdentity = metadata[dataKey], let historyJSON = metadata[historyKey] else {
            throw VQAError.invalidCheckpoint(path: url.path, reason: "it has no VQA metadata (was it written by `vqa train`?)")
        }
        let configuration = try VQAModelConfiguration.parse(configurationJSON, path: url.path)
        do {
            let options = try JSONDecoder().decode(TrainingOptions.self, from: Data(optionsJSON.utf8))
            let history = try JSONDecoder().decode(TrainingHistory.self, from: Data(historyJSON.utf8))
            let progress = try metadata[progressKey].map { try JSONDecoder().decode(EpochProgress.self, from: Data($0.utf8)) }
            return (VQACheckpoint(configuration: configuration, options: options, dataIdentity: dataIdentity, history: history,
                                  progress: progress), file)
        } catch {
            throw VQAError.invalidCheckpoint(path: url.path, reason: "its training metadata does not parse (\(error))")
        }
    }
}
