import Foundation
import FusionKit

/// The safetensors layout of a saved ``SortOfCLEVRDataset``, readable from PyTorch with
/// `safetensors.torch.load_file`.
///
/// For `N` images, with `Q` = 20 questions per image and `L` = 16 word ids per question:
///
/// | tensor      | dtype | shape          | contents                                                  |
/// |-------------|-------|----------------|-----------------------------------------------------------|
/// | `images`    | U8    | [N, 75, 75, 3] | RGB pixels, NHWC                                          |
/// | `tokens`    | I32   | [N, Q, L]      | word ids (see `vocabulary`), padded with 0 at the end     |
/// | `answers`   | I64   | [N, Q]         | answer indices into `answers`                             |
/// | `kinds`     | U8    | [N, Q]         | 0 non-relational, 1 relational                            |
/// | `subtypes`  | U8    | [N, Q]         | 0 shape, 1 horizontal, 2 vertical, 3 closest, 4 furthest, 5 count |
/// | `colors`    | U8    | [N, Q]         | the colour asked about (index into `colors`)              |
/// | `phrasings` | U8    | [N, Q]         | which English phrasing of the subtype words the question  |
/// | `objects`   | I32   | [N, 6, 4]      | per object: colour, shape (0 square, 1 circle), x, y      |
///
/// The `__metadata__` holds `format` (`sort-of-clevr`), `format_version` (`1`), the `seed`, the
/// `vocabulary`, `answers`, `colors`, `shapes` and `subtypes` lists as JSON arrays of strings,
/// `object_columns`, `image_size`, `questions_per_image` and `max_question_length`.
///
/// Reading checks everything: the metadata against this library's constants, every tensor's
/// dtype and shape, every value's range, the scene rules, every answer against the scene, and
/// the pixels and word ids against what the scenes and questions give.
public enum DatasetFile {
    /// The value of the metadata key `format`.
    public static let formatName = "sort-of-clevr"
    /// The value of the metadata key `format_version` this library writes and reads.
    public static let formatVersion = "1"
    /// The tensors of a data set file, in the order of the table above.
    public static let tensorNames = ["images", "tokens", "answers", "kinds", "subtypes", "colors", "phrasings", "objects"]

    /// The metadata entries whose value is fixed by this library, by key.
    static let fixedMetadata: [String: String] = [
        "format": formatName,
        "format_version": formatVersion,
        "vocabulary": jsonArray(QuestionVocabulary.words),
        "answers": jsonArray(Answer.vocabulary),
        "colors": jsonArray(ObjectColor.allCases.map(\.name)),
        "shapes": jsonArray(ObjectShape.allCases.map(\.name)),
        "subtypes": jsonArray(QuestionSubtype.allCases.map(\.name)),
        "object_columns": "color,shape,x,y",
        "image_size": String(Scene.imageSize),
        "questions_per_image": String(SortOfCLEVRDataset.questionsPerImage),
        "max_question_length": String(QuestionVocabulary.maximumQuestionLength),
    ]

    /// Plain words as a JSON array (the words hold no characters that need escaping).
    static func jsonArray(_ words: [String]) -> String {
        "[" + words.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    }

