import FusionKit
import Foundation
import Testing

/// `CLIPTokenizer` against Hugging Face's `CLIPTokenizerFast` on the fixtures made by
/// Tests/Fixtures/make_clip_tokenizer_fixtures.py: a small byte-level BPE vocabulary in CLIP's
/// layout, a few hundred sentences (captions, contractions, numbers, accents and combining marks,
/// emoji, CJK, whitespace and control characters, special tokens in the text, bytes the vocabulary
/// lacks, long words, texts of more than 77 tokens, …) and the ids `CLIPTokenizerFast` gives them,
/// untruncated, truncated and in padded batches; folders with a `tokenizer_config.json`;
/// vocabulary files written in odd ways; and the typed errors of files that are no vocabulary.
@Suite("CLIP tokenizer against Hugging Face")
struct CLIPTokenizerTests {
    static let fixtures = TestPaths.tests.appendingPathComponent("Fixtures/clip_tokenizer")

    // MARK: Fixtures

    // Deliberate pattern (same shape as Tests/FusionKitTests/Text/WordPieceTokenizerTests.swift:Expected): one Decodable struct a record of this suite's expected.json, each as its script writes it; what both suites read alike is in Support/TokenizerFixtures.swift.

    struct SentenceCase: Decodable {
        let ids: [Int]
        let tokens: [String]
        let truncated: [Int]?
    }

    struct Batch: Decodable {
        let inputIds: [[Int]]
        let attentionMask: [[Int]]
    }

    struct Batches: Decodable {
        let texts: [Int]
        let padded: Batch
        let paddedTruncated: Batch
        let paddedToMaximumLength: Batch
        let paddedTruncated8: Batch
    }

    struct ConfigurationCase: Decodable {
        let name: String
        let configuration: String
        let paddingId: Int
        let ids: [[Int]]
        let batch: Batch
    }

    struct VocabularyFile: Decodable {
        let name: String
        let vocab: String
        let merges: String
        let text: String
        let ids: [Int]
    }

    struct RejectedVocabularyFile: Decodable {
        let name: String
        let vocab: String
        let mergesHex: String
        let file: String
        let kind: String
        let line: Int?
        let huggingFaceRefuses: Bool
    }

    struct Expected: Decodable {
        let contextLength: Int
        let sentences: [SentenceCase]
        let shortTruncations: [TokenizerFixtures.ShortTruncation]
        let batches: Batches
        let configurations: [ConfigurationCase]
        let configurationProbes: [String]
        let vocabularyFiles: [VocabularyFile]
        let rejectedVocabularyFiles: [RejectedVocabularyFile]
    }

    struct Fixtures {
        let sentences: [String]
        let expected: Expected
        let tokenizer: CLIPTokenizer
    }

    static func load() throws -> Fixtures {
        let (sentences, expected) = try TokenizerFixtures.load(fixtures, expecting: Expected.self)
        return Fixtures(sentences: sentences, expected: expected, tokenizer: try CLIPTokenizer(folder: fixtures))
    }

    static func escaped(_ text: String) -> String { TokenizerFixtures.escaped(text) }
    static func scalars(_ tokens: [String]) -> [[UInt32]] { TokenizerFixtures.scalars(tokens) }
    static func makeTemporaryFolder() throws -> URL { try TokenizerFixtures.makeTemporaryFolder("clip-tokenizer") }

    /// A folder holding `vocab` as vocab.json and `merges` as merges.txt.
    static func makeVocabularyFolder(vocab: String, merges: [UInt8]) throws -> URL {
        let folder = try makeTemporaryFolder()
        try Data(vocab.utf8).write(to: folder.appendingPathComponent("vocab.json"))
        try Data(merges).write(to: folder.appendingPathComponent("merges.txt"))
        return folder
    }

    /// The error loading a tokenizer from `folder` throws, run on another thread so that a read that
    /// waits (on a named pipe) fails the test instead of hanging it.
    static func error(loading folder: URL, sourceLocation: SourceLocation = #_sourceLocation) -> TokenizerError? {
        thrownError(TokenizerError.self, by: "loading \(folder.path)", within: 5, sourceLocation: sourceLocation) {
            _ = try CLIPTokenizer(folder: folder)
        }
    }

    // MARK: Parity

