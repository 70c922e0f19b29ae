/// The words of the questions: lowercase tokens, id 0 for padding and 1 for words not in the
/// vocabulary, the rest built from the training split's questions (most frequent first, ties in
/// alphabetical order, so the same questions always give the same ids).
public struct WordVocabulary: Codable, Equatable, Sendable {
    public static let paddingID: Int32 = 0, unknownID: Int32 = 1
    public static let paddingToken = "<pad>", unknownToken = "<unk>"
    /// The token of each id.
    public let words: [String]
    private let idOfWord: [String: Int32]

    public init(words: [String]) {
        precondition(words.count >= 2 && words[0] == Self.paddingToken && words[1] == Self.unknownToken,
                     "WordVocabulary: the first two words must be \(Self.paddingToken) and \(Self.unknownToken)")
        self.words = words
        idOfWord = Dictionary(words.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
    }

    /// The vocabulary of `questions`: every token seen at least `minimumCount` times.
    public init(building questions: some Sequence<String>, minimumCount: Int = 1) {
        var counts: [String: Int] = [:]
        for question in questions {
            for token in Self.tokenize(question) { counts[token, default: 0] += 1 }
        }
        let kept = counts.filter { $0.value >= Swift.max(minimumCount, 1) }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        self.init(words: [Self.paddingToken, Self.unknownToken] + kept)
    }

    private enum CodingKeys: String, CodingKey { case words }
    public init(from decoder: any Decoder) throws {
        let words = try decoder.container(keyedBy: CodingKeys.self).decode([String].self, forKey: .words)
        guard words.count >= 2, words[0] == Self.paddingToken, words[1] == Self.unknownToken else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "a word vocabulary starts with <pad> and <unk>"))
        }
        self.init(words: words)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(words, forKey: .words)
    }

    public var count: Int { words.count }

    /// The id of `token`, nil when it is not in the vocabulary.
    public func id(of token: String) -> Int32? { idOfWord[token] }

    /// The ids of `text`'s tokens, cut or padded (with 0) to `length`, and the tokens that were
    /// not in the vocabulary (mapped to the unknown id).
    public func encode(_ text: String, length: Int) -> (ids: [Int32], unknownWords: [String]) {
        var ids = [Int32](repeating: Self.paddingID, count: length)
        var unknown: [String] = []
        for (position, token) in Self.tokenize(text).enumerated() {
            let id = idOfWord[token]
            if id == nil { unknown.append(token) }
            if position < length { ids[position] = id ?? Self.unknownID }
        }
        return (ids, unknown)
    }

    /// Lowercase tokens: runs of letters and digits (apostrophes inside a word kept, as in
    /// "what's"), every other non-space character a token of its own ("cube?" → "cube", "?").
    public static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = [], current = ""
        let characters = Array(text.lowercased())
        for (index, character) in characters.enumerated() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if character == "'" && !current.isEmpty && index + 1 < characters.count
                        && (characters[index + 1].isLetter || characters[index + 1].isNumber) {
                current.append(character)
            } else {
                if !current.isEmpty { tokens.append(current); current = "" }
                if !character.isWhitespace { tokens.append(String(character)) }
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }
}
