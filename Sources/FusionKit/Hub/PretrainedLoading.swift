/// What loading pretrained weights into a module found besides the keys that matched.
public struct PretrainedLoadReport: Equatable, Sendable {
    /// The module's keys the weights did not provide (left as initialised). Empty when strict.
    public var missingKeys: [String]
    /// Keys of the weights that are neither the module's nor known to be harmless. Empty when strict.
    public var unexpectedKeys: [String]
    /// Keys of the weights known to be unused by this architecture (a buffer such as
    /// `embeddings.position_ids`, a pretraining head), skipped without complaint.
    public var ignoredKeys: [String]
}

extension Module {
    /// Loads weights saved under another program's key names: each key is first renamed by
    /// `rename` (for example dropping a `bert.` prefix, or turning an old `gamma` into `weight`),
    /// then keys for which `isHarmless` holds and that the module lacks are skipped. With `strict`
    /// any other missing or unexpected key throws ``ModelFolderError/keyMismatch(folder:missing:unexpected:)``
    /// naming all of them; a tensor of the wrong shape always throws. Nothing changes unless every
    /// check passes. `folder` names where the weights came from, for messages.
    @discardableResult
    public func loadPretrained(_ weights: [String: Tensor], from folder: String, strict: Bool = true,
                               rename: (String) -> String = { $0 },
                               isHarmless: (String) -> Bool = { _ in false }) throws -> PretrainedLoadReport {
        try loadPretrained(sources: weights.mapValues(WeightSource.init), from: folder, strict: strict, rename: rename,
                           isHarmless: isHarmless)
    }

    /// ``loadPretrained(_:from:strict:rename:isHarmless:)`` from sources that may still be on disk:
    /// every key and shape is checked first, then each weight is read into its parameter's storage.
    /// (A file that fails to read after the checks, because it shrank meanwhile, throws with the
    /// parameters before it already replaced.)
    @discardableResult
    public func loadPretrained(sources: [String: WeightSource], from folder: String, strict: Bool = true,
                               rename: (String) -> String = { $0 },
                               isHarmless: (String) -> Bool = { _ in false }) throws -> PretrainedLoadReport {
        var renamed: [String: WeightSource] = [:]
        for (key, source) in sources { renamed[rename(key)] = source }
        let parameters = Dictionary(uniqueKeysWithValues: namedParameters())
        let buffers = Dictionary(uniqueKeysWithValues: namedBuffers())
        let own = parameters.mapValues(\.shape).merging(buffers.mapValues(\.value.shape)) { first, _ in first }
        let missing = Set(own.keys).subtracting(renamed.keys).sorted()
        let foreign = Set(renamed.keys).subtracting(own.keys)
        let ignored = foreign.filter(isHarmless).sorted()
        let unexpected = foreign.subtracting(ignored).sorted()
        if strict && !(missing.isEmpty && unexpected.isEmpty) {
            throw ModelFolderError.keyMismatch(folder: folder, missing: missing, unexpected: unexpected)
        }
        for (key, shape) in own.sorted(by: { $0.key < $1.key }) {
            if let source = renamed[key], source.shape != shape {
                throw ModelFolderError.shapeMismatch(folder: folder, key: key, expected: shape, found: source.shape)
            }
        }
        for (key, parameter) in parameters.sorted(by: { $0.key < $1.key }) {
            guard let source = renamed[key] else { continue }
            var failure: (any Error)?
            parameter.update { value in
                do { try source.read(into: &value) } catch { failure = error }
            }
            if let failure { throw failure }
        }
        for (key, buffer) in buffers {
            if let source = renamed[key] { buffer.value = try source.load() }
        }
        return PretrainedLoadReport(missingKeys: missing, unexpectedKeys: unexpected, ignoredKeys: ignored)
    }
}
