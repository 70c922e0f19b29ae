/// Why a state dict could not be loaded into a module.
public enum StateDictError: Error, Equatable, CustomStringConvertible {
    /// The module has parameters or buffers the state dict does not provide.
    case missingKeys([String])
    /// The state dict holds keys the module does not have.
    case unexpectedKeys([String])
    /// A tensor's shape differs from the module's.
    case shapeMismatch(key: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case let .missingKeys(keys): return "state dict is missing \(keys.joined(separator: ", "))"
        case let .unexpectedKeys(keys): return "state dict has unexpected keys \(keys.joined(separator: ", "))"
        case let .shapeMismatch(key, expected, found): return "state dict entry \(key) has shape \(found), the module expects \(expected)"
        }
    }
}

extension Module {
    /// Every parameter and buffer by its PyTorch-style key (`encoder.0.weight`), as plain tensors.
    public func stateDict() -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, parameter) in namedParameters() { result[name] = parameter.value.detached() }
        for (name, buffer) in namedBuffers() { result[name] = buffer.value }
        return result
    }

    /// Replaces parameters and buffers with the state dict's tensors. With `strict`, keys must
    /// match exactly; otherwise unknown keys are ignored and missing ones left as they are.
    /// Nothing is changed unless every check passes.
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws {
        let parameters = namedParameters(), buffers = namedBuffers()
        let known = Set(parameters.map(\.0) + buffers.map(\.0))
        if strict {
            let missing = known.subtracting(state.keys).sorted()
            if !missing.isEmpty { throw StateDictError.missingKeys(missing) }
            let unexpected = Set(state.keys).subtracting(known).sorted()
            if !unexpected.isEmpty { throw StateDictError.unexpectedKeys(unexpected) }
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
    }
}
