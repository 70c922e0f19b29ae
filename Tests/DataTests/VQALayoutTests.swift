import Foundation
import FusionKit
import FusionKitData
import Testing

@Suite("VQA layouts")
struct VQALayoutTests {
    let datasets = fixturesFolder.appendingPathComponent("datasets")

    /// The fixture folder `name`, after checking that its layout is detected as `layout`.
    func fixture(_ name: String, detectedAs layout: VQAFormat, sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        let root = datasets.appendingPathComponent(name)
        #expect(try VQALayout.detect(root: root) == layout, sourceLocation: sourceLocation)
        return root
    }

    @Test("CLEVR: questions, answers, families and image paths; the test split has no answers")
    func clevr() throws {
        let root = try fixture("clevr", detectedAs: .clevr)
        let train = try VQALayout.read(root: root, split: "train")
        #expect(train.questions.count == 6)
        #expect(train.questions[0] == VQAQuestionRecord(image: "CLEVR_train_000000.png", question: "How many things are red?",
                                                        answers: ["yes"], type: "family 3", id: "0"))
        #expect(train.questions[3].answers == ["cube"] && train.questions[3].type == "family 4")
        #expect(FileManager.default.fileExists(atPath: train.imageURL(train.questions[5]).path))
        let grouped = train.groupedByImage()
        #expect(grouped.images.count == 3 && grouped.questions == [[0, 1], [2, 3], [4, 5]])
        let test = try VQALayout.read(root: root, split: "test")
        #expect(!test.hasAnswers && train.hasAnswers)
    }

    @Test("VQA v2: ten human answers joined by question id, answer types, COCO image names")
    func vqaV2() throws {
        let root = try fixture("vqa-v2", detectedAs: .vqaV2)
        let train = try VQALayout.read(root: root, split: "train")
        #expect(train.questions.count == 5)
        let first = train.questions[0]
        #expect(first.image == "COCO_train2014_000000000009.jpg" && first.id == "9000" && first.type == "other")
        #expect(first.answers.count == 10 && first.answers.filter { $0 == "dark red" }.count == 4)
        #expect(train.questions[2].type == "number")
        #expect(FileManager.default.fileExists(atPath: train.imageURL(first).path))
        let test = try VQALayout.read(root: root, split: "test")
        #expect(test.questions.count == 3 && !test.hasAnswers)
        #expect(test.questions[0].image == "COCO_test2015_000000000001.jpg")
    }

    @Test("JSON lines: paths relative to the file, optional type, several answers, blank lines skipped")
    func jsonLines() throws {
        let root = try fixture("jsonl", detectedAs: .jsonLines)
        let train = try VQALayout.read(root: root, split: "train")
        #expect(train.questions.map(\.answers) == [["cup"], ["yes"], ["Blue"]])
        #expect(train.questions.map(\.type) == ["object", "yes/no", nil])
        #expect(FileManager.default.fileExists(atPath: train.imageURL(train.questions[1]).path))
        #expect(try VQALayout.read(root: root, split: "val").questions[0].answers == ["2", "two", "2"])
    }

    @Test("streaming reads give the same questions for any chunk size")
    func chunkSizes() throws {
        let file = datasets.appendingPathComponent("clevr/questions/CLEVR_train_questions.json")
        var whole: [[UInt8]] = []
        try StreamingJSONArray.forEachElement(in: file, key: "questions") { bytes, _, _ in whole.append(bytes) }
        #expect(whole.count == 6)
        for chunk in [1, 7, 64] {
            var parts: [[UInt8]] = []
            try StreamingJSONArray.forEachElement(in: file, key: "questions", chunkSize: chunk) { bytes, _, _ in parts.append(bytes) }
            #expect(parts == whole)
        }
    }

    @Test("broken files are typed errors naming the file and the place")
    func brokenFiles() throws {
        let folder = try temporaryFolder("layouts")
        defer { try? FileManager.default.removeItem(at: folder) }
        let questions = folder.appendingPathComponent("questions")
        try FileManager.default.createDirectory(at: questions, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("images/train"), withIntermediateDirectories: true)
        let file = questions.appendingPathComponent("CLEVR_train_questions.json")
        let good = try String(contentsOf: datasets.appendingPathComponent("clevr/questions/CLEVR_train_questions.json"), encoding: .utf8)
        func read(_ text: String) -> DatasetError? {
            try? text.write(to: file, atomically: true, encoding: .utf8)
            do { _ = try CLEVRLayout.read(root: folder, split: "train"); return nil }
            catch let error as DatasetError { return error }
            catch { Issue.record("untyped error \(error)"); return nil }
        }
        // Truncated at every tenth byte: always an error, never a crash or a partial success.
        for cut in Array(stride(from: 0, to: good.utf8.count - 1, by: 10)) + [good.utf8.count - 2, good.utf8.count - 1] {
            let error = read(String(decoding: Array(good.utf8)[0..<cut], as: UTF8.self))
            #expect(error != nil, "cut at \(cut)")
            #expect(error.map { "\($0)".contains(file.path) } ?? false)
        }
        // Quotes, brackets and braces inside strings, escaped characters, a "questions" string value.
        try #"{"info": {"a": "questions"}, "note": "questions", "questions": [{"question": "say \" ] } [ { and \\", "image_filename": "x.png"}]}"#
            .write(to: file, atomically: true, encoding: .utf8)
        #expect(try CLEVRLayout.read(root: folder, split: "train").questions.map(\.question) == [#"say " ] } [ { and \"#])
        #expect(read(#"{"info": {}}"#) == .missingKey(path: file.path, key: "questions"))
        #expect(read(#"{"questions": [{"question": "Why?"}]}"#)
                == .invalidEntry(path: file.path, entry: "question 0", reason: "has no \"image_filename\""))
        #expect(read(#"{"questions": [3]}"#) == .invalidEntry(path: file.path, entry: "element 0", reason: "not a JSON object"))
        #expect(read(#"{"questions": []}"#) == .empty(path: file.path))
        #expect(read(#"[1, 2]"#) == .malformedJSON(path: file.path, byteOffset: 0, reason: "the file is not a JSON object"))
        if case .invalidEntry(_, "question 0", let reason)? = read(#"{"questions": [{"question": "a", "image_filename": tru}]}"#) {
            #expect(reason.hasPrefix("not valid JSON"))
        } else { Issue.record("a bad literal inside an element was not reported as that element") }

        // JSON lines: the line number.
        let lines = folder.appendingPathComponent("train.jsonl")
        try "{\"image\": \"a.png\", \"question\": \"q\", \"answer\": \"x\"}\n{\"image\": 3}\n".write(to: lines, atomically: true, encoding: .utf8)
        #expect(throws: DatasetError.invalidEntry(path: lines.path, entry: "line 2", reason: "\"image\" is not a string")) {
            try JSONLinesLayout.read(file: lines, split: "train")
        }
        // A folder in no layout, and one in two.
        let empty = try temporaryFolder("nolayout")
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(throws: DatasetError.self) { try VQALayout.detect(root: empty) }
        #expect(throws: DatasetError.self) { try VQALayout.detect(root: folder) }   // CLEVR and JSON lines
        // A named pipe in place of the question file returns at once with an error.
        try FileManager.default.removeItem(at: file)
        #expect(mkfifo(file.path, 0o600) == 0)
        if case .unreadable(let path, let reason)? = read2(folder) {
            #expect(path == file.path && reason.contains("named pipe"))
        } else { Issue.record("a named pipe was not refused") }
    }

    private func read2(_ folder: URL) -> DatasetError? {
        do { _ = try CLEVRLayout.read(root: folder, split: "train"); return nil } catch { return error as? DatasetError }
    }

    @Test("vocabularies: tokens, counts, unknown words, answers by frequency")
    func vocabularies() throws {
        #expect(WordVocabulary.tokenize("What's the colour of the CUBE?") == ["what's", "the", "colour", "of", "the", "cube", "?"])
        let words = WordVocabulary(building: ["a red cube?", "a blue cube", "the red ball"], minimumCount: 2)
        #expect(words.words == ["<pad>", "<unk>", "a", "cube", "red"])
        let (ids, unknown) = words.encode("A red sphere?", length: 6)
        #expect(ids == [2, 4, 1, 1, 0, 0] && unknown == ["sphere", "?"])
        #expect(words.encode("a a a", length: 2).ids == [2, 2])
        let answers = AnswerVocabulary(building: [["Yes"], ["no"], ["yes "], ["two", "2"]], maximumCount: 2, normalization: .plain)
        #expect(answers.answers == ["yes", "2"] && answers.index(of: "YES") == 0 && answers.index(of: "cube") == nil)
        let decoded = try JSONDecoder().decode(AnswerVocabulary.self, from: JSONEncoder().encode(answers))
        #expect(decoded == answers && decoded.index(of: "2") == 1)
        #expect(try JSONDecoder().decode(WordVocabulary.self, from: JSONEncoder().encode(words)) == words)
    }
}