    /// The file's tensors for `dataset`.
    static func tensors(of dataset: SortOfCLEVRDataset) -> [String: SafeTensors.RawTensor] {
        let n = dataset.imageCount, q = SortOfCLEVRDataset.questionsPerImage
        let questions = dataset.questions
        func perQuestion(_ value: (Question) -> UInt8) -> SafeTensors.RawTensor {
            SafeTensors.RawTensor(integers: questions.map(value), shape: [n, q])
        }
        let objects = dataset.scenes.flatMap { scene in
            scene.objects.flatMap { [Int32($0.color.rawValue), Int32($0.shape.rawValue), Int32($0.x), Int32($0.y)] }
        }
        let size = Scene.imageSize
        return [
            "images": SafeTensors.RawTensor(dataType: .uint8, shape: [n, size, size, Scene.channelCount],
                                            bytes: dataset.images),
            "tokens": SafeTensors.RawTensor(integers: dataset.tokenIDs,
                                            shape: [n, q, QuestionVocabulary.maximumQuestionLength]),
            "answers": SafeTensors.RawTensor(integers: questions.map { Int64($0.answer.rawValue) }, shape: [n, q]),
            "kinds": perQuestion { UInt8($0.kind.rawValue) },
            "subtypes": perQuestion { UInt8($0.subtype.rawValue) },
            "colors": perQuestion { UInt8($0.color.rawValue) },
            "phrasings": perQuestion { UInt8($0.phrasing) },
            "objects": SafeTensors.RawTensor(integers: objects, shape: [n, ObjectColor.allCases.count, 4]),
        ]
    }

    /// The file's metadata for `dataset`.
    static func metadata(of dataset: SortOfCLEVRDataset) -> [String: String] {
        fixedMetadata.merging(["seed": String(dataset.seed)]) { $1 }
    }
}

extension SortOfCLEVRDataset {
    /// The data set as a safetensors file in memory (see ``DatasetFile`` for the layout).
    public func encoded() -> Data {
        do {
            return try SafeTensors.encode(raw: DatasetFile.tensors(of: self), metadata: DatasetFile.metadata(of: self))
        } catch {
            preconditionFailure("SortOfCLEVRDataset.encoded: \(error)")   // the tensor names are valid constants
        }
    }

    /// Writes the data set as a safetensors file at `url` (see ``DatasetFile``), atomically:
    /// through a temporary file renamed over `url`, so no half-written file is ever left.
    ///
    /// - Throws: ``SortOfCLEVRFileError/ioError(path:reason:)``.
    public func write(to url: URL) throws(SortOfCLEVRFileError) {
        do {
            try SafeTensors.write(raw: DatasetFile.tensors(of: self), metadata: DatasetFile.metadata(of: self), to: url)
        } catch let error as SafeTensorsError {
            if case .ioError(let path, let reason) = error { throw .ioError(path: path, reason: reason) }
            throw .ioError(path: url.path, reason: error.description)
        } catch {
            throw .ioError(path: url.path, reason: "\(error)")
        }
    }

    /// Reads and validates a data set written by ``write(to:)``.
    ///
    /// - Throws: ``SortOfCLEVRFileError/ioError(path:reason:)`` if the file cannot be read,
    ///   otherwise ``SortOfCLEVRFileError/inFile(path:error:)`` wrapping why it is not a valid data set.
    public init(contentsOf url: URL) throws(SortOfCLEVRFileError) {
        let file: SafeTensorsRawFile
        do {
            file = try SafeTensors.readRaw(contentsOf: url)
        } catch let error as SafeTensorsError {
            switch error {
            case .ioError(let path, let reason): throw .ioError(path: path, reason: reason)
            case .inFile(let path, let inner): throw .inFile(path: path, error: .notSafeTensors(inner))
            default: throw .inFile(path: url.path, error: .notSafeTensors(error))
            }
        } catch {
            throw .ioError(path: url.path, reason: "\(error)")
        }
        do {
            try self.init(validating: file)
        } catch {
            throw .inFile(path: url.path, error: error)
        }
    }

    /// Decodes and validates a data set file held in memory.
    ///
    /// - Throws: A ``SortOfCLEVRFileError`` naming the first problem found.
    public init(decoding data: Data) throws(SortOfCLEVRFileError) {
        let file: SafeTensorsRawFile
        do {
            file = try SafeTensors.decodeRaw(data)
        } catch let error as SafeTensorsError {
            throw .notSafeTensors(error)
        } catch {
            throw .notSafeTensors(.invalidHeaderJSON(reason: "\(error)"))
        }
        try self.init(validating: file)
    }
}
