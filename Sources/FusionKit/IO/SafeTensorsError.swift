/// Why a safetensors file could not be read or written.
///
/// Every byte of a file is treated as hostile: a damaged, truncated or malicious file throws one of
/// these errors and never crashes the reader, reads outside the file, or allocates more memory than
/// the file's real size justifies. Each message names the tensor (and, for errors thrown by
/// ``SafeTensors/read(contentsOf:)``, the file) and what was expected.
public enum SafeTensorsError: DescribedError, Equatable, Sendable {
    // MARK: Framing

    /// The data is shorter than the 8-byte little-endian header-length prefix.
    case fileTooSmall(byteCount: Int)
    /// The header-length prefix declares more bytes than follow it.
    case headerLengthOutOfRange(declared: UInt64, available: Int)
    /// The header-length prefix declares a header larger than ``SafeTensors/maximumHeaderLength``.
    case headerTooLarge(declared: UInt64, limit: Int)

    // MARK: Header JSON

    /// The header is empty or only white space (`byteCount` bytes); a header is at least `{}`.
    case emptyHeader(byteCount: Int)
    /// The header bytes are not valid UTF-8; `byteOffset` is the first bad byte, counted from the
    /// start of the header (the file offset is 8 more).
    case headerNotUTF8(byteOffset: Int)
    /// The header is not a well-formed JSON object; `reason` says what was found and where.
    case invalidHeaderJSON(reason: String)
    /// The header nests arrays or objects deeper than `limit` (a valid header nests 3 levels).
    case headerNestingTooDeep(limit: Int)
    /// A JSON object in the header holds the key `name` more than once.
    case duplicateKey(name: String)
    /// `__metadata__` is not an object mapping strings to strings.
    case invalidMetadata(reason: String)

    // MARK: Tensor entries

    /// The header entry for tensor `name` is malformed (a field is missing or has the wrong type,
    /// a dimension is negative, or the shape is too large to address).
    case invalidEntry(name: String, reason: String)
    /// Tensor `name` has a dtype this reader does not convert (for example `F8_E4M3`), or an unknown one.
    case unsupportedDType(name: String, dtype: String)
    /// Tensor `name`'s `data_offsets` run backwards or past the end of the data buffer.
    case offsetsOutOfRange(name: String, begin: Int, end: Int, bufferSize: Int)
    /// Tensor `name`'s byte range does not hold exactly `product(shape) × size(dtype)` bytes.
    case shapeDataMismatch(name: String, shape: [Int], dtype: String, byteCount: Int)
    /// Two tensors' byte ranges share bytes.
    case overlappingData(first: String, second: String)
    /// Bytes `begin..<end` of the data buffer belong to no tensor. The format requires the buffer to
    /// be fully indexed without holes (this rules out polyglot files hiding data between tensors).
    case uncoveredData(begin: Int, end: Int)

    // MARK: Writing and files

    /// A tensor cannot be written under this name (the reserved `__metadata__`).
    case invalidTensorName(name: String, reason: String)
    /// The file system refused an operation on `path`.
    case ioError(path: String, reason: String)
    /// The file at `path` is not a valid safetensors file; `error` says why.
    indirect case inFile(path: String, error: SafeTensorsError)

    /// The error without the file path added by ``SafeTensors/read(contentsOf:)``.
    public var underlyingError: SafeTensorsError {
        if case .inFile(_, let error) = self { return error.underlyingError }
        return self
    }

    /// A message naming what is wrong and what was expected.
    public var description: String {
        switch self {
        case .fileTooSmall(let byteCount):
            return "the data is \(byteCount) bytes long; a safetensors file starts with an 8-byte header length"
        case .headerLengthOutOfRange(let declared, let available):
            return "the header length prefix says \(declared) bytes, but only \(available) bytes follow it "
                + "(the file is truncated or is not a safetensors file)"
        case .headerTooLarge(let declared, let limit):
            return "the header length prefix says \(declared) bytes, more than the limit of \(limit) bytes"
        case .emptyHeader(let byteCount):
            return byteCount == 0
                ? "the header is empty (its length prefix is 0); a header is a JSON object, at least {}"
                : "the header is \(byteCount) bytes of white space; a header is a JSON object, at least {}"
        case .headerNotUTF8(let byteOffset):
            return "the header is not valid UTF-8 text: byte \(byteOffset) of the header "
                + "(byte \(byteOffset + 8) of the file) does not start or continue a UTF-8 character"
        case .invalidHeaderJSON(let reason):
            return "the header is not a valid JSON object: \(reason)"
        case .headerNestingTooDeep(let limit):
            return "the header nests JSON arrays or objects more than \(limit) levels deep"
        case .duplicateKey(let name):
            return "the header holds the key \(quoted(name)) more than once in the same object"
        case .invalidMetadata(let reason):
            return "__metadata__ must be an object mapping strings to strings: \(reason)"
        case .invalidEntry(let name, let reason):
            return "tensor \(quoted(name)): \(reason)"
        case .unsupportedDType(let name, let dtype):
            let known = SafeTensors.DataType.allCases.map(\.rawValue).joined(separator: ", ")
            return "tensor \(quoted(name)) has dtype \(quoted(dtype)); supported dtypes are \(known)"
        case .offsetsOutOfRange(let name, let begin, let end, let bufferSize):
            if begin > end {
                return "tensor \(quoted(name)) has data_offsets [\(begin), \(end)]: the end is before the begin"
            }
            return "tensor \(quoted(name)) has data_offsets [\(begin), \(end)], past the end of the "
                + "\(bufferSize)-byte data buffer (the file may be truncated)"
        case .shapeDataMismatch(let name, let shape, let dtype, let byteCount):
            var expected = ""
            if let size = SafeTensors.DataType(rawValue: dtype)?.byteSize,
               let count = SafeTensors.elementCount(shape),
               case (let bytes, false) = count.multipliedReportingOverflow(by: size) {
                expected = " needs \(count) × \(size) = \(bytes) bytes"
            }
            return "tensor \(quoted(name)) of shape \(shape) and dtype \(dtype)\(expected), "
                + "but its data_offsets span \(byteCount) bytes"
        case .overlappingData(let first, let second):
            return "tensors \(quoted(first)) and \(quoted(second)) have overlapping data_offsets"
        case .uncoveredData(let begin, let end):
            return "bytes \(begin)..<\(end) of the data buffer belong to no tensor; "
                + "the format requires the buffer to be fully indexed"
        case .invalidTensorName(let name, let reason):
            return "cannot write a tensor named \(quoted(name)): \(reason)"
        case .ioError(let path, let reason):
            return "\(path): \(reason)"
        case .inFile(let path, let error):
            return "\(path): \(error.description)"
        }
    }
}

/// A name in double quotes, cut short if it is very long (a hostile file may use megabyte names).
private func quoted(_ name: String) -> String {
    let limit = 200
    if name.count <= limit { return "\"\(name)\"" }
    return "\"\(name.prefix(limit))…\" (\(name.utf8.count) bytes)"
}
