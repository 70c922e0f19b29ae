import Testing
@testable import SortOfCLEVR

@Suite("The question vocabulary and tokenizer")
struct VocabularyTests {
    @Test func vocabularyIsPaddingThenSortedWords() {
        let words = QuestionVocabulary.words
        #expect(words.first == "<pad>" && QuestionVocabulary.paddingID == 0)
        #expect(Array(words.dropFirst()) == Array(words.dropFirst()).sorted())
        #expect(Set(words).count == words.count)
        for color in ObjectColor.allCases { #expect(words.contains(color.name)) }
        #expect(QuestionVocabulary.count == words.count)
    }

    @Test func everyPhrasingRoundTrips() throws {
        for subtype in QuestionSubtype.allCases {
            #expect(subtype.phrasings.count >= 4)
            for phrasing in subtype.phrasings.indices {
                for color in ObjectColor.allCases {
                    let text = QuestionTemplates.text(subtype, color: color, phrasing: phrasing)
                    let ids = try QuestionVocabulary.encode(text)
                    #expect(ids.count <= QuestionVocabulary.maximumQuestionLength)
                    #expect(QuestionVocabulary.decode(ids) == QuestionVocabulary.tokenize(text).joined(separator: " "))
                    #expect(QuestionVocabulary.tokenize(text).filter { $0 == color.name }.count == 1, "\(text)")
                    let match = QuestionTemplates.match(text)
                    #expect(match?.subtype == subtype && match?.color == color && match?.phrasing == phrasing)
                    let padded = try QuestionVocabulary.encodePadded(text)
                    #expect(padded.count == 16 && Array(padded.prefix(ids.count)) == ids)
                    #expect(padded.dropFirst(ids.count).allSatisfy { $0 == 0 })
                }
            }
        }
    }

    @Test func phrasingsNeverGiveTheAnswerAway() {
        // A phrasing may offer both choices ("a square or a circle") but never just one, and names
        // no count ("one" only appears as a pronoun: "the red one").
        let pairs = [["square", "circle"], ["left", "right"], ["top", "bottom"]]
        for subtype in QuestionSubtype.allCases {
            for phrasing in subtype.phrasings {
                let words = Set(QuestionVocabulary.tokenize(phrasing))
                for pair in pairs {
                    #expect(words.contains(pair[0]) == words.contains(pair[1]), "\(phrasing)")
                }
                #expect(words.isDisjoint(with: ["1", "2", "3", "4", "5", "6", "two", "three", "four"]))
            }
        }
    }

    @Test func caseAndPunctuationAreIgnored() throws {
        let plain = try QuestionVocabulary.encode("what shape is the red object")
        #expect(try QuestionVocabulary.encode("  What SHAPE is the Red object?!  ") == plain)
        #expect(try QuestionVocabulary.encode("What,shape...is the red-object") == plain)
        #expect(QuestionVocabulary.tokenize("What's the red object's shape?") == ["whats", "the", "red", "objects", "shape"])
        #expect(QuestionTemplates.match("WHAT shape is the red object") != nil)
    }

    @Test func unknownWordsAreNamedOnceEach() {
        let error = #expect(throws: QuestionError.self) {
            try QuestionVocabulary.encode("Is the purple triangle left of the Purple object?")
        }
        #expect(error == .unknownWords(["purple", "triangle"]))
        let message = error?.description ?? ""
        #expect(message.hasPrefix("unknown words: \"purple\", \"triangle\"; known words: "), "\(message)")
        #expect(message.contains("red") && message.contains("circle"), "\(message)")
        #expect(QuestionError.unknownWords(["zebra"]).description.hasPrefix("unknown word: \"zebra\""))
    }

    @Test func emptyAndOverlongQuestionsThrow() {
        #expect(throws: QuestionError.emptyQuestion) { try QuestionVocabulary.encode("") }
        #expect(throws: QuestionError.emptyQuestion) { try QuestionVocabulary.encode(" ?! ") }
        let long = Array(repeating: "the red object", count: 6).joined(separator: " ")
        #expect(throws: QuestionError.tooLong(wordCount: 18, limit: 16)) { try QuestionVocabulary.encode(long) }
        #expect(QuestionVocabulary.decode([0, 999]) == "<unknown>")
    }
}

