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
    /// check passes.
    @discardableResult
    public func loadPretrained(_ weights: [String: Tensor], from folder: String, strict: Bool = true,
                               rename: (String) -> String = { $0 },
                               isHarmless: (String) -> Bool = { _ in false }) throws -> PretrainedLoadReport {
        var renamed: [String: Tensor] = [:]
        for (key, tensor) in weights { renamed[rename(key)] = tensor }
        let own = Dictionary(uniqueKeysWithValues: (namedParameters().map { ($0.0, $0.1.value.shape) }
                                                     + namedBuffers().map { ($0.0, $0.1.value.shape) }))
        let missing = Set(own.keys).subtracting(renamed.keys).sorted()
        let foreign = Set(renamed.keys).subtracting(own.keys)
        let ignored = foreign.filter(isHarmless).sorted()
        let unexpected = foreign.subtracting(ignored).sorted()
        if strict && !(missing.isEmpty && unexpected.isEmpty) {
            throw ModelFolderError.keyMismatch(folder: folder, missing: missing, unexpected: unexpected)
        }
        for (key, shape) in own.sorted(by: { $0.key < $1.key }) {
            if let tensor = renamed[key], tensor.shape != shape {
                throw ModelFolderError.shapeMismatch(folder: folder, key: key, expected: shape, found: tensor.shape)
            }
        }
        try loadStateDict(renamed.filter { own[$0.key] != nil }, strict: false)
        return PretrainedLoadReport(missingKeys: missing, unexpectedKeys: unexpected, ignoredKeys: ignored)
    }
}
