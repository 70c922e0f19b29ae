/// Why a state dict could not be loaded into a module.
public enum StateDictError: DescribedError, Equatable {
    /// The keys differ: the module has parameters or buffers the state dict does not provide
    /// (`missing`), and the state dict holds keys the module does not have (`unexpected`). Both
    /// lists are sorted; either may be empty, not both.
    case keyMismatch(missing: [String], unexpected: [String])
    /// A tensor's shape differs from the module's.
    case shapeMismatch(key: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case let .keyMismatch(missing, unexpected):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing keys: \(missing.joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("unexpected keys: \(unexpected.joined(separator: ", "))") }
            return "state dict does not match the module; " + parts.joined(separator: "; ")
        case let .shapeMismatch(key, expected, found):
            return "state dict entry \(key) has shape \(found), the module expects \(expected)"
        }
    }
}

/// What loading a state dict found, as PyTorch's `load_state_dict` returns it: the module's keys
/// the state dict did not provide, and the state dict's keys the module does not have.
public struct StateDictLoadReport: Equatable, Sendable {
    /// The module's parameters and buffers that were left as they were, sorted.
    public var missingKeys: [String]
    /// The state dict's keys that were ignored, sorted.
    public var unexpectedKeys: [String]

    public init(missingKeys: [String], unexpectedKeys: [String]) {
        self.missingKeys = missingKeys
        self.unexpectedKeys = unexpectedKeys
    }

    /// Whether the keys matched exactly.
    public var isExactMatch: Bool { missingKeys.isEmpty && unexpectedKeys.isEmpty }
}

extension Module {
    /// Every parameter and buffer by its PyTorch-style key (`encoder.0.weight`), as plain tensors.
    public func stateDict() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, parameter) in namedParameters() { result[name] = parameter.value.detached() }
        for (name, buffer) in namedBuffers() { result[name] = buffer.value }
        return result
    }

    /// Replaces parameters and buffers with the state dict's tensors and reports the keys that did
    /// not match. With `strict` (the default) any missing or unexpected key throws
    /// ``StateDictError/keyMismatch(missing:unexpected:)`` naming all of them; without it, unknown
    /// keys are ignored and missing ones left as they are, and the returned report lists both, as
    /// PyTorch's `load_state_dict(strict=False)` does. A shape that differs throws in both modes.
    /// Nothing is changed unless every check passes.
    @discardableResult
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws -> StateDictLoadReport {
        let parameters = namedParameters(), buffers = namedBuffers()
        let known = Set(parameters.map(\.0) + buffers.map(\.0))
        let report = StateDictLoadReport(missingKeys: known.subtracting(state.keys).sorted(),
                                         unexpectedKeys: Set(state.keys).subtracting(known).sorted())
        if strict && !report.isExactMatch {
            throw StateDictError.keyMismatch(missing: report.missingKeys, unexpected: report.unexpectedKeys)
        }
        for (name, parameter) in parameters {
            if let tensor = state[name], tensor.shape != parameter.shape {
                throw StateDictError.shapeMismatch(key: name, expected: parameter.shape, found: tensor.shape)
            }
        }
        for (name, buffer) in buffers {
            if let tensor = state[name], tensor.shape != buffer.value.shape {
                throw StateDictError.shapeMismatch(key: name, expected: buffer.value.shape, found: tensor.shape)
            }
        }
        for (name, parameter) in parameters { if let tensor = state[name] { parameter.value = tensor } }
        for (name, buffer) in buffers { if let tensor = state[name] { buffer.value = tensor } }
        return report
    }
}
