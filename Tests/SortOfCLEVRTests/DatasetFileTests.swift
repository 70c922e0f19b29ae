import Foundation
import FusionKit
import Testing
@testable import SortOfCLEVR

private func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sort-of-clevr-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("Data set files")
struct DatasetFileTests {
    let dataset = SortOfCLEVRDataset.generate(seed: 12, imageCount: 6)

    /// The data set's file with some tensors or metadata replaced.
    func modified(tensors changes: [String: SafeTensors.RawTensor?] = [:],
                  metadata metadataChanges: [String: String?] = [:]) throws -> Data {
        let file = try SafeTensors.decodeRaw(dataset.encoded())
        var tensors = file.tensors
        for (name, tensor) in changes { tensors[name] = tensor }
        var metadata = file.metadata
        for (key, value) in metadataChanges { metadata[key] = value }
        return try SafeTensors.encode(raw: tensors, metadata: metadata)
    }

    func decodingError(_ data: Data) -> SortOfCLEVRFileError? {
        #expect(throws: SortOfCLEVRFileError.self) { try SortOfCLEVRDataset(decoding: data) }
    }

    /// `name`'s bytes with one element replaced.
    func replacing(_ name: String, element: Int, with value: some FixedWidthInteger) throws -> SafeTensors.RawTensor {
        let tensor = try #require(try SafeTensors.decodeRaw(dataset.encoded())[name])
        var bytes = tensor.bytes
        let size = tensor.dataType.byteSize
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(element * size ..< (element + 1) * size, with: $0) }
        return SafeTensors.RawTensor(dataType: tensor.dataType, shape: tensor.shape, bytes: bytes)
    }

    @Test func roundTripThroughAFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("clevr.safetensors")
        try dataset.write(to: url)
        let read = try SortOfCLEVRDataset(contentsOf: url)
        #expect(read == dataset && read.seed == 12)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["clevr.safetensors"])
        #expect(try SortOfCLEVRDataset(decoding: SortOfCLEVRDataset.generate(seed: 1, imageCount: 0).encoded()).imageCount == 0)
    }

    @Test func layoutIsReadableAsPlainSafeTensors() throws {
        let file = try SafeTensors.decodeRaw(dataset.encoded())
        #expect(Set(file.names) == Set(DatasetFile.tensorNames))
        #expect(file["images"]?.dataType == .uint8 && file["images"]?.shape == [6, 75, 75, 3])
        #expect(file["tokens"]?.dataType == .int32 && file["tokens"]?.shape == [6, 20, 16])
        #expect(file["answers"]?.dataType == .int64 && file["answers"]?.shape == [6, 20])
        #expect(file["objects"]?.shape == [6, 6, 4])
        #expect(file["answers"]?.integers(as: Int64.self) == dataset.questions.map { Int64($0.answer.rawValue) })
        #expect(file.metadata["format"] == "sort-of-clevr" && file.metadata["seed"] == "12")
        #expect(file.metadata["answers"] == "[\"square\",\"circle\",\"left\",\"right\",\"top\",\"bottom\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\"]")
        #expect(file.metadata["vocabulary"]?.hasPrefix("[\"<pad>\",") == true)
        // The float reader sees the same values.
        let floats = try SafeTensors.decode(dataset.encoded())
        #expect(floats["subtypes"]?.scalars == dataset.questions.map { Float($0.subtype.rawValue) })
    }

    @Test("a named pipe in place of a data set is a typed error at once, not a wait for a writer")
    func namedPipeIsRefused() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pipe = directory.appendingPathComponent("train.safetensors")
        #expect(mkfifo(pipe.path, 0o600) == 0)
        // Should the reader block in open() waiting for a writer, become that writer after 2 s,
        // so that the test fails on its timing instead of hanging.
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) {
            let descriptor = open(pipe.path, O_RDWR | O_NONBLOCK)
            if descriptor >= 0 { close(descriptor) }
        }
        let started = Date()
        let error = #expect(throws: SortOfCLEVRFileError.self) { try SortOfCLEVRDataset(contentsOf: pipe) }
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(error?.localizedDescription.contains("is a named pipe, not a regular file") == true, "\(String(describing: error))")
    }

    @Test func truncatedAndCorruptFilesThrow() throws {
        let data = dataset.encoded()
        for length in [0, 7, 8, 100, data.count / 2, data.count - 1] {
            let error = decodingError(data.prefix(length))
            guard case .notSafeTensors? = error else {
                Issue.record("length \(length): \(String(describing: error))")
                continue
            }
        }
        // A flipped byte anywhere throws a typed error, unless it only changed the seed's digits
        // or the header's padding (spaces to other whitespace).
        var generator = RandomGenerator(seed: 3)
        var thrown = 0
        for _ in 0 ..< 300 {
            var bytes = [UInt8](data)
            let position = Int(generator.next() % UInt64(bytes.count))
            bytes[position] ^= UInt8(1 + generator.next() % 255)
            do {
                let decoded = try SortOfCLEVRDataset(decoding: Data(bytes))
                #expect(decoded.scenes == dataset.scenes && decoded.images == dataset.images)
            } catch {
                thrown += 1   // the initializer throws only SortOfCLEVRFileError (typed throws)
            }
        }
        #expect(thrown > 290)
    }

    @Test func wrongMetadataThrows() throws {
        #expect(decodingError(try modified(metadata: ["format": "something-else"])) == .notADataSet(format: "something-else"))
        #expect(decodingError(try modified(metadata: ["format": nil])) == .notADataSet(format: nil))
        #expect(decodingError(try modified(metadata: ["format_version": "2"])) == .unsupportedVersion("2"))
        var words = QuestionVocabulary.words
        words[3] = "zebra"
        let vocabulary = "[" + words.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let error = decodingError(try modified(metadata: ["vocabulary": vocabulary]))
        #expect(error == .vocabularyMismatch(reason: "word id 3 is \"zebra\" in the file and \"\(QuestionVocabulary.words[3])\" here"))
        guard case .vocabularyMismatch? = decodingError(try modified(metadata: ["vocabulary": "[[[["])) else {
            Issue.record("a malformed vocabulary is not reported as a mismatch")
            return
        }
        guard case .invalidMetadata(key: "answers", _)? = decodingError(try modified(metadata: ["answers": "[]"])) else {
            Issue.record("a different answer list is accepted")
            return
        }
        guard case .invalidMetadata(key: "image_size", _)? = decodingError(try modified(metadata: ["image_size": "64"])) else {
            Issue.record("a different image size is accepted")
            return
        }
        for seed in ["", "-1", "18446744073709551616", "1e3", " 1", nil] as [String?] {
            guard case .invalidMetadata(key: "seed", _)? = decodingError(try modified(metadata: ["seed": seed])) else {
                Issue.record("seed \(String(describing: seed)) is accepted")
                continue
            }
        }
    }

    @Test func wrongTensorsThrow() throws {
        #expect(decodingError(try modified(tensors: ["kinds": nil])) == .missingTensor(name: "kinds"))
        #expect(decodingError(try modified(tensors: ["extra": SafeTensors.RawTensor(integers: [UInt8(1)], shape: [1])]))
                == .unexpectedTensor(name: "extra"))
        let floatAnswers = SafeTensors.RawTensor(integers: [Int32](repeating: 0, count: 120), shape: [6, 20])
        #expect(decodingError(try modified(tensors: ["answers": floatAnswers]))
                == .wrongDataType(name: "answers", expected: .int64, found: .int32))
        let shortKinds = SafeTensors.RawTensor(integers: [UInt8](repeating: 0, count: 100), shape: [5, 20])
        #expect(decodingError(try modified(tensors: ["kinds": shortKinds])) == .wrongShape(name: "kinds", expected: [6, 20], found: [5, 20]))
    }

    @Test func valuesOutOfRangeOrInconsistentThrow() throws {
        func expectValueError(_ name: String, element: Int, value: some FixedWidthInteger, index: [Int],
                              inconsistent: Bool = false) throws {
            let error = decodingError(try modified(tensors: [name: try replacing(name, element: element, with: value)]))
            switch error {
            case .invalidValue(name, index, _)? where !inconsistent: break
            case .inconsistentData(name, index, _)? where inconsistent: break
            default: Issue.record("\(name)[\(element)] = \(value): \(String(describing: error))")
            }
        }
        try expectValueError("answers", element: 21, value: Int64(12), index: [1, 1])
        try expectValueError("answers", element: 21, value: Int64(-1), index: [1, 1])
        try expectValueError("subtypes", element: 0, value: UInt8(9), index: [0, 0])
        try expectValueError("subtypes", element: 0, value: UInt8(4), index: [0, 0])   // relational among the first ten
        try expectValueError("colors", element: 45, value: UInt8(6), index: [2, 5])
        try expectValueError("phrasings", element: 45, value: UInt8(200), index: [2, 5])
        try expectValueError("objects", element: 4 * 7, value: Int32(3), index: [1])  // colours out of order
        try expectValueError("objects", element: 4 * 7, value: Int32(9), index: [1, 1])
        try expectValueError("objects", element: 4 * 7 + 2, value: Int32(-5), index: [1])
        try expectValueError("tokens", element: 3, value: Int32(10_000), index: [0, 0, 3])
        try expectValueError("tokens", element: 3, value: Int32(-1), index: [0, 0, 3])

        // A wrong answer, a wrong word and a changed pixel contradict the scenes and questions.
        let answer = dataset.questions[21].answer
        let wrongAnswer = Int64(answer == .square ? Answer.circle.rawValue : answer == .left ? Answer.right.rawValue : 0)
        try expectValueError("answers", element: 21, value: wrongAnswer, index: [1, 1], inconsistent: true)
        let firstWord = dataset.tokenIDs[16 * 7]
        try expectValueError("tokens", element: 16 * 7, value: firstWord == 1 ? Int32(2) : Int32(1), index: [0, 7, 0], inconsistent: true)
        try expectValueError("images", element: (75 * 75 * 3) * 4 + 3 * 76 + 1, value: UInt8(7), index: [4, 1, 1, 1], inconsistent: true)
    }

    @Test func readErrorsNameTheFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("bad.safetensors")
        try modified(metadata: ["format_version": "9"]).write(to: url)
        let error = #expect(throws: SortOfCLEVRFileError.self) { try SortOfCLEVRDataset(contentsOf: url) }
        #expect(error == .inFile(path: url.path, error: .unsupportedVersion("9")))
        #expect(error?.underlyingError == .unsupportedVersion("9"))
        #expect(error?.description.contains("bad.safetensors") == true)
        try Data([1, 2, 3]).write(to: url)
        let framing = #expect(throws: SortOfCLEVRFileError.self) { try SortOfCLEVRDataset(contentsOf: url) }
        #expect(framing == .inFile(path: url.path, error: .notSafeTensors(.fileTooSmall(byteCount: 3))))
        let missing = #expect(throws: SortOfCLEVRFileError.self) {
            try SortOfCLEVRDataset(contentsOf: directory.appendingPathComponent("none.safetensors"))
        }
        guard case .ioError? = missing else {
            Issue.record("\(String(describing: missing))")
            return
        }
        let unwritable = #expect(throws: SortOfCLEVRFileError.self) {
            try dataset.write(to: directory.appendingPathComponent("absent/x.safetensors"))
        }
        guard case .ioError? = unwritable else {
            Issue.record("\(String(describing: unwritable))")
            return
        }
    }
}
