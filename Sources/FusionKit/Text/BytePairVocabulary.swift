import Foundation

/// A byte-pair vocabulary as CLIP and GPT-2 store it: the tokens and their ids (`vocab.json`) and
/// the ranked merges (`merges.txt`) that build longer tokens out of shorter ones.
///
/// Tokens are spelled in ``ByteLevelAlphabet`` ("Ġ" for a space byte, "Ã©" for "é"); CLIP's
/// vocabularies also mark a token that ends a word with the suffix `</w>` ("dog</w>"). Tokens are
/// compared byte by byte (their UTF-8), never by canonical equivalence. (Reading `vocab.json`
/// through `JSONDecoder` does keep only one of two keys that are canonically equivalent spellings;
/// a byte-level vocabulary never has such keys, since its alphabet holds no combining mark.)
///
/// The files are read as Hugging Face's `tokenizers` reads them:
///
/// - `vocab.json` is a JSON object from token to id. Ids must be whole numbers from 0 to
///   2³¹ − 1, each used once (`tokenizers` skips an entry whose id is a string and accepts an id
///   used twice; both are refused here, as signs of a damaged file).
/// - `merges.txt` holds one merge per line: two tokens separated by one space ("Ġ t", "h e"),
///   whose concatenation is a token too. A line starting with `#version` is skipped; the others
///   are ranked 0, 1, 2, … in order, and a merge listed twice keeps its later rank. A line break
///   may be LF or CRLF; a blank line, a line with more or fewer than two tokens, and a token the
///   vocabulary lacks are refused, as `tokenizers` refuses them.
public struct BytePairVocabulary: Sendable {
    /// Where the tokens came from: the path of `vocab.json`, or "the token dictionary".
    public let source: String
    /// The number of tokens.
    public var count: Int { idsByToken.count }
    /// The number of distinct merges.
    public var mergeCount: Int { merges.count }

    /// Each token's id, by the token's UTF-8 bytes.
    private let idsByToken: [[UInt8]: Int]
    /// Each id's token.
    private let tokensByID: [Int: String]
    /// The merges: the ids of the two tokens merged (see ``pairKey(_:_:)``) → the merge's rank
    /// (0 is applied first) and the id of the merged token.
    let merges: [UInt64: (rank: Int, merged: Int)]

    /// A vocabulary of `tokens` (token → id) with `merges`, ranked in order (the first is applied
    /// first; a merge listed twice keeps its later rank).
    ///
    /// - Throws: ``TokenizerError/invalidVocabulary(source:reason:)`` if an id is negative or used
    ///   twice, or a merge joins tokens that are not in `tokens` or makes one that is not.
    public init(tokens: [String: Int], merges: [(String, String)]) throws(TokenizerError) {
        let source = "the token dictionary"
        var idsByToken: [[UInt8]: Int] = [:]
        for (token, id) in tokens { idsByToken[Array(token.utf8)] = id }
        tokensByID = try Self.tokensByID(idsByToken, source: source)
        var ranked: [UInt64: (rank: Int, merged: Int)] = [:]
        for (rank, merge) in merges.enumerated() {
            do throws(MergeError) {
                let (key, merged) = try Self.pair(Array(merge.0.utf8), Array(merge.1.utf8), in: idsByToken)
                ranked[key] = (rank, merged)
            } catch {
                throw .invalidVocabulary(source: "the merge list",
                                         reason: "merge \(rank) (\"\(merge.0)\" \"\(merge.1)\"): \(error.reason)")
            }
        }
        self.source = source
        self.idsByToken = idsByToken
        self.merges = ranked
    }

    /// The vocabulary in the `vocab.json` file at `vocabularyFile` and the `merges.txt` file at
    /// `mergesFile`.
    ///
    /// The files are read only if they are regular files (a named pipe or a device is refused
    /// rather than waited on or read forever).
    ///
    /// - Throws: ``TokenizerError`` naming the file that cannot be read, is empty, is not UTF-8,
    ///   is not a JSON object of token → id, or holds a line that is not a merge of two tokens.
    public init(vocabularyFile: URL, mergesFile: URL) throws(TokenizerError) {
        source = vocabularyFile.path
        idsByToken = try Self.readTokens(vocabularyFile)
        tokensByID = try Self.tokensByID(idsByToken, source: source)
        merges = try Self.readMerges(mergesFile, idsByToken: idsByToken)
    }

    /// The id of `token`, compared byte by byte.
    public func id(of token: String) -> Int? {
        idsByToken[Array(token.utf8)]
    }

    /// The token of `id`.
    public func token(for id: Int) -> String? {
        tokensByID[id]
    }

    /// The id of the token spelled by `bytes`.
    func id(ofBytes bytes: [UInt8]) -> Int? {
        idsByToken[bytes]
    }

    /// The key of the pair of tokens `left`, `right` in ``merges``.
    static func pairKey(_ left: Int, _ right: Int) -> UInt64 {
        UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
    }

    // MARK: Reading and checking

    /// Why a merge cannot be used.
    private struct MergeError: Error {
        let reason: String
    }

