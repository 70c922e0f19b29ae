import Foundation
import FusionKit

extension SortOfCLEVRDataset {
    /// A data set from a decoded file, after checking it completely (see ``DatasetFile``).
    init(validating file: SafeTensorsRawFile) throws(SortOfCLEVRFileError) {
        let seed = try Self.checkMetadata(file.metadata)

        for name in file.names where !DatasetFile.tensorNames.contains(name) {
            throw .unexpectedTensor(name: name)
        }
        guard let imagesTensor = file["images"] else { throw .missingTensor(name: "images") }
        let size = Scene.imageSize
        let n = imagesTensor.shape.first ?? 0
        let q = Self.questionsPerImage, length = QuestionVocabulary.maximumQuestionLength
        let objectCount = ObjectColor.allCases.count

        func tensor(_ name: String, _ dataType: SafeTensors.DataType,
                    _ shape: [Int]) throws(SortOfCLEVRFileError) -> SafeTensors.RawTensor {
            guard let tensor = file[name] else { throw .missingTensor(name: name) }
            guard tensor.dataType == dataType else {
                throw .wrongDataType(name: name, expected: dataType, found: tensor.dataType)
            }
            guard tensor.shape == shape else { throw .wrongShape(name: name, expected: shape, found: tensor.shape) }
            return tensor
        }
        let images = try tensor("images", .uint8, [n, size, size, Scene.channelCount]).bytes
        let objects = try tensor("objects", .int32, [n, objectCount, 4]).integers(as: Int32.self)!
        let tokens = try tensor("tokens", .int32, [n, q, length]).integers(as: Int32.self)!
        let answers = try tensor("answers", .int64, [n, q]).integers(as: Int64.self)!
        let kinds = try tensor("kinds", .uint8, [n, q]).bytes
        let subtypes = try tensor("subtypes", .uint8, [n, q]).bytes
        let colors = try tensor("colors", .uint8, [n, q]).bytes
        let phrasings = try tensor("phrasings", .uint8, [n, q]).bytes

        // Scenes.
        var scenes: [Scene] = []
        scenes.reserveCapacity(n)
        for image in 0 ..< n {
            var sceneObjects: [SceneObject] = []
            for slot in 0 ..< objectCount {
                let base = (image * objectCount + slot) * 4
                func invalid(_ reason: String) -> SortOfCLEVRFileError {
                    .invalidValue(name: "objects", index: [image, slot], reason: reason)
                }
                guard let color = ObjectColor(rawValue: Int(objects[base])) else {
                    throw invalid("colour \(objects[base]) is not in 0..<\(objectCount)")
                }
                guard let shape = ObjectShape(rawValue: Int(objects[base + 1])) else {
                    throw invalid("shape \(objects[base + 1]) is not 0 (square) or 1 (circle)")
                }
                sceneObjects.append(SceneObject(color: color, shape: shape, x: Int(objects[base + 2]), y: Int(objects[base + 3])))
            }
            do {
                scenes.append(try Scene(objects: sceneObjects))
            } catch {
                throw .invalidValue(name: "objects", index: [image], reason: error.description)
            }
        }

        // Questions: ten non-relational then ten relational per image, each with the scene's answer.
        var questions: [Question] = []
        questions.reserveCapacity(n * q)
        for index in 0 ..< n * q {
            let position = [index / q, index % q]
            guard let subtype = QuestionSubtype(rawValue: Int(subtypes[index])) else {
                throw .invalidValue(name: "subtypes", index: position,
                                    reason: "\(subtypes[index]) is not a subtype index 0..<\(QuestionSubtype.allCases.count)")
            }
            let expectedKind: QuestionKind = index % q < SceneGenerator.questionsPerKind ? .nonRelational : .relational
            guard subtype.kind == expectedKind else {
                throw .invalidValue(name: "subtypes", index: position,
                                    reason: "\(subtype.name) is not \(expectedKind == .relational ? "relational" : "non-relational"), "
                                        + "but questions \(expectedKind == .relational ? "10..<20" : "0..<10") of an image are")
            }
            guard Int(kinds[index]) == subtype.kind.rawValue else {
                throw .invalidValue(name: "kinds", index: position,
                                    reason: "\(kinds[index]) is not the kind \(subtype.kind.rawValue) of the subtype \(subtype.name)")
            }
            guard let color = ObjectColor(rawValue: Int(colors[index])) else {
                throw .invalidValue(name: "colors", index: position, reason: "\(colors[index]) is not a colour index 0..<\(objectCount)")
            }
            let phrasing = Int(phrasings[index])
            guard phrasing < subtype.phrasings.count else {
                throw .invalidValue(name: "phrasings", index: position,
                                    reason: "\(phrasing) is not a phrasing index 0..<\(subtype.phrasings.count) of \(subtype.name)")
            }
            guard answers[index] >= 0 && answers[index] < Int64(Answer.allCases.count),
                  let answer = Answer(rawValue: Int(answers[index])) else {
                throw .invalidValue(name: "answers", index: position,
                                    reason: "\(answers[index]) is not an answer index 0..<\(Answer.allCases.count)")
            }
            guard let trueAnswer = scenes[index / q].answer(subtype, about: color) else {
                throw .inconsistentData(name: "answers", index: position,
                                        reason: "the \(subtype.name) question about the \(color.name) object has no single answer")
            }
            guard answer == trueAnswer else {
                throw .inconsistentData(name: "answers", index: position,
                                        reason: "the answer is \"\(answer.text)\", the scene's is \"\(trueAnswer.text)\"")
            }
            questions.append(Question(subtype: subtype, color: color, phrasing: phrasing, answer: answer))
        }

        self.init(seed: seed, scenes: scenes, questions: questions)

        // Word ids and pixels must be what the scenes and questions give.
        for (index, id) in tokens.enumerated() where id != tokenIDs[index] {
            let position = [index / (q * length), index / length % q, index % length]
            guard id >= 0 && Int(id) < QuestionVocabulary.count else {
                throw .invalidValue(name: "tokens", index: position,
                                    reason: "\(id) is not a word id 0..<\(QuestionVocabulary.count)")
            }
            throw .inconsistentData(name: "tokens", index: position,
                                    reason: "word id \(id) (\"\(QuestionVocabulary.words[Int(id)])\") where the question has "
                                        + "\(tokenIDs[index]) (\"\(QuestionVocabulary.words[Int(tokenIDs[index])])\")")
        }
        if images != self.images {
            let index = images.indices.first { images[$0] != self.images[$0] } ?? 0
            let pixel = index / Scene.channelCount
            let position = [pixel / (size * size), pixel / size % size, pixel % size, index % Scene.channelCount]
            throw .inconsistentData(name: "images", index: position,
                                    reason: "the byte is \(images[index]), the scene renders \(self.images[index])")
        }
    }