    @Test("every sentence: ids, tokens and ids truncated to 77, as CLIPTokenizerFast")
    func sentences() throws {
        let fixtures = try Self.load()
        let tokenizer = fixtures.tokenizer
        #expect(fixtures.sentences.count == fixtures.expected.sentences.count)
        #expect(fixtures.sentences.count >= 300)
        #expect(fixtures.expected.contextLength == CLIPTokenizer.contextLength)
        for (index, (sentence, expected)) in zip(fixtures.sentences, fixtures.expected.sentences).enumerated() {
            let label = "sentence \(index) \"\(Self.escaped(sentence))\""
            #expect(tokenizer.encode(sentence, maximumLength: nil) == expected.ids, "ids of \(label)")
            #expect(Self.scalars(tokenizer.tokenize(sentence)) == Self.scalars(expected.tokens), "tokens of \(label)")
            #expect(tokenizer.encode(sentence) == (expected.truncated ?? expected.ids), "ids truncated to 77 of \(label)")
            #expect(tokenizer.tokenIDs(for: sentence) == Array(expected.ids.dropFirst().dropLast()), "token ids of \(label)")
        }
        // The fixtures exercise what they should: unknown bytes, texts longer than 77 tokens, merges.
        let tokens = fixtures.expected.sentences.flatMap(\.tokens)
        #expect(tokens.contains(CLIPTokenizer.endOfText) && tokens.contains(CLIPTokenizer.startOfText))
        #expect(fixtures.expected.sentences.filter { $0.truncated != nil }.count >= 5)
        #expect(fixtures.expected.sentences.contains { $0.ids.count > 300 })
    }

    @Test("truncation to 2, 3, 5 and 10 ids keeps <|startoftext|> and <|endoftext|>")
    func shortTruncations() throws {
        let fixtures = try Self.load()
        TokenizerFixtures.expectShortTruncations(fixtures.expected.shortTruncations, of: fixtures.sentences) {
            fixtures.tokenizer.encode($0, maximumLength: $1)
        }
    }

