/// The fixed word vocabulary of Sort-of-CLEVR questions and the tokenizer that maps a question
/// to word ids.
///
/// Id 0 is the padding token `<pad>`; ids 1... are every word the question phrasings use (with
/// every colour), sorted. The list is derived from ``QuestionSubtype/phrasings`` and so is the same
/// on every machine.
///
/// ```swift
/// let ids = try QuestionVocabulary.encode("What shape is the red object?")   // 6 ids
/// let padded = try QuestionVocabulary.encodePadded("Is the blue object on the left or on the right?")
/// ```
public enum QuestionVocabulary {
    /// The padding token's text.
    public static let paddingToken = "<pad>"
    /// The padding token's id.
    public static let paddingID = 0
    /// The most words a question may have; padded questions have exactly this many ids.
    public static let maximumQuestionLength = 16

    /// Every token by id: `<pad>`, then the question words in sorted order.
    public static let words: [String] = {
        var known = Set<String>()
        for subtype in QuestionSubtype.allCases {
            for phrasing in subtype.phrasings {
                for color in ObjectColor.allCases {
                    known.formUnion(tokenize(QuestionTemplates.fill(phrasing, color: color)))
                }
            }
        }
        return [paddingToken] + known.sorted()
    }()

    /// The number of ids, padding included: the size of an embedding table for questions.
    public static var count: Int { words.count }

    private static let ids: [String: Int] = Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, $0) })

    /// The id of `word` (lowercase, as ``tokenize(_:)`` returns it), or nil if it is not in the vocabulary.
    public static func id(of word: String) -> Int? { ids[word] }

    /// The words of `question`: lowercased, split at every character that is not a letter or a
    /// digit. Apostrophes are removed without splitting ("what's" is the word "whats").
    public static func tokenize(_ question: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in question.lowercased() {
            if character == "'" || character == "\u{2019}" { continue }
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// The ids of the words of `question`, without padding.
    ///
    /// - Throws: ``QuestionError/emptyQuestion`` if it has no words,
    ///   ``QuestionError/unknownWords(_:)`` naming every word not in the vocabulary (once each, in
    ///   order), or ``QuestionError/tooLong(wordCount:limit:)``.
    public static func encode(_ question: String) throws(QuestionError) -> [Int] {
        let tokens = tokenize(question)
        guard !tokens.isEmpty else { throw .emptyQuestion }
        var unknown: [String] = []
        var result: [Int] = []
        result.reserveCapacity(tokens.count)
        for token in tokens {
            if let id = ids[token] {
                result.append(id)
            } else if !unknown.contains(token) {
                unknown.append(token)
            }
        }
        guard unknown.isEmpty else { throw .unknownWords(unknown) }
        guard tokens.count <= maximumQuestionLength else {
            throw .tooLong(wordCount: tokens.count, limit: maximumQuestionLength)
        }
        return result
    }

    /// The ids of `question` followed by ``paddingID`` up to ``maximumQuestionLength``.
    ///
    /// - Throws: The errors of ``encode(_:)``.
    public static func encodePadded(_ question: String) throws(QuestionError) -> [Int] {
        let ids = try encode(question)
        return ids + Array(repeating: paddingID, count: maximumQuestionLength - ids.count)
    }

    /// The words of `ids` joined by spaces, skipping padding; an id outside the vocabulary shows as `<unknown>`.
    public static func decode(_ ids: [Int]) -> String {
        ids.filter { $0 != paddingID }
            .map { words.indices.contains($0) ? words[$0] : "<unknown>" }
            .joined(separator: " ")
    }
}
