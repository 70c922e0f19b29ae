import Foundation

/// Why a tokenizer could not be loaded. Every case names the file (or says that the vocabulary
/// came from an array of tokens) and what is wrong with it.
public enum TokenizerError: DescribedError, Equatable, Sendable {
    /// The file at `path` cannot be read: it is missing, unreadable, a directory, a named pipe, ….
    case unreadableFile(path: String, reason: String)
    /// The vocabulary file at `path` holds no line at all.
    case emptyVocabulary(path: String)
    /// Line `line` (counted from 1) of the vocabulary file at `path` (`vocab.txt`, `vocab.json`,
    /// `merges.txt`) is not valid UTF-8.
    case invalidUTF8(path: String, line: Int)
    /// The vocabulary from `source` (a file path, or "the token array") lacks special tokens BERT
    /// needs; `missing` lists them.
    case missingSpecialTokens(source: String, missing: [String])
    /// The tokenizer configuration at `path` (`tokenizer_config.json`) cannot be used.
    case invalidConfiguration(path: String, reason: String)
    /// The byte-pair vocabulary from `source` (the path of a `vocab.json` or `merges.txt` file, or
    /// "the token dictionary" / "the merge list" for one made in memory) cannot be used: `reason`
    /// says why (not a JSON object of token → id, an id that is negative or not unique, a merge of
    /// tokens it lacks, a special token missing, an empty file, …).
    case invalidVocabulary(source: String, reason: String)
    /// Line `line` (counted from 1) of the merges file at `path` is not a merge of two tokens of
    /// the vocabulary: `reason` says why.
    case invalidMerge(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case let .unreadableFile(path, reason):
            return "\(path): \(reason)"
        case let .emptyVocabulary(path):
            return "\(path): the vocabulary file is empty; it should hold one token per line, "
                + "the token on line N (counted from 0) having id N"
        case let .invalidUTF8(path, line):
            return "\(path): line \(line) is not valid UTF-8 text"
        case let .missingSpecialTokens(source, missing):
            return "\(source): the vocabulary lacks \(missing.joined(separator: ", ")); "
                + "a BERT vocabulary holds [PAD], [UNK], [CLS], [SEP] and [MASK], each on a line of its own"
        case let .invalidConfiguration(path, reason):
            return "\(path): not a usable tokenizer configuration: \(reason)"
        case let .invalidVocabulary(source, reason):
            return "\(source): not a usable byte-pair vocabulary: \(reason)"
        case let .invalidMerge(path, line, reason):
            return "\(path): line \(line) is not a usable merge: \(reason)"
        }
    }
}

extension TokenizerError {
    /// The bytes of the regular file at `url` (never a pipe or device, see `FileIO`), or
    /// ``unreadableFile(path:reason:)`` naming it.
    static func readFile(_ url: URL) throws(TokenizerError) -> [UInt8] {
        do {
            return try FileIO.readRegularFile(at: url)
        } catch {
            if case .ioError(_, let reason) = error { throw .unreadableFile(path: url.path, reason: reason) }
            throw .unreadableFile(path: url.path, reason: error.description)
        }
    }
}
