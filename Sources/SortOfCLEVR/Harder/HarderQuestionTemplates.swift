/// The harder question phrasings filled in with every colour, their vocabulary, and matching text
/// back to a subtype and colour.
public enum HarderQuestionTemplates {
    /// The placeholder for the colour's name in ``HarderQuestionSubtype/phrasings``.
    public static let colorPlaceholder = "{color}"

    /// `phrasing` with the placeholder replaced by the colour's name.
    static func fill(_ phrasing: String, color: HarderColor) -> String {
        phrasing.replacingOccurrences(of: colorPlaceholder, with: color.name)
    }

    /// Every filled phrasing, indexed `[subtype][phrasing][color]`, built once.
    static let table: [[[String]]] = HarderQuestionSubtype.allCases.map { subtype in
        subtype.phrasings.map { phrasing in HarderColor.allCases.map { fill(phrasing, color: $0) } }
    }

    /// Every filled phrasing by its words (see ``QuestionVocabulary/tokenize(_:)``) joined with spaces.
    private static let byWords: [String: (HarderQuestionSubtype, HarderColor, Int)] = {
        var result: [String: (HarderQuestionSubtype, HarderColor, Int)] = [:]
        for subtype in HarderQuestionSubtype.allCases {
            for phrasing in subtype.phrasings.indices {
                for color in HarderColor.allCases {
                    let key = QuestionVocabulary.tokenize(table[subtype.rawValue][phrasing][color.rawValue])
                        .joined(separator: " ")
                    precondition(result[key] == nil, "HarderQuestionTemplates: two phrasings read \"\(key)\"")
                    result[key] = (subtype, color, phrasing)
                }
            }
        }
        return result
    }()

    /// Every word the questions use (lower-case, as ``QuestionVocabulary/tokenize(_:)`` splits
    /// them), sorted, without padding: derived from the phrasings, so the same on every machine.
    public static let words: [String] = {
        var known = Set<String>()
        for texts in table.joined() {
            for text in texts { known.formUnion(QuestionVocabulary.tokenize(text)) }
        }
        return known.sorted()
    }()

    /// The most words any question has (13, within the plain set's ``QuestionVocabulary/maximumQuestionLength``).
    public static let maximumQuestionLength: Int =
        table.joined().joined().map { QuestionVocabulary.tokenize($0).count }.max() ?? 0

    /// The text of a question: phrasing number `phrasing` of `subtype`, about the `color` object.
    ///
    /// - Precondition: `phrasing` is an index of `subtype.phrasings`.
    public static func text(_ subtype: HarderQuestionSubtype, color: HarderColor, phrasing: Int) -> String {
        table[subtype.rawValue][phrasing][color.rawValue]
    }

    /// The subtype, colour and phrasing of `question` if its words (lower-cased, punctuation
    /// ignored) are those of one of the phrasings, else nil.
    ///
    /// ```swift
    /// HarderQuestionTemplates.match("what COLOR is the object closest to the pink object")
    /// // (.closestColor, .pink, 0)
    /// ```
    public static func match(_ question: String)
        -> (subtype: HarderQuestionSubtype, color: HarderColor, phrasing: Int)? {
        byWords[QuestionVocabulary.tokenize(question).joined(separator: " ")]
    }
}
