import FusionKit

/// What goes wrong with input from outside the VQA programs: names, files, questions.
public enum VQAError: DescribedError, Equatable {
    /// `--model` named no model of the catalogue.
    case unknownModel(String, known: [String])
    /// No file at the path.
    case missingFile(path: String)
    /// The checkpoint does not read as a FusionKit VQA checkpoint.
    case invalidCheckpoint(path: String, reason: String)
    /// The checkpoint holds another model than the one asked for.
    case modelMismatch(path: String, expected: String, found: String)
    /// The checkpoint was trained on another data set or with other settings than asked for.
    case settingsMismatch(path: String, reason: String)
    /// A value given on the command line is out of range.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .unknownModel(name, known):
            return "unknown model \"\(name)\"; known models: \(known.joined(separator: ", "))"
        case let .missingFile(path):
            return "no file at \(path)"
        case let .invalidCheckpoint(path, reason):
            return "\(path) is not a usable VQA checkpoint: \(reason)"
        case let .modelMismatch(path, expected, found):
            return "\(path) holds a \"\(found)\" model, not \"\(expected)\""
        case let .settingsMismatch(path, reason):
            return "cannot resume from \(path): \(reason)"
        case let .invalidArgument(message):
            return message
        }
    }
}
