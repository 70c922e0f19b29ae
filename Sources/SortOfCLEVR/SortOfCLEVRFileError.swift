import FusionKit

/// Why a Sort-of-CLEVR file (a data set or an SVG picture) could not be written or read.
///
/// A data set file is validated completely before a data set is built; a damaged or hostile file
/// throws one of these errors and never crashes the reader.
public enum SortOfCLEVRFileError: DescribedError, Equatable, Sendable {
    /// The file system refused an operation on `path`.
    case ioError(path: String, reason: String)
    /// The file is not a valid safetensors file (see ``SafeTensorsError``).
    case notSafeTensors(SafeTensorsError)
    /// The metadata's `format` is missing or is not `sort-of-clevr`.
    case notADataSet(format: String?)
    /// The metadata's `format_version` is missing or is not one this reader knows.
    case unsupportedVersion(String?)
    /// A metadata entry is missing or malformed, or disagrees with this library (for example an
    /// image size or an answer list other than the built-in one).
    case invalidMetadata(key: String, reason: String)
    /// The file's vocabulary is not ``QuestionVocabulary/words``; `reason` tells the first difference.
    case vocabularyMismatch(reason: String)
    /// A required tensor is missing.
    case missingTensor(name: String)
    /// The file holds a tensor this format does not define.
    case unexpectedTensor(name: String)
    /// A tensor has a dtype other than the format's.
    case wrongDataType(name: String, expected: SafeTensors.DataType, found: SafeTensors.DataType)
    /// A tensor has a shape other than the format's for the file's image count.
    case wrongShape(name: String, expected: [Int], found: [Int])
    /// An element of a tensor is not valid; `index` is its position, `reason` says why.
    case invalidValue(name: String, index: [Int], reason: String)
    /// The file's pixels or word ids disagree with what its scenes and questions give.
    case inconsistentData(name: String, index: [Int], reason: String)
    /// The file at `path` is not a valid data set; `error` says why.
    indirect case inFile(path: String, error: SortOfCLEVRFileError)

    /// The error without the file path added when reading from a file.
    public var underlyingError: SortOfCLEVRFileError {
        if case .inFile(_, let error) = self { return error.underlyingError }
        return self
    }

    /// A message naming what is wrong and what was expected.
    // Deliberate pattern (same shape as Sources/FusionKit/IO/SafeTensorsError.swift:description and Sources/FusionKitData/Images/ImageError.swift:description): a switch of messages for a different error's cases.
    public var description: String {
        switch self {
        case .ioError(let path, let reason):
            return "\(path): \(reason)"
        case .notSafeTensors(let error):
            return error.description
        case .notADataSet(let format):
            return "not a Sort-of-CLEVR data set: the metadata's \"format\" is "
                + (format.map { "\"\($0.prefix(100))\"" } ?? "missing") + ", expected \"\(DatasetFile.formatName)\""
        case .unsupportedVersion(let version):
            return "unsupported Sort-of-CLEVR file version "
                + (version.map { "\"\($0.prefix(100))\"" } ?? "(missing)") + "; this reader knows \"\(DatasetFile.formatVersion)\""
        case .invalidMetadata(let key, let reason):
            return "metadata \"\(key)\": \(reason)"
        case .vocabularyMismatch(let reason):
            return "the file's question vocabulary differs from this library's: \(reason)"
        case .missingTensor(let name):
            return "the tensor \"\(name)\" is missing"
        case .unexpectedTensor(let name):
            return "unexpected tensor \"\(name.prefix(200))\"; a Sort-of-CLEVR file holds "
                + DatasetFile.tensorNames.joined(separator: ", ")
        case .wrongDataType(let name, let expected, let found):
            return "tensor \"\(name)\" has dtype \(found.rawValue), expected \(expected.rawValue)"
        case .wrongShape(let name, let expected, let found):
            return "tensor \"\(name)\" has shape \(found), expected \(expected)"
        case .invalidValue(let name, let index, let reason):
            return "tensor \"\(name)\" at \(index): \(reason)"
        case .inconsistentData(let name, let index, let reason):
            return "tensor \"\(name)\" at \(index) disagrees with the file's scenes and questions: \(reason)"
        case .inFile(let path, let error):
            return "\(path): \(error.description)"
        }
    }
}
