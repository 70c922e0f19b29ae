import FusionKit
import Foundation
import Testing

/// `WordPieceTokenizer` against Hugging Face's `BertTokenizerFast` on the fixtures made by
/// Tests/Fixtures/make_wordpiece_fixtures.py: a small vocabulary, a few hundred sentences (accents,
/// combining marks, emoji, CJK, kana, control characters, long words, special tokens in the text,
/// …) and the ids `BertTokenizerFast` gives them, uncased, cased and truncated, alone, in pairs and
/// in padded batches; vocabulary files written in odd ways; and the typed errors of files that are
/// no vocabulary.
@Suite("WordPiece tokenizer against Hugging Face")
struct WordPieceTokenizerTests {
    static let fixtures = TestPaths.tests.appendingPathComponent("Fixtures/wordpiece")

    // MARK: Fixtures

    // Deliberate pattern (same shape as Tests/FusionKitTests/Text/CLIPTokenizerTests.swift:Expected): one Decodable struct a record of this suite's expected.json, each as its script writes it; what both suites read alike is in Support/TokenizerFixtures.swift.

    struct Encoding: Decodable {
        let ids: [Int]
        let tokens: [String]
    }

    struct SentenceCase: Decodable {
        let uncased: Encoding
        let cased: Encoding
        let uncasedTruncated: [Int]
        let casedTruncated: [Int]
    }

    struct PairEncoding: Decodable {
        let maxLength: Int?
        let ids: [Int]
        let tokenTypeIds: [Int]
    }

    struct PairCase: Decodable {
        let first: Int
        let second: Int
        let encodings: [PairEncoding]
    }

    struct Batch: Decodable {
        let inputIds: [[Int]]
        let attentionMask: [[Int]]
        let tokenTypeIds: [[Int]]
    }

    struct Batches: Decodable {
        let texts: [Int]
        let padded: Batch
        let paddedTruncated12: Batch
        let casedPadded: Batch
        let pairs: [[Int]]
        let pairsPadded: Batch
        let pairsPaddedTruncated10: Batch
    }

    struct VocabularyFile: Decodable {
        let name: String
        let content: String
        let text: String?
        let ids: [Int]?
        let missing: [String]?
    }

    struct Expected: Decodable {
        let truncatedLength: Int
        let sentences: [SentenceCase]
        let shortTruncations: [TokenizerFixtures.ShortTruncation]
        let pairs: [PairCase]
        let batches: Batches
        let vocabularyFiles: [VocabularyFile]
        let rejectedVocabularyFiles: [VocabularyFile]
    }

    struct Fixtures {
        let sentences: [String]
        let expected: Expected
        let uncased: WordPieceTokenizer
        let cased: WordPieceTokenizer
    }

    static func load() throws -> Fixtures {
        let (sentences, expected) = try TokenizerFixtures.load(fixtures, expecting: Expected.self)
        let vocabulary = fixtures.appendingPathComponent("vocab.txt")
        return Fixtures(sentences: sentences, expected: expected,
                        uncased: try WordPieceTokenizer(vocabularyFile: vocabulary),
                        cased: try WordPieceTokenizer(vocabularyFile: vocabulary, lowercases: false))
    }

    static func escaped(_ text: String) -> String { TokenizerFixtures.escaped(text) }
    static func scalars(_ tokens: [String]) -> [[UInt32]] { TokenizerFixtures.scalars(tokens) }
    static func makeTemporaryFolder() throws -> URL { try TokenizerFixtures.makeTemporaryFolder("wordpiece") }

    // MARK: Parity

