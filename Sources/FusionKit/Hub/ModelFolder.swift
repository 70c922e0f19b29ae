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

    /// `config.json` decoded as `type` (whose coding keys are Hugging Face's snake_case names).
    public func configuration<Configuration: Decodable>(_ type: Configuration.Type) throws -> Configuration {
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
    /// integer dtypes too), from `model.safetensors` or from all the shards of the index. Each file
    /// is read tensor by tensor into the tensors' storage, so the weights are held once.
    public func weights() throws -> [String: Tensor] {
        if contains("model.safetensors") { return try read(file("model.safetensors")).tensors }
        guard contains("model.safetensors.index.json") else {
            throw ModelFolderError.missingFile(folder: url.path, what: "model.safetensors or model.safetensors.index.json")
        }
        return try shardedWeights()
    }

    private func read(_ file: URL) throws -> SafeTensorsFile {
        do { return try SafeTensors.read(contentsOf: file) } catch let error as SafeTensorsError {
            throw ModelFolderError.invalidWeights(error)
        }
    }

    /// The shards named by the index, each read once; the index and the shards must agree on
    /// which key lives where.
    private func shardedWeights() throws -> [String: Tensor] {
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
        var tensors: [String: Tensor] = [:]
        for (shard, keys) in keysByShard.sorted(by: { $0.key < $1.key }) {
            guard !shard.isEmpty, !shard.contains("/"), shard != "..", shard != "." else {
                throw invalid("shard name \"\(shard)\" is not a file name in the folder")
            }
            guard contains(shard) else { throw ModelFolderError.missingFile(folder: url.path, what: "shard \(shard)") }
            let contents = try read(file(shard))
            let held = Set(contents.tensors.keys)
            if let absent = keys.subtracting(held).sorted().first {
                throw invalid("\(absent) is listed in \(shard), which does not hold it")
            }
            if let extra = held.subtracting(keys).sorted().first {
                throw invalid("\(shard) holds \(extra), which the index does not list there")
            }
            tensors.merge(contents.tensors) { first, _ in first }
        }
        return tensors
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
