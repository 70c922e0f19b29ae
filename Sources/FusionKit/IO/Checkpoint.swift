import Foundation

extension Module {
    /// Writes the state dict as a safetensors file with PyTorch's keys, atomically, so that
    /// `model.load_state_dict(safetensors.torch.load_file(path))` loads it in PyTorch.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try SafeTensors.write(stateDict(), metadata: metadata, to: url)
    }

    /// Loads a safetensors state dict (for example one saved from PyTorch) into this module, with
    /// the key rules of ``loadStateDict(_:strict:)``. Returns the file's metadata and which keys
    /// did not match (always none when `strict`).
    @discardableResult
    public func load(from url: URL, strict: Bool = true) throws -> (metadata: [String: String], report: StateDictLoadReport) {
        let file = try SafeTensors.read(contentsOf: url)
        let report = try loadStateDict(file.tensors, strict: strict)
        return (file.metadata, report)
    }
}

/// A training checkpoint in one safetensors file: the model's state under `model.`, the
/// optimizer's under `optimizer.`, any extra tensors (a generator state, a step counter) under
/// `extra.`, and string metadata. The write is atomic: a crash leaves the previous checkpoint.
public enum Checkpoint {
    /// What `load` returns besides filling the model and optimizer.
    public struct Contents {
        public var metadata: [String: String]
        public var extra: [String: Tensor]
    }

    public static func save(model: Module, optimizer: Optimizer? = nil, extra: [String: Tensor] = [:],
                            metadata: [String: String] = [:], to url: URL) throws {
        var tensors: [String: Tensor] = [:]
        for (key, tensor) in model.stateDict() { tensors["model.\(key)"] = tensor }
        for (key, tensor) in optimizer?.stateDict() ?? [:] { tensors["optimizer.\(key)"] = tensor }
        for (key, tensor) in extra { tensors["extra.\(key)"] = tensor }
        var allMetadata = metadata
        allMetadata["format"] = "fusionkit-checkpoint-1"
        try SafeTensors.write(tensors, metadata: allMetadata, to: url)
    }

    /// Restores the model (and optimizer) from a checkpoint written by `save`. Nothing is
    /// changed unless the whole file reads and every key and shape fits.
    public static func load(model: Module, optimizer: Optimizer? = nil, from url: URL) throws -> Contents {
        let file = try SafeTensors.read(contentsOf: url)
        var modelState: [String: Tensor] = [:], optimizerState: [String: Tensor] = [:], extra: [String: Tensor] = [:]
        var unprefixed: [String] = []
        for (key, tensor) in file.tensors {
            if key.hasPrefix("model.") { modelState[String(key.dropFirst(6))] = tensor }
            else if key.hasPrefix("optimizer.") { optimizerState[String(key.dropFirst(10))] = tensor }
            else if key.hasPrefix("extra.") { extra[String(key.dropFirst(6))] = tensor }
            else { unprefixed.append(key) }
        }
        if !unprefixed.isEmpty { throw StateDictError.keyMismatch(missing: [], unexpected: unprefixed.sorted()) }
        // Check the model first (it throws before changing anything), then the optimizer on a copy.
        let previousModel = model.stateDict()
        try model.loadStateDict(modelState)
        if let optimizer {
            do {
                try optimizer.loadStateDict(optimizerState)
            } catch {
                try model.loadStateDict(previousModel)
                throw error
            }
        }
        return Contents(metadata: file.metadata, extra: extra)
    }
}
