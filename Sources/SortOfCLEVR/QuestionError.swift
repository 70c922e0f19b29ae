import FusionKit

/// Why a question cannot be turned into word ids.
public enum QuestionError: DescribedError, Equatable, Sendable {
    /// The question has no words.
    case emptyQuestion
    /// These words (lowercased, each once, in order of appearance) are not in ``QuestionVocabulary``.
    case unknownWords([String])
    /// The question has more than `limit` words.
    case tooLong(wordCount: Int, limit: Int)

    /// A message a user can act on; for unknown words it lists (part of) the known words.
    public var description: String {
        switch self {
        case .emptyQuestion:
            return "the question has no words; ask for example \"What shape is the red object?\""
        case .unknownWords(let words):
            let known = QuestionVocabulary.words.dropFirst()
            let shown = known.prefix(Self.knownWordsShown).joined(separator: ", ")
            let more = known.count > Self.knownWordsShown ? ", … (\(known.count) words in all)" : ""
            return (words.count == 1 ? "unknown word: " : "unknown words: ")
                + words.prefix(20).map { "\"\(shortened($0))\"" }.joined(separator: ", ")
                + (words.count > 20 ? " and \(words.count - 20) more" : "")
                + "; known words: \(shown)\(more)"
        case .tooLong(let wordCount, let limit):
            return "the question has \(wordCount) words; at most \(limit) are allowed"
        }
    }

    private static let knownWordsShown = 60
}

/// A word cut short if it is very long, so that a pasted paragraph does not flood the message.
private func shortened(_ word: String) -> String {
    word.count <= 40 ? word : word.prefix(40) + "…"
}