    /// The token of each id of `idsByToken`, which must be from 0 to 2³¹ − 1 and distinct.
    private static func tokensByID(_ idsByToken: [[UInt8]: Int], source: String) throws(TokenizerError) -> [Int: String] {
        var tokensByID: [Int: String] = [:]
        for (bytes, id) in idsByToken {
            let token = String(decoding: bytes, as: UTF8.self)
            guard (0...Int(Int32.max)).contains(id) else {
                throw .invalidVocabulary(source: source, reason: "the id of \"\(token)\" is \(id), not one from 0 to \(Int32.max)")
            }
            if let other = tokensByID.updateValue(token, forKey: id) {
                let both = [other, token].sorted()
                throw .invalidVocabulary(source: source, reason: "\"\(both[0])\" and \"\(both[1])\" both have id \(id); "
                                         + "each token needs an id of its own")
            }
        }
        return tokensByID
    }

    /// The key of the merge of the tokens spelled `left` and `right`, and the id of their
    /// concatenation, all three looked up in `idsByToken`.
    private static func pair(_ left: [UInt8], _ right: [UInt8],
                             in idsByToken: [[UInt8]: Int]) throws(MergeError) -> (key: UInt64, merged: Int) {
        func id(_ bytes: [UInt8]) throws(MergeError) -> Int {
            guard let id = idsByToken[bytes] else {
                throw MergeError(reason: "\"\(String(decoding: bytes, as: UTF8.self))\" is not a token of the vocabulary")
            }
            return id
        }
        let (leftID, rightID, merged) = (try id(left), try id(right), try id(left + right))
        return (pairKey(leftID, rightID), merged)
    }

    /// The token → id object of the `vocab.json` file at `url`.
    private static func readTokens(_ url: URL) throws(TokenizerError) -> [[UInt8]: Int] {
        let bytes = try TokenizerError.readFile(url)
        try requireUTF8(bytes, path: url.path)
        guard bytes.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else {
            throw .invalidVocabulary(source: url.path, reason: "the file is empty; it should hold a JSON object from token to id")
        }
        let object: [String: Int]
        do {
            object = try JSONDecoder().decode([String: Int].self, from: Data(bytes))
        } catch {
            throw .invalidVocabulary(source: url.path, reason: reason(for: error))
        }
        var idsByToken: [[UInt8]: Int] = [:]
        for (token, id) in object { idsByToken[Array(token.utf8)] = id }
        return idsByToken
    }

    /// What is wrong with a `vocab.json` file that `JSONDecoder` refused with `error`.
    private static func reason(for error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context) where !context.codingPath.isEmpty,
             DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty,
             DecodingError.valueNotFound(_, let context) where !context.codingPath.isEmpty:
            return "the id of \"\(context.codingPath[0].stringValue)\" is not a whole number"
        case DecodingError.typeMismatch:
            return "the file is not a JSON object from token to id"
        default:
            return "the file is not valid JSON"
        }
    }

    /// The ranked merges of the `merges.txt` file at `url`, whose tokens are looked up in `idsByToken`.
    private static func readMerges(_ url: URL, idsByToken: [[UInt8]: Int]) throws(TokenizerError) -> [UInt64: (rank: Int, merged: Int)] {
        let path = url.path
        let bytes = try TokenizerError.readFile(url)
        guard !bytes.isEmpty else {
            throw .invalidVocabulary(source: path, reason: "the file is empty; it should hold one merge per line, "
                                     + "two tokens separated by a space, after a line \"#version: 0.2\"")
        }
        var merges: [UInt64: (rank: Int, merged: Int)] = [:]
        var rank = 0
        var lineStart = 0
        var lineNumber = 0
        let (newline, carriageReturn, space) = (UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: " "))
        while lineStart < bytes.count {
            lineNumber += 1
            let newlineIndex = bytes[lineStart...].firstIndex(of: newline)
            var lineEnd = newlineIndex ?? bytes.count
            // A CRLF line break is a line break; a carriage return elsewhere belongs to the line.
            if newlineIndex != nil, lineEnd > lineStart, bytes[lineEnd - 1] == carriageReturn { lineEnd -= 1 }
            let line = bytes[lineStart..<lineEnd]
            lineStart = (newlineIndex ?? bytes.count) + 1
            guard String(validating: line, as: UTF8.self) != nil else {
                throw .invalidUTF8(path: path, line: lineNumber)
            }
            if line.starts(with: "#version".utf8) { continue }
            let parts = line.split(separator: space, maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw .invalidMerge(path: path, line: lineNumber, reason: "it should hold two tokens separated by one space, "
                                    + "as in \"h e\", but holds \"\(String(decoding: line, as: UTF8.self))\"")
            }
            do throws(MergeError) {
                let (key, merged) = try pair(Array(parts[0]), Array(parts[1]), in: idsByToken)
                merges[key] = (rank, merged)
            } catch {
                throw .invalidMerge(path: path, line: lineNumber, reason: error.reason)
            }
            rank += 1
        }
        return merges
    }

    /// Throws ``TokenizerError/invalidUTF8(path:line:)`` naming the first line of `bytes` that is
    /// not valid UTF-8.
    private static func requireUTF8(_ bytes: [UInt8], path: String) throws(TokenizerError) {
        guard String(validating: bytes, as: UTF8.self) == nil else { return }
        var lineStart = 0
        var lineNumber = 1
        while let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
            if String(validating: bytes[lineStart..<newline], as: UTF8.self) == nil { break }
            lineStart = newline + 1
            lineNumber += 1
        }
        throw .invalidUTF8(path: path, line: lineNumber)
    }
}
