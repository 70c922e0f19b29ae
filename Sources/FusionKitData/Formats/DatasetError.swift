import FusionKit

/// Why a data set on disk cannot be read. Every case names the file (or folder) and what is wrong,
/// with a line, entry or byte offset where there is one.
public enum DatasetError: DescribedError, Equatable, Sendable {
    /// The file or folder at `path` cannot be read (missing, a directory where a file was
    /// expected, a named pipe, no permission, …).
    case unreadable(path: String, reason: String)
    /// The JSON of `path` is malformed at byte `byteOffset` (counted from 0).
    case malformedJSON(path: String, byteOffset: Int, reason: String)
    /// The JSON object of `path` lacks the key `key` (for example CLEVR's `"questions"`).
    case missingKey(path: String, key: String)
    /// Entry `entry` of `path` (a line of a JSON lines file, counted from 1, or an element of a
    /// JSON array, counted from 0) is not usable: `reason` says why.
    case invalidEntry(path: String, entry: String, reason: String)
    /// The folder at `path` is not in a layout this reader knows, or is ambiguous: `reason` says
    /// what was looked for.
    case unknownLayout(path: String, reason: String)
    /// The split holds no question.
    case empty(path: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "\(path): \(reason)"
        case let .malformedJSON(path, offset, reason): return "\(path): malformed JSON at byte \(offset): \(reason)"
        case let .missingKey(path, key): return "\(path): the JSON object has no \"\(key)\" key"
        case let .invalidEntry(path, entry, reason): return "\(path): \(entry): \(reason)"
        case let .unknownLayout(path, reason): return "\(path): not a data set folder FusionKit knows: \(reason)"
        case let .empty(path): return "\(path): holds no question"
        }
    }
}

extension DatasetError {
    /// `error` from FusionKit's file reader, as ``unreadable(path:reason:)``.
    static func unreadable(_ path: String, _ error: SafeTensorsError) -> DatasetError {
        if case let .ioError(_, reason) = error { return .unreadable(path: path, reason: reason) }
        return .unreadable(path: path, reason: error.description)
    }
}
