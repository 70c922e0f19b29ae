import Foundation

/// The tokens of a BERT WordPiece vocabulary (`vocab.txt`): one token per line, the token on line N
/// (counted from 0) having id N. Pieces that continue a word start with "##" ("play", "##ing").
///
/// Lines are read as Hugging Face's `tokenizers` reads them (the loader behind
/// `BertTokenizerFast.from_pretrained`): split at line feeds, with trailing whitespace — a carriage
/// return, spaces, tabs — removed from each line; leading whitespace is kept, a final line feed is
/// optional, and a blank line is the empty token. When a token appears on several lines, the last
/// one gives its id. A byte-order mark is not skipped: it belongs to the first token.
///
/// The five special tokens `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]` and `[MASK]` must be present.
public struct WordPieceVocabulary: Sendable {
    /// The special tokens every BERT vocabulary holds.
    public static let specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    /// The prefix that marks a piece continuing a word.
    public static let continuationPrefix = "##"

    /// Each line's token, by id.
    public let tokens: [String]
    /// The id of `[PAD]`, which fills the positions after a shorter sequence of a batch.
    public let paddingID: Int
    /// The id of `[UNK]`, which stands for a word the vocabulary cannot spell.
    public let unknownID: Int
    /// The id of `[CLS]`, which starts every encoded sequence.
    public let classifierID: Int
    /// The id of `[SEP]`, which ends every encoded text.
    public let separatorID: Int
    /// The id of `[MASK]`, the token masked-language models predict.
    public let maskID: Int

    /// The tokens by their scalars.
    let tree: TokenPrefixTree
    /// The node after "##" in `tree`: where continuation pieces start; nil if no token starts with "##".
    let continuationNode: TokenPrefixTree.Node?

    /// A vocabulary of `tokens`, the token at index N having id N (the last index, for a token
    /// listed more than once).
    ///
    /// - Throws: ``TokenizerError/missingSpecialTokens(source:missing:)`` if a special token is absent.
    public init(tokens: [String]) throws(TokenizerError) {
        try self.init(tokens: tokens, source: "the token array")
    }

    /// The vocabulary in the `vocab.txt` file at `url`.
    ///
    /// The file is read only if it is a regular file (a named pipe or a device is refused rather
    /// than waited on or read forever).
    ///
    /// - Throws: ``TokenizerError`` naming the file if it cannot be read, is empty, holds a line
    ///   that is not UTF-8, or lacks a special token.
    public init(contentsOf url: URL) throws(TokenizerError) {
        let bytes = try TokenizerError.readFile(url)
        let tokens = try Self.lines(of: bytes, path: url.path)
        guard !tokens.isEmpty else { throw .emptyVocabulary(path: url.path) }
        try self.init(tokens: tokens, source: url.path)
    }

    private init(tokens: [String], source: String) throws(TokenizerError) {
        var tree = TokenPrefixTree()
        for (id, token) in tokens.enumerated() { tree.insert(token, id: id) }
        let ids = Self.specialTokens.map { tree.node(along: $0.unicodeScalars).flatMap(tree.tokenID(at:)) }
        let missing = zip(Self.specialTokens, ids).filter { $0.1 == nil }.map(\.0)
        guard missing.isEmpty else { throw .missingSpecialTokens(source: source, missing: missing) }
        self.tokens = tokens
        (paddingID, unknownID, classifierID, separatorID, maskID) = (ids[0]!, ids[1]!, ids[2]!, ids[3]!, ids[4]!)
        self.tree = tree
        continuationNode = tree.node(along: Self.continuationPrefix.unicodeScalars)
    }

    /// The number of ids (lines), duplicates included.
    public var count: Int { tokens.count }

    /// The id of `token`, compared scalar by scalar ("é" and "e" + U+0301 are different tokens).
    public func id(of token: String) -> Int? {
        tree.node(along: token.unicodeScalars).flatMap(tree.tokenID(at:))
    }

    /// The tokens of a vocabulary file's bytes, line by line.
    static func lines(of bytes: [UInt8], path: String) throws(TokenizerError) -> [String] {
        var tokens: [String] = []
        var lineStart = 0
        while lineStart < bytes.count {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            guard let line = String(validating: bytes[lineStart..<lineEnd], as: UTF8.self) else {
                throw .invalidUTF8(path: path, line: tokens.count + 1)
            }
            let scalars = line.unicodeScalars
            var end = scalars.endIndex
            while end > scalars.startIndex, BertCharacterClass.isWhitespace(scalars[scalars.index(before: end)]) {
                end = scalars.index(before: end)
            }
            tokens.append(String(scalars[..<end]))
            lineStart = lineEnd + 1
        }
        return tokens
    }
}
