import Foundation

/// A model folder as Hugging Face's `save_pretrained` writes it and the hub serves it:
/// `config.json`, and the weights in `model.safetensors` or in shards listed by
/// `model.safetensors.index.json` (`{"metadata": …, "weight_map": {"key": "model-00001-of-00002.safetensors", …}}`).
/// Tokenizer files (`vocab.txt`, `tokenizer.json`, …) sit beside them.
///
/// ```swift
/// let folder = ModelFolder(URL(fileURLWithPath: "all-MiniLM-L6-v2"))
/// let configuration = try folder.configuration(BertConfiguration.self)
/// let weights = try folder.weights()          // every tensor, converted to Float
/// ```
///
/// PyTorch `.bin` pickles are never read (loading one runs code from the file); convert them with
/// `safetensors.torch.save_file(torch.load(path), "model.safetensors")`.
public struct ModelFolder: Sendable {
    /// The folder.
    public let url: URL

    public init(_ url: URL) { self.url = url }

    /// The path of `name` in the folder.
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Whether the folder holds `name`.
    public func contains(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name).path) }

    /// `config.json` decoded as `type` and checked: a configuration the architecture cannot be
    /// built from throws ``ModelFolderError/invalidConfiguration(path:reason:)`` with its `problem`.
    public func configuration<Configuration: PretrainedConfiguration>(_ type: Configuration.Type) throws -> Configuration {
        let configuration: Configuration = try decodedConfiguration(type)
        if let problem = configuration.problem {
            throw ModelFolderError.invalidConfiguration(path: file("config.json").path, reason: problem)
        }
        return configuration
    }

    /// `config.json` decoded as `type` (whose coding keys are Hugging Face's snake_case names).
    public func decodedConfiguration<Configuration: Decodable>(_ type: Configuration.Type) throws -> Configuration {
        let path = file("config.json")
        guard contains("config.json") else { throw ModelFolderError.missingFile(folder: url.path, what: "config.json") }
        let bytes: [UInt8]
        do { bytes = try FileIO.readRegularFile(at: path) } catch {
            throw ModelFolderError.invalidConfiguration(path: path.path, reason: error.description)
        }
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw ModelFolderError.invalidConfiguration(path: path.path, reason: Self.describe(error))
        } catch {
            throw ModelFolderError.invalidConfiguration(path: path.path, reason: "\(error)")
        }
    }

    /// Every tensor of the folder's weights by its key, converted to `Float` (F16, BF16 and the
    /// integer dtypes too), from `model.safetensors` or from all the shards of the index.
    public func weights() throws -> [String: Tensor] {
        try weightSources().mapValues { try $0.load() }
    }

    /// Loads the folder's weights into `module`, reading each tensor from its file straight into
    /// the parameter's storage (the weights are never held twice), with the key rules of
    /// ``Module/loadPretrained(_:from:strict:rename:isHarmless:)``.
    @discardableResult
    public func load(into module: Module, strict: Bool = true, rename: (String) -> String = { $0 },
                     isHarmless: (String) -> Bool = { _ in false }) throws -> PretrainedLoadReport {
        try module.loadPretrained(sources: weightSources(), from: url.path, strict: strict, rename: rename,
                                  isHarmless: isHarmless)
    }

    /// The weights by key, each file open and its header validated, no tensor read yet: from
    /// `model.safetensors`, or from the shards of `model.safetensors.index.json` (which must agree
    /// with the shards on which key lives where).
    public func weightSources() throws -> [String: WeightSource] {
        if contains("model.safetensors") { return try sources(in: file("model.safetensors")) }
        guard contains("model.safetensors.index.json") else {
            throw ModelFolderError.missingFile(folder: url.path, what: "model.safetensors or model.safetensors.index.json")
        }
        let indexURL = file("model.safetensors.index.json")
        func invalid(_ reason: String) -> ModelFolderError { .invalidIndex(path: indexURL.path, reason: reason) }
        let bytes: [UInt8]
        do { bytes = try FileIO.readRegularFile(at: indexURL) } catch { throw invalid(error.description) }
        let index: ShardIndex
        do { index = try JSONDecoder().decode(ShardIndex.self, from: Data(bytes)) } catch let error as DecodingError {
            throw invalid(Self.describe(error))
        }
        guard !index.weightMap.isEmpty else { throw invalid("weight_map is empty") }
        var keysByShard: [String: Set<String>] = [:]
        for (key, shard) in index.weightMap { keysByShard[shard, default: []].insert(key) }
        var all: [String: WeightSource] = [:]
        for (shard, keys) in keysByShard.sorted(by: { $0.key < $1.key }) {
            guard !shard.isEmpty, !shard.contains("/"), shard != "..", shard != "." else {
                throw invalid("shard name \"\(shard)\" is not a file name in the folder")
            }
            guard contains(shard) else { throw ModelFolderError.missingFile(folder: url.path, what: "shard \(shard)") }
            let held = try sources(in: file(shard))
            if let absent = keys.subtracting(held.keys).sorted().first {
                throw invalid("\(absent) is listed in \(shard), which does not hold it")
            }
            if let extra = Set(held.keys).subtracting(keys).sorted().first {
                throw invalid("\(shard) holds \(extra), which the index does not list there")
            }
            all.merge(held) { first, _ in first }
        }
        return all
    }

    private func sources(in file: URL) throws -> [String: WeightSource] {
        do {
            let reader = try SafeTensorsFileReader(file)
            return Dictionary(uniqueKeysWithValues: reader.entries.map { ($0.name, WeightSource($0, in: reader)) })
        } catch {
            throw ModelFolderError.invalidWeights(error)
        }
    }

    private struct ShardIndex: Decodable {
        var weightMap: [String: String]
        enum CodingKeys: String, CodingKey { case weightMap = "weight_map" }
    }

    /// A decoding error as one line: what was wrong and at which key path.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? "" : " at \(keys.joined(separator: "."))"
        }
        switch error {
        case .keyNotFound(let key, let context): return "\"\(key.stringValue)\" is missing\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return context.debugDescription + path(context)
        @unknown default: return "\(error)"
        }
    }
}

/// A model configuration read from `config.json` that can say why a network cannot be built from it.
public protocol PretrainedConfiguration: Decodable {
    /// Why this configuration cannot be built (sizes out of range, an unknown activation, …), or nil.
    var problem: String? { get }
}