    @Test("every sentence: ids and tokens, uncased and cased, and ids truncated, as BertTokenizerFast")
    func sentences() throws {
        let fixtures = try Self.load()
        #expect(fixtures.sentences.count == fixtures.expected.sentences.count)
        #expect(fixtures.sentences.count >= 300)
        let length = fixtures.expected.truncatedLength
        for (index, (sentence, expected)) in zip(fixtures.sentences, fixtures.expected.sentences).enumerated() {
            let label = "sentence \(index) \"\(Self.escaped(sentence))\""
            #expect(fixtures.uncased.encode(sentence) == expected.uncased.ids, "uncased ids of \(label)")
            #expect(fixtures.cased.encode(sentence) == expected.cased.ids, "cased ids of \(label)")
            #expect(Self.scalars(fixtures.uncased.tokenize(sentence)) == Self.scalars(expected.uncased.tokens),
                    "uncased tokens of \(label)")
            #expect(Self.scalars(fixtures.cased.tokenize(sentence)) == Self.scalars(expected.cased.tokens),
                    "cased tokens of \(label)")
            #expect(fixtures.uncased.encode(sentence, maximumLength: length) == expected.uncasedTruncated,
                    "uncased ids truncated to \(length) of \(label)")
            #expect(fixtures.cased.encode(sentence, maximumLength: length) == expected.casedTruncated,
                    "cased ids truncated to \(length) of \(label)")
        }
        // The fixtures exercise what they should.
        let tokens = fixtures.expected.sentences.flatMap(\.uncased.tokens)
        #expect(tokens.contains("[UNK]") && tokens.contains { $0.hasPrefix("##") } && tokens.contains("[MASK]"))
    }

    @Test("truncation to 2, 3 and 5 ids keeps [CLS] and [SEP]")
    func shortTruncations() throws {
        let fixtures = try Self.load()
        TokenizerFixtures.expectShortTruncations(fixtures.expected.shortTruncations, of: fixtures.sentences) {
            fixtures.uncased.encode($0, maximumLength: $1)
        }
    }

    @Test("sentence pairs: ids and token types, untruncated and with longest-first truncation")
    func pairs() throws {
        let fixtures = try Self.load()
        for pair in fixtures.expected.pairs {
            let (first, second) = (fixtures.sentences[pair.first], fixtures.sentences[pair.second])
            for expected in pair.encodings {
                let encoded = fixtures.uncased.encode(first, pairedWith: second, maximumLength: expected.maxLength)
                let label = "pair (\(pair.first), \(pair.second)) with maximum length \(String(describing: expected.maxLength))"
                #expect(encoded.ids == expected.ids, "ids of \(label)")
                #expect(encoded.tokenTypes == expected.tokenTypeIds, "token types of \(label)")
            }
        }
    }

    @Test("padded batches: ids, attention mask and token types, as lists and as tensors")
    func batches() throws {
        let fixtures = try Self.load()
        let batches = fixtures.expected.batches
        let texts = batches.texts.map { fixtures.sentences[$0] }
        let pairs = batches.pairs.map { (first: fixtures.sentences[$0[0]], second: fixtures.sentences[$0[1]]) }
        let cases: [(String, TokenizedBatch, Batch)] = [
            ("padded", fixtures.uncased.encode(batch: texts), batches.padded),
            ("padded, truncated to 12", fixtures.uncased.encode(batch: texts, maximumLength: 12), batches.paddedTruncated12),
            ("cased, padded", fixtures.cased.encode(batch: texts), batches.casedPadded),
            ("pairs, padded", fixtures.uncased.encode(pairs: pairs), batches.pairsPadded),
            ("pairs, padded, truncated to 10", fixtures.uncased.encode(pairs: pairs, maximumLength: 10),
             batches.pairsPaddedTruncated10),
        ]
        for (name, batch, expected) in cases {
            #expect(batch.ids == expected.inputIds, "\(name): ids")
            #expect(batch.attentionMask == expected.attentionMask, "\(name): attention mask")
            #expect(batch.tokenTypes == expected.tokenTypeIds, "\(name): token types")
            let shape = [expected.inputIds.count, expected.inputIds.first?.count ?? 0]
            #expect(batch.count == shape[0] && batch.length == shape[1], "\(name): size")
            #expect(batch.idTensor.shape == shape && batch.idTensor.scalars == expected.inputIds.flatMap { $0.map(Float.init) },
                    "\(name): id tensor")
            #expect(batch.attentionMaskTensor.shape == shape
                    && batch.attentionMaskTensor.scalars == expected.attentionMask.flatMap { $0.map(Float.init) },
                    "\(name): attention mask tensor")
            #expect(batch.tokenTypeTensor.shape == shape
                    && batch.tokenTypeTensor.scalars == expected.tokenTypeIds.flatMap { $0.map(Float.init) },
                    "\(name): token type tensor")
        }
        // The padded case does pad.
        #expect(batches.padded.attentionMask.contains { $0.contains(0) })
        #expect(fixtures.uncased.encode(batch: []).ids.isEmpty)
        #expect(fixtures.uncased.encode(batch: []).idTensor.shape == [0, 0])
    }

    // MARK: Vocabulary files

    @Test("vocabulary files with CRLF, duplicates, trailing spaces, blank lines are read as Hugging Face reads them")
    func vocabularyFiles() throws {
        let fixtures = try Self.load()
        let folder = try Self.makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(fixtures.expected.vocabularyFiles.count >= 5)
        for file in fixtures.expected.vocabularyFiles {
            let url = folder.appendingPathComponent(file.name + ".txt")
            try Data(file.content.utf8).write(to: url)
            let tokenizer = try WordPieceTokenizer(vocabularyFile: url)
            #expect(tokenizer.encode(file.text ?? "") == file.ids, "\(file.name)")
        }
        // The real vocabulary lists "the" twice and "café" twice: the last line gives the id.
        let vocabulary = fixtures.uncased.vocabulary
        #expect(vocabulary.id(of: "the") == vocabulary.tokens.lastIndex(of: "the"))
        #expect(vocabulary.id(of: "[MASK]") == vocabulary.maskID && vocabulary.maskID == vocabulary.count - 2)
        // Tokens are compared scalar by scalar, not by canonical equivalence: the vocabulary holds
        // "café" spelled both ways, as two tokens.
        let precomposed = vocabulary.id(of: "caf\u{E9}"), decomposed = vocabulary.id(of: "cafe\u{301}")
        #expect(precomposed != nil && decomposed != nil && precomposed != decomposed)
    }

    @Test("a vocabulary without a special token is a typed error naming the file and the token")
    func rejectedVocabularyFiles() throws {
        let fixtures = try Self.load()
        let folder = try Self.makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for file in fixtures.expected.rejectedVocabularyFiles {
            let url = folder.appendingPathComponent(file.name + ".txt")
            try Data(file.content.utf8).write(to: url)
            #expect(throws: TokenizerError.missingSpecialTokens(source: url.path, missing: file.missing ?? [])) {
                try WordPieceVocabulary(contentsOf: url)
            }
        }
        #expect(throws: TokenizerError.missingSpecialTokens(source: "the token array", missing: ["[CLS]", "[SEP]"])) {
            try WordPieceVocabulary(tokens: ["[PAD]", "[UNK]", "[MASK]", "a"])
        }
    }

    @Test("an empty, missing, non-UTF-8 file, a directory or a named pipe is a typed error naming the path")
    func unreadableVocabularies() throws {
        let folder = try Self.makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func error(loading url: URL, sourceLocation: SourceLocation = #_sourceLocation) -> TokenizerError? {
            thrownError(TokenizerError.self, by: "loading \(url.path)", within: 5, sourceLocation: sourceLocation) {
                _ = try WordPieceVocabulary(contentsOf: url)
            }
        }

        let empty = folder.appendingPathComponent("empty.txt")
        try Data().write(to: empty)
        #expect(error(loading: empty) == .emptyVocabulary(path: empty.path))

        let latin1 = folder.appendingPathComponent("latin1.txt")
        try Data("[PAD]\n[UNK]\ncaf".utf8 + [0xE9, 0x0A]).write(to: latin1)
        #expect(error(loading: latin1) == .invalidUTF8(path: latin1.path, line: 3))

        let missing = folder.appendingPathComponent("missing.txt")
        let pipe = folder.appendingPathComponent("pipe.txt")
        #expect(mkfifo(pipe.path, 0o600) == 0)
        for (url, words) in [(missing, "No such file"), (folder, "directory"), (pipe, "named pipe")] {
            guard case .unreadableFile(let path, let reason)? = error(loading: url) else {
                Issue.record("\(url.path): no unreadableFile error")
                continue
            }
            #expect(path == url.path)
            #expect(reason.contains(words), "\(reason)")
        }

        // Every message names the file, also through localizedDescription.
        for url in [empty, latin1, missing, folder, pipe] {
            let message = (error(loading: url) as (any Error)?)?.localizedDescription ?? ""
            #expect(message.hasPrefix(url.path + ":"), "\(message)")
        }
    }

    // MARK: Folders and options

    @Test("a model folder's tokenizer_config.json sets lowercasing; a bad one is a typed error")
    func folder() throws {
        let fixtures = try Self.load()
        let folder = try Self.makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(folder: folder) }
        do throws(TokenizerError) {
            _ = try WordPieceTokenizer(folder: folder)
        } catch {
            #expect(error.description.hasPrefix(folder.appendingPathComponent("vocab.txt").path + ":"), "\(error)")
        }
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("vocab.txt"),
                                         to: folder.appendingPathComponent("vocab.txt"))
        let sentence = fixtures.sentences[1]
        // Without a configuration: Hugging Face's defaults (uncased).
        #expect(try WordPieceTokenizer(folder: folder).encode(sentence) == fixtures.expected.sentences[1].uncased.ids)
        let configuration = folder.appendingPathComponent("tokenizer_config.json")
        try Data(#"{"do_lower_case": false, "strip_accents": null, "model_max_length": 512}"#.utf8).write(to: configuration)
        let cased = try WordPieceTokenizer(folder: folder)
        #expect(cased.encode(sentence) == fixtures.expected.sentences[1].cased.ids)
        #expect(cased.basicTokenizer == BasicTokenizer(lowercases: false, stripsAccents: false))
        try Data(#"{"do_lower_case": "yes"}"#.utf8).write(to: configuration)
        #expect(throws: TokenizerError.invalidConfiguration(path: configuration.path, reason: "do_lower_case must be true, false or null")) {
            try WordPieceTokenizer(folder: folder)
        }
        try Data("[1, 2]".utf8).write(to: configuration)
        #expect(throws: TokenizerError.self) { try WordPieceTokenizer(folder: folder) }
    }

    @Test("the basic tokenizer's options, one at a time")
    func basicTokenizerOptions() {
        #expect(BasicTokenizer().words(in: "Héllo, WORLD!") == ["hello", ",", "world", "!"])
        #expect(BasicTokenizer(lowercases: false).words(in: "Héllo, WORLD!") == ["Héllo", ",", "WORLD", "!"])
        #expect(BasicTokenizer(lowercases: false, stripsAccents: true).words(in: "Ångström") == ["Angstrom"])
        #expect(Self.scalars(BasicTokenizer(stripsAccents: false).words(in: "Ångström")) == Self.scalars(["ångström"]))
        #expect(BasicTokenizer().words(in: "中文abc") == ["中", "文", "abc"])
        #expect(BasicTokenizer(splitsChineseCharacters: false).words(in: "中文abc") == ["中文abc"])
        #expect(BasicTokenizer().words(in: "a\u{0}b\u{200B}c\td") == ["abc", "d"])
    }
}
