import Foundation

/// The question phrasings filled in with every colour, tokenized once, and matched back from text.
public enum QuestionTemplates {
    /// The placeholder for the colour's name in ``QuestionSubtype/phrasings``.
    public static let colorPlaceholder = "{color}"

    /// `phrasing` with the placeholder replaced by the colour's name.
    static func fill(_ phrasing: String, color: ObjectColor) -> String {
        phrasing.replacingOccurrences(of: colorPlaceholder, with: color.name)
    }

    /// One filled-in phrasing: its text and word ids (unpadded).
    struct Filled: Sendable {
        var text: String
        var ids: [Int32]
    }

    /// Every filled phrasing, indexed `[subtype][phrasing][color]`.
    static let table: [[[Filled]]] = QuestionSubtype.allCases.map { subtype in
        subtype.phrasings.map { phrasing in
            ObjectColor.allCases.map { color in
                let text = fill(phrasing, color: color)
                guard let ids = try? QuestionVocabulary.encode(text) else {
                    preconditionFailure("QuestionTemplates: the phrasing \"\(text)\" does not tokenize")
                }
                return Filled(text: text, ids: ids.map(Int32.init))
            }
        }
    }

    /// Every filled phrasing by its words joined with spaces.
    private static let byWords: [String: (QuestionSubtype, ObjectColor, Int)] = {
        var result: [String: (QuestionSubtype, ObjectColor, Int)] = [:]
        for subtype in QuestionSubtype.allCases {
            for (phrasing, template) in subtype.phrasings.enumerated() {
                for color in ObjectColor.allCases {
                    let key = QuestionVocabulary.tokenize(fill(template, color: color)).joined(separator: " ")
                    precondition(result[key] == nil, "QuestionTemplates: two phrasings read \"\(key)\"")
                    result[key] = (subtype, color, phrasing)
                }
            }
        }
        return result
    }()

    /// The text of a question: phrasing number `phrasing` of `subtype`, about the `color` object.
    ///
    /// - Precondition: `phrasing` is an index of `subtype.phrasings`.
    public static func text(_ subtype: QuestionSubtype, color: ObjectColor, phrasing: Int) -> String {
        table[subtype.rawValue][phrasing][color.rawValue].text
    }

    /// The subtype, colour and phrasing of `question` if its words (lowercased, punctuation
    /// ignored, see ``QuestionVocabulary/tokenize(_:)``) are those of one of the phrasings, else nil.
    ///
    /// ```swift
    /// QuestionTemplates.match("what SHAPE is the red object")   // (.shape, .red, 0)
    /// ```
    public static func match(_ question: String)
        -> (subtype: QuestionSubtype, color: ObjectColor, phrasing: Int)? {
        byWords[QuestionVocabulary.tokenize(question).joined(separator: " ")]
    }
}
