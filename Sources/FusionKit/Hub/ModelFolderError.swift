/// Why a Hugging Face model folder could not be loaded. Every case names the file or folder.
public enum ModelFolderError: DescribedError, Equatable {
    /// A file the folder needs is not there (`what` says which, for example "model.safetensors or
    /// model.safetensors.index.json").
    case missingFile(folder: String, what: String)
    /// `config.json` cannot be read as the model's configuration.
    case invalidConfiguration(path: String, reason: String)
    /// `model.safetensors.index.json` is malformed or disagrees with its shards.
    case invalidIndex(path: String, reason: String)
    /// A weights file is not a valid safetensors file.
    case invalidWeights(SafeTensorsError)
    /// The weights do not fit the architecture: keys the model needs are absent, or keys the
    /// folder holds are neither the model's nor known to be harmless.
    case keyMismatch(folder: String, missing: [String], unexpected: [String])
    /// A tensor has another shape than the configuration implies.
    case shapeMismatch(folder: String, key: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case let .missingFile(folder, what):
            return "\(folder): no \(what) in the model folder"
        case let .invalidConfiguration(path, reason):
            return "\(path): not a usable model configuration: \(reason)"
        case let .invalidIndex(path, reason):
            return "\(path): invalid shard index: \(reason)"
        case let .invalidWeights(error):
            return error.description
        case let .keyMismatch(folder, missing, unexpected):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.count) keys (\(listed(missing)))") }
            if !unexpected.isEmpty { parts.append("\(unexpected.count) unexpected keys (\(listed(unexpected)))") }
            return "\(folder): the weights do not fit the model: " + parts.joined(separator: "; ")
        case let .shapeMismatch(folder, key, expected, found):
            return "\(folder): tensor \(key) has shape \(found), the configuration implies \(expected)"
        }
    }
}

/// The first few keys of a long list, then how many more.
private func listed(_ keys: [String]) -> String {
    keys.count <= 8 ? keys.joined(separator: ", ") : keys.prefix(8).joined(separator: ", ") + ", … \(keys.count - 8) more"
}