    @Test("padded batches: to the longest, truncated, padded to 77; ids and attention masks, as lists and tensors")
    func batches() throws {
        let fixtures = try Self.load()
        let tokenizer = fixtures.tokenizer
        let batches = fixtures.expected.batches
        let texts = batches.texts.map { fixtures.sentences[$0] }
        let cases: [(String, TokenizedBatch, Batch)] = [
            ("padded", tokenizer.encode(batch: texts, maximumLength: nil), batches.padded),
            ("padded, truncated to 77", tokenizer.encode(batch: texts), batches.paddedTruncated),
            ("padded to 77", tokenizer.encode(batch: texts, padsToMaximumLength: true), batches.paddedToMaximumLength),
            ("padded, truncated to 8", tokenizer.encode(batch: texts, maximumLength: 8), batches.paddedTruncated8),
        ]
        for (name, batch, expected) in cases {
            #expect(batch.ids == expected.inputIds, "\(name): ids")
            #expect(batch.attentionMask == expected.attentionMask, "\(name): attention mask")
            let shape = [expected.inputIds.count, expected.inputIds.first?.count ?? 0]
            #expect(batch.count == shape[0] && batch.length == shape[1], "\(name): size")
            #expect(batch.tokenTypes == expected.inputIds.map { $0.map { _ in 0 } }, "\(name): token types")
            #expect(batch.idTensor.shape == shape && batch.idTensor.scalars == expected.inputIds.flatMap { $0.map(Float.init) },
                    "\(name): id tensor")
            #expect(batch.attentionMaskTensor.shape == shape
                    && batch.attentionMaskTensor.scalars == expected.attentionMask.flatMap { $0.map(Float.init) },
                    "\(name): attention mask tensor")
        }
        // Padding is <|endoftext|>, as CLIPTokenizerFast's pad_token; padded to 77, every row is 77 long.
        #expect(tokenizer.paddingID == tokenizer.endOfTextID && tokenizer.paddingToken == CLIPTokenizer.endOfText)
        #expect(batches.padded.attentionMask.contains { $0.contains(0) })
        #expect(batches.paddedToMaximumLength.inputIds.allSatisfy { $0.count == 77 })
        #expect(tokenizer.encode(batch: []).ids.isEmpty)
        #expect(tokenizer.encode(batch: []).idTensor.shape == [0, 0])
    }

    @Test("tokenizer_config.json: pad_token and the normalized flags of added_tokens_decoder, as CLIPTokenizerFast reads them")
    func configurations() throws {
        let fixtures = try Self.load()
        #expect(fixtures.expected.configurations.count == 2)
        for configuration in fixtures.expected.configurations {
            let folder = try Self.makeTemporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            for name in ["vocab.json", "merges.txt"] {
                try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: folder.appendingPathComponent(name))
            }
            try Data(configuration.configuration.utf8).write(to: folder.appendingPathComponent("tokenizer_config.json"))
            let tokenizer = try CLIPTokenizer(folder: folder)
            #expect(tokenizer.paddingID == configuration.paddingId, "\(configuration.name): padding id")
            for (probe, ids) in zip(fixtures.expected.configurationProbes, configuration.ids) {
                #expect(tokenizer.encode(probe, maximumLength: nil) == ids, "\(configuration.name): \"\(probe)\"")
            }
            let batch = tokenizer.encode(batch: fixtures.expected.configurationProbes, maximumLength: nil)
            #expect(batch.ids == configuration.batch.inputIds, "\(configuration.name): padded ids")
            #expect(batch.attentionMask == configuration.batch.attentionMask, "\(configuration.name): attention mask")
        }
        let openAIStyle = try #require(fixtures.expected.configurations.first { $0.name == "openai_style" })
        #expect(openAIStyle.ids[3].filter { $0 == fixtures.tokenizer.startOfTextID }.count == 2,
                "\"<|StartOfText|>\" is <|startoftext|> when the configuration marks it normalized")
    }

    // MARK: Vocabulary files

    @Test("vocabulary files with CRLF, no version line, a merge twice, escaped JSON are read as Hugging Face reads them")
    func vocabularyFiles() throws {
        let fixtures = try Self.load()
        #expect(fixtures.expected.vocabularyFiles.count >= 8)
        for file in fixtures.expected.vocabularyFiles {
            let folder = try Self.makeVocabularyFolder(vocab: file.vocab, merges: Array(file.merges.utf8))
            defer { try? FileManager.default.removeItem(at: folder) }
            let tokenizer = try CLIPTokenizer(vocabularyFile: folder.appendingPathComponent("vocab.json"),
                                              mergesFile: folder.appendingPathComponent("merges.txt"))
            #expect(tokenizer.encode(file.text, maximumLength: nil) == file.ids, "\(file.name)")
        }
        // The fixture vocabulary, in CLIP's layout: bytes, bytes with </w>, merges, then the two special tokens.
        let vocabulary = fixtures.tokenizer.vocabulary
        #expect(vocabulary.id(of: "!") == 0 && vocabulary.token(for: 0) == "!")
        #expect(vocabulary.id(of: CLIPTokenizer.endOfText) == vocabulary.count - 1)
        #expect(vocabulary.id(of: CLIPTokenizer.startOfText) == vocabulary.count - 2)
        #expect(vocabulary.mergeCount == 1500 && vocabulary.id(of: "~") == nil && vocabulary.id(of: "a</w>") != nil)
    }

    @Test("a file that is no vocabulary or merge list is a typed error naming the file (and the line)")
    func rejectedVocabularyFiles() throws {
        let fixtures = try Self.load()
        #expect(fixtures.expected.rejectedVocabularyFiles.count >= 15)
        for file in fixtures.expected.rejectedVocabularyFiles {
            let merges = stride(from: 0, to: file.mergesHex.count, by: 2).map { offset in
                let start = file.mergesHex.index(file.mergesHex.startIndex, offsetBy: offset)
                return UInt8(file.mergesHex[start..<file.mergesHex.index(start, offsetBy: 2)], radix: 16)!
            }
            let folder = try Self.makeVocabularyFolder(vocab: file.vocab, merges: merges)
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent(file.file == "vocab" ? "vocab.json" : "merges.txt").path
            let error = Self.error(loading: folder)
            switch (file.kind, error) {
            case ("invalid_merge", .invalidMerge(let errorPath, let line, _)?):
                #expect(errorPath == path && line == file.line, "\(file.name): \(String(describing: error))")
            case ("invalid_utf8", .invalidUTF8(let errorPath, let line)?):
                #expect(errorPath == path && line == file.line, "\(file.name): \(String(describing: error))")
            case ("invalid_vocabulary", .invalidVocabulary(let source, _)?):
                #expect(source == path, "\(file.name): \(String(describing: error))")
            default:
                Issue.record("\(file.name): expected \(file.kind), got \(String(describing: error))")
            }
            #expect(error?.description.hasPrefix(path + ":") == true, "\(file.name): \(String(describing: error))")
        }
        // Messages say what is wrong.
        let tiny = try #require(fixtures.expected.vocabularyFiles.first)
        let folder = try Self.makeVocabularyFolder(vocab: tiny.vocab, merges: Array((tiny.merges + "x y\n").utf8))
        defer { try? FileManager.default.removeItem(at: folder) }
        let merges = folder.appendingPathComponent("merges.txt").path
        #expect(Self.error(loading: folder) == .invalidMerge(path: merges, line: 8, reason: "\"x\" is not a token of the vocabulary"))
        #expect(Self.error(loading: folder)?.description == "\(merges): line 8 is not a usable merge: \"x\" is not a token of the vocabulary")
    }

    @Test("a missing or empty file, a directory or a named pipe is a typed error naming the path")
    func unreadableFiles() throws {
        let fixtures = try Self.load()
        let tiny = try #require(fixtures.expected.vocabularyFiles.first)
        let folder = try Self.makeVocabularyFolder(vocab: tiny.vocab, merges: Array(tiny.merges.utf8))
        defer { try? FileManager.default.removeItem(at: folder) }
        let (vocab, merges) = (folder.appendingPathComponent("vocab.json"), folder.appendingPathComponent("merges.txt"))

        func expectUnreadable(_ url: URL, _ words: String) {
            guard case .unreadableFile(let path, let reason)? = Self.error(loading: folder) else {
                Issue.record("\(url.path): no unreadableFile error")
                return
            }
            #expect(path == url.path)
            #expect(reason.contains(words), "\(reason)")
            #expect(Self.error(loading: folder).map { ($0 as any Error).localizedDescription }?.hasPrefix(url.path + ":") == true)
        }
        for url in [vocab, merges] {
            let saved = try Data(contentsOf: url)
            try FileManager.default.removeItem(at: url)
            expectUnreadable(url, "No such file")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
            expectUnreadable(url, "directory")
            try FileManager.default.removeItem(at: url)
            #expect(mkfifo(url.path, 0o600) == 0)
            expectUnreadable(url, "named pipe")
            try FileManager.default.removeItem(at: url)
            try Data().write(to: url)
            guard case .invalidVocabulary(let source, let reason)? = Self.error(loading: folder) else {
                Issue.record("\(url.path): an empty file gives no invalidVocabulary error")
                continue
            }
            #expect(source == url.path && reason.contains("empty"), "\(reason)")
            try saved.write(to: url)
        }
        // vocab.json that is not UTF-8 names its line.
        try Data("{\n\"a\": 1,\n\"caf".utf8 + [0xE9] + Data("\": 2}\n".utf8)).write(to: vocab)
        #expect(Self.error(loading: folder) == .invalidUTF8(path: vocab.path, line: 3))
    }

    @Test("a bad tokenizer_config.json is a typed error naming it; a vocabulary without a special token too")
    func badConfigurations() throws {
        let folder = try Self.makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["vocab.json", "merges.txt"] {
            try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        let configuration = folder.appendingPathComponent("tokenizer_config.json")
        let path = configuration.path
        let cases: [(String, TokenizerError?)] = [
            (#"{"pad_token": 5}"#, .invalidConfiguration(path: path, reason: "pad_token must be a token, written as a string or as an object with a \"content\" string")),
            (#"{"pad_token": {"lstrip": false}}"#, .invalidConfiguration(path: path, reason: "pad_token must be a token, written as a string or as an object with a \"content\" string")),
            (#"{"pad_token": "zzz"}"#, .invalidConfiguration(path: path, reason: "pad_token \"zzz\" is not a token of the vocabulary")),
            (#"{"added_tokens_decoder": []}"#, .invalidConfiguration(path: path, reason: "added_tokens_decoder must be an object from id to an object with a \"content\" string and an optional \"normalized\" true or false")),
            ("[1, 2]", .invalidConfiguration(path: path, reason: "the file is not a JSON object")),
            (#"{"pad_token": null, "model_max_length": 77, "do_lower_case": true}"#, nil),
        ]
        for (text, expected) in cases {
            try Data(text.utf8).write(to: configuration)
            #expect(Self.error(loading: folder) == expected, "\(text)")
        }
        #expect(try CLIPTokenizer(folder: folder).paddingToken == CLIPTokenizer.endOfText)

        let tokens = ["a": 0, "a</w>": 1, CLIPTokenizer.endOfText: 2]
        let vocabulary = try BytePairVocabulary(tokens: tokens, merges: [])
        #expect(throws: TokenizerError.invalidVocabulary(source: "the token dictionary", reason:
            "it lacks \"<|startoftext|>\"; a CLIP vocabulary holds <|startoftext|> and <|endoftext|>, which start and end "
            + "every encoded text, and the padding token")) {
            try CLIPTokenizer(vocabulary: vocabulary)
        }
        #expect(throws: TokenizerError.invalidVocabulary(source: "the merge list", reason:
            "merge 0 (\"a\" \"b\"): \"b\" is not a token of the vocabulary")) {
            try BytePairVocabulary(tokens: tokens, merges: [("a", "b")])
        }
        #expect(throws: TokenizerError.invalidVocabulary(source: "the token dictionary", reason:
            "\"a\" and \"b\" both have id 0; each token needs an id of its own")) {
            try BytePairVocabulary(tokens: ["a": 0, "b": 0], merges: [])
        }
    }

    // MARK: Behaviour

    @Test("a vocabulary made in memory: merges by rank, the leftmost first among equals, unknown bytes")
    func inMemoryVocabulary() throws {
        let tokens = [CLIPTokenizer.startOfText: 0, CLIPTokenizer.endOfText: 1, "a": 2, "b": 3, "a</w>": 4, "b</w>": 5,
                      "aa": 6, "ab</w>": 7, "aaa</w>": 8]
        let vocabulary = try BytePairVocabulary(tokens: tokens, merges: [("a", "a"), ("a", "b</w>"), ("aa", "a</w>")])
        let tokenizer = try CLIPTokenizer(vocabulary: vocabulary)
        #expect(vocabulary.count == 9 && vocabulary.mergeCount == 3)
        #expect(tokenizer.tokenize("aaab") == ["aa", "ab</w>"])
        #expect(tokenizer.tokenize("aaa") == ["aaa</w>"])
        // Of the two "a a" pairs of "aaaa", the left one merges first, which leaves no merge for the rest.
        #expect(tokenizer.tokenize("aaaa") == ["aa", "a", "a</w>"])
        // "?" and "?</w>" are not tokens: the byte becomes <|endoftext|>, the unknown token.
        #expect(tokenizer.tokenize("A?b a b") == ["a</w>", CLIPTokenizer.endOfText, "b</w>", "a</w>", "b</w>"])
        #expect(tokenizer.encode("aaab") == [0, 6, 7, 1])
        #expect(tokenizer.encode("") == [0, 1])
    }

    @Test("a word of 200,000 letters is merged quickly (a quadratic merge would take hours)")
    func longWord() throws {
        let fixtures = try Self.load()
        var generator = SystemRandomNumberGenerator()
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let word = String((0..<200_000).map { _ in letters.randomElement(using: &generator)! })
        let clock = ContinuousClock()
        var tokens: [String] = []
        let elapsed = clock.measure { tokens = fixtures.tokenizer.tokenize(word) }
        #expect(elapsed < .seconds(20), "\(elapsed)")
        // The tokens spell the word, the last one with </w>.
        #expect(tokens.joined() == word + CLIPTokenizer.endOfWordSuffix)
        #expect(tokens.dropLast().allSatisfy { !$0.hasSuffix(CLIPTokenizer.endOfWordSuffix) })
        let repeated = String(repeating: "a", count: 100_000)
        #expect(fixtures.tokenizer.tokenize(repeated).joined() == repeated + CLIPTokenizer.endOfWordSuffix)
    }

    @Test("one tokenizer used from several threads at once gives the same ids")
    func concurrentUse() throws {
        let fixtures = try Self.load()
        let tokenizer = try CLIPTokenizer(folder: Self.fixtures)
        let sentences = fixtures.sentences
        let results = LockedValue<[Int: [Int]]>([:])
        DispatchQueue.concurrentPerform(iterations: sentences.count) { index in
            let ids = tokenizer.encode(sentences[index], maximumLength: nil)
            results.withLock { $0[index] = ids }
        }
        let encoded = results.withLock { $0 }
        for (index, expected) in fixtures.expected.sentences.enumerated() {
            #expect(encoded[index] == expected.ids, "sentence \(index)")
        }
    }
}

/// A value behind a lock, for the concurrency test.
private final class LockedValue<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