    /// Checks the metadata against this library's constants and returns the seed.
    private static func checkMetadata(_ metadata: [String: String]) throws(SortOfCLEVRFileError) -> UInt64 {
        guard metadata["format"] == DatasetFile.formatName else { throw .notADataSet(format: metadata["format"]) }
        guard metadata["format_version"] == DatasetFile.formatVersion else {
            throw .unsupportedVersion(metadata["format_version"])
        }
        if metadata["vocabulary"] != DatasetFile.fixedMetadata["vocabulary"] {
            throw .vocabularyMismatch(reason: vocabularyDifference(metadata["vocabulary"]))
        }
        for key in DatasetFile.fixedMetadata.keys.sorted() {
            let expected = DatasetFile.fixedMetadata[key]!
            guard let found = metadata[key] else { throw .invalidMetadata(key: key, reason: "missing; expected \(expected)") }
            guard found == expected else {
                throw .invalidMetadata(key: key, reason: "is \(found.prefix(200)), this library has \(expected)")
            }
        }
        guard let text = metadata["seed"] else { throw .invalidMetadata(key: "seed", reason: "missing") }
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) }),
              let seed = UInt64(text) else {
            throw .invalidMetadata(key: "seed", reason: "\"\(text.prefix(100))\" is not a decimal number in 0...\(UInt64.max)")
        }
        return seed
    }

    /// How the file's vocabulary entry differs from ``QuestionVocabulary/words``.
    private static func vocabularyDifference(_ found: String?) -> String {
        guard let found else { return "the metadata has no \"vocabulary\"" }
        guard let words = parseWordArray(found) else {
            return "the metadata's \"vocabulary\" is not a JSON array of plain words: \(found.prefix(100))"
        }
        let expected = QuestionVocabulary.words
        if let index = words.indices.first(where: { $0 < expected.count && words[$0] != expected[$0] }) {
            return "word id \(index) is \"\(words[index])\" in the file and \"\(expected[index])\" here"
        }
        return "the file has \(words.count) words, this library \(expected.count)"
    }

    /// The words of a JSON array of strings without escapes, such as `["<pad>","a"]`, or nil.
    private static func parseWordArray(_ text: String) -> [String]? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("["), trimmed.hasSuffix("]"), trimmed.count >= 2 else { return nil }
        let inner = trimmed.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
        if inner.isEmpty { return [] }
        var words: [String] = []
        for item in inner.split(separator: ",", omittingEmptySubsequences: false) {
            let word = item.trimmingCharacters(in: .whitespaces)
            guard word.count >= 2, word.hasPrefix("\""), word.hasSuffix("\""),
                  !word.dropFirst().dropLast().contains(where: { $0 == "\"" || $0 == "\\" }) else { return nil }
            words.append(String(word.dropFirst().dropLast()))
        }
        return words
    }
}
