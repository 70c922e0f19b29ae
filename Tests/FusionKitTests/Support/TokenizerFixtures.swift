import Foundation
import Testing

/// What the tokenizer parity suites (WordPiece, CLIP) share: the fixture folders' common files
/// and records, written by Tests/Fixtures/make_wordpiece_fixtures.py and make_clip_tokenizer_fixtures.py.
enum TokenizerFixtures {
    /// A sentence's ids truncated to a short `maxLength`, as the Hugging Face tokenizer gives them.
    struct ShortTruncation: Decodable {
        let sentence: Int
        let maxLength: Int
        let ids: [Int]
    }

    /// Each of `truncations` (there is at least one) is what `encode(sentence, maximumLength)` gives.
    static func expectShortTruncations(_ truncations: [ShortTruncation], of sentences: [String],
                                       sourceLocation: SourceLocation = #_sourceLocation,
                                       encode: (String, Int) -> [Int]) {
        #expect(!truncations.isEmpty, sourceLocation: sourceLocation)
        for truncation in truncations {
            let ids = encode(sentences[truncation.sentence], truncation.maxLength)
            #expect(ids == truncation.ids, "sentence \(truncation.sentence) truncated to \(truncation.maxLength)",
                    sourceLocation: sourceLocation)
        }
    }

    /// The folder's sentences.json and its expected.json (snake_case keys, as the scripts write them).
    static func load<Expected: Decodable>(_ folder: URL, expecting _: Expected.Type) throws -> (sentences: [String], expected: Expected) {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let sentences = try decoder.decode([String].self, from: Data(contentsOf: folder.appendingPathComponent("sentences.json")))
        let expected = try decoder.decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        return (sentences, expected)
    }

    /// `text` with every scalar outside printable ASCII escaped, for messages.
    static func escaped(_ text: String) -> String {
        String(text.unicodeScalars.prefix(80).map { $0.escaped(asASCII: true) }.joined())
    }

    /// Tokens compared scalar by scalar (Swift's `==` on strings would equate canonical equivalents,
    /// "é" and "e" + U+0301).
    static func scalars(_ tokens: [String]) -> [[UInt32]] {
        tokens.map { $0.unicodeScalars.map(\.value) }
    }

    /// A fresh empty folder under the temporary directory, its name starting with `prefix`.
    static func makeTemporaryFolder(_ prefix: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
