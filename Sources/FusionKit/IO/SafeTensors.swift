import Foundation

/// Reading and writing tensors in the safetensors format, as PyTorch's `safetensors` package does.
///
/// A file is an 8-byte little-endian header length `N`, then `N` bytes of UTF-8 JSON mapping each
/// tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (plus an optional
/// `"__metadata__"` object of strings), then the data buffer the offsets point into.
///
/// ```swift
/// try SafeTensors.write(["encoder.weight": w, "encoder.bias": b], metadata: ["epoch": "3"], to: url)
/// let file = try SafeTensors.read(contentsOf: url)
/// let w2 = file["encoder.weight"]!
/// ```
///
/// The reader converts every supported dtype (see ``DataType``) to `Float` tensors; the writer
/// writes `F32`. For integer data that should keep its dtype (images, token ids),
/// ``write(raw:metadata:to:)`` and ``readRaw(contentsOf:)`` move ``RawTensor``s, bytes as they are. A file is validated completely before any tensor is built: every range must lie in
/// the buffer, hold exactly `product(shape) × size(dtype)` bytes and not overlap another, and the
/// ranges together must cover the buffer with no holes, as the format's specification requires.
/// Anything else throws a ``SafeTensorsError``.
public enum SafeTensors {
    /// The largest header the reader accepts, in bytes (the reference implementation's limit).
    public static let maximumHeaderLength = 100_000_000

    /// The deepest nesting of JSON arrays and objects the reader accepts in a header. A valid
    /// header nests three levels (the header, a tensor entry, its shape).
    public static let maximumNestingDepth = 64

    /// Reads and validates the safetensors file at `url`.
    ///
    /// Only regular files are read, and never more bytes than the file's size at opening. The
    /// header is read and validated first; then each tensor's bytes are read straight into its
    /// storage (converted through a buffer of that one tensor for other dtypes than `F32`), so
    /// loading holds the file's contents once, not twice.
    ///
    /// - Throws: ``SafeTensorsError/ioError(path:reason:)`` if the file cannot be read, otherwise
    ///   ``SafeTensorsError/inFile(path:error:)`` wrapping the reason the contents are invalid.
    public static func read(contentsOf url: URL) throws -> SafeTensorsFile {
        try SafeTensorsFileReader(url).readAll()
    }

    /// Decodes and validates a safetensors file held in memory.
    ///
    /// - Throws: A ``SafeTensorsError`` naming the first problem found.
    public static func decode(_ data: Data) throws -> SafeTensorsFile {
        let result = data.withUnsafeBytes { raw in
            Result { () throws(SafeTensorsError) in try decode(bytes: raw) }
        }
        return try result.get()
    }

    /// The product of `shape`, or nil if a dimension is negative or a partial product overflows
    /// `Int` (even if a later dimension is zero: `Tensor` computes the same running product).
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }

    // MARK: - Decoding

    /// One validated header entry.
    struct Entry {
        var name: String
        var dataType: DataType
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    /// A fully validated file: its entries in header order, the metadata, and the data buffer the
    /// entries' ranges point into (valid only as long as the bytes it was parsed from).
    struct Layout {
        var entries: [Entry]
        /// Indices into `entries` in the order their data appears in the buffer.
        var order: [Int]
        var metadata: [String: String]
        var buffer: UnsafeRawBufferPointer

        /// The bytes of `entry`, which lie inside `buffer` (checked during parsing).
        func bytes(of entry: Entry) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: buffer[entry.begin ..< entry.end])
        }
    }

    static func decode(bytes raw: UnsafeRawBufferPointer) throws(SafeTensorsError) -> SafeTensorsFile {
        let layout = try parseLayout(bytes: raw)
        // Every range is now known to lie inside the buffer, so allocation is bounded by the file size.
        var tensors: [String: Tensor] = [:]
        var dataTypes: [String: DataType] = [:]
        tensors.reserveCapacity(layout.entries.count)
        for entry in layout.entries {
            tensors[entry.name] = makeTensor(from: layout.bytes(of: entry), dataType: entry.dataType, shape: entry.shape)
            dataTypes[entry.name] = entry.dataType
        }
        return SafeTensorsFile(names: layout.order.map { layout.entries[$0].name }, tensors: tensors,
                               dataTypes: dataTypes, metadata: layout.metadata)
    }

    /// Validates the framing, the header and the layout of the data buffer, without building tensors.
    static func parseLayout(bytes raw: UnsafeRawBufferPointer) throws(SafeTensorsError) -> Layout {
        guard raw.count >= 8 else { throw .fileTooSmall(byteCount: raw.count) }
        let headerLength = try checkHeaderLength(raw.loadUnaligned(as: UInt64.self), fileSize: raw.count)
        let header = UnsafeRawBufferPointer(rebasing: raw[8 ..< 8 + headerLength])
        let buffer = UnsafeRawBufferPointer(rebasing: raw[(8 + headerLength)...])
        let parsed = try parseHeader(header, bufferSize: buffer.count)
        return Layout(entries: parsed.entries, order: parsed.order, metadata: parsed.metadata, buffer: buffer)
    }

    /// The header length the 8-byte prefix `prefix` (as stored, little-endian) declares, checked
    /// against the file's size and ``maximumHeaderLength``.
    static func checkHeaderLength(_ prefix: UInt64, fileSize: Int) throws(SafeTensorsError) -> Int {
        let declared = UInt64(littleEndian: prefix)
        let available = fileSize - 8
        guard declared <= UInt64(available) else {
            throw .headerLengthOutOfRange(declared: declared, available: available)
        }
        guard declared <= UInt64(maximumHeaderLength) else {
            throw .headerTooLarge(declared: declared, limit: maximumHeaderLength)
        }
        return Int(declared)
    }

    /// Validates the header's text and entries against a data buffer of `bufferSize` bytes: every
    /// range inside it, no overlap, no hole. Returns the entries, their data order and the metadata.
    static func parseHeader(_ header: UnsafeRawBufferPointer, bufferSize: Int) throws(SafeTensorsError)
        -> (entries: [Entry], order: [Int], metadata: [String: String]) {
        if let offset = firstInvalidUTF8Offset(header) { throw .headerNotUTF8(byteOffset: offset) }
        guard header.contains(where: { !isJSONWhitespace($0) }) else { throw .emptyHeader(byteCount: header.count) }

        // The header is read in one pass; only names, dtypes, shapes, offsets and metadata are kept.
        var scanner = HeaderScanner(header, depthLimit: maximumNestingDepth)
        guard scanner.peek() == UInt8(ascii: "{") else {
            throw .invalidHeaderJSON(reason: "the header must be a JSON object, found \(try scanner.describeValue())")
        }
        var entries: [Entry] = []
        var metadata: [String: String] = [:]
        try scanner.forEachMember { scanner, key throws(SafeTensorsError) in
            if key == "__metadata__" {
                metadata = try parseMetadata(&scanner)
            } else {
                entries.append(try parseEntry(&scanner, name: key, bufferSize: bufferSize))
            }
        }
        try scanner.finish()
        let order = try checkLayout(entries, bufferSize: bufferSize)
        return (entries, order, metadata)
    }

    private static func parseMetadata(_ scanner: inout HeaderScanner) throws(SafeTensorsError) -> [String: String] {
        switch scanner.peek() {
        case UInt8(ascii: "n"):   // null: no metadata, as the reference reader accepts
            let found = try scanner.describeValue()
            guard found == "null" else { throw .invalidMetadata(reason: "found \(found)") }
            return [:]
        case UInt8(ascii: "{"):
            var metadata: [String: String] = [:]
            try scanner.forEachMember { scanner, key throws(SafeTensorsError) in
                guard scanner.peek() == UInt8(ascii: "\"") else {
                    throw .invalidMetadata(reason: "the value of \"\(key.prefix(200))\" is \(try scanner.describeValue()), not a string")
                }
                metadata[key] = try scanner.parseString()
            }
            return metadata
        default:
            throw .invalidMetadata(reason: "found \(try scanner.describeValue())")
        }
    }

    private static func parseEntry(_ scanner: inout HeaderScanner, name: String,
                                   bufferSize: Int) throws(SafeTensorsError) -> Entry {
        func invalid(_ reason: String) -> SafeTensorsError { .invalidEntry(name: name, reason: reason) }

        guard scanner.peek() == UInt8(ascii: "{") else {
            throw invalid("expected an object with dtype, shape and data_offsets, found \(try scanner.describeValue())")
        }
        var dtypeName: String?, shape: [Int]?, offsets: [Int]?
        try scanner.forEachMember { scanner, field throws(SafeTensorsError) in
            switch field {
            case "dtype":
                guard scanner.peek() == UInt8(ascii: "\"") else {
                    throw invalid("dtype must be a string such as \"F32\", found \(try scanner.describeValue())")
                }
                dtypeName = try scanner.parseString()
            case "shape":
                guard scanner.peek() == UInt8(ascii: "[") else {
                    throw invalid("shape must be an array of non-negative integers, found \(try scanner.describeValue())")
                }
                var dimensions: [Int] = []
                try scanner.forEachElement { scanner, axis throws(SafeTensorsError) in
                    var found = ""
                    guard let size = try scanner.parseNonNegativeInteger(found: &found) else {
                        throw invalid("shape[\(axis)] must be a non-negative integer, found \(found)")
                    }
                    dimensions.append(size)
                }
                shape = dimensions
            case "data_offsets":
                let expected = "data_offsets must be two non-negative integers [begin, end]"
                guard scanner.peek() == UInt8(ascii: "[") else {
                    throw invalid("\(expected), found \(try scanner.describeValue())")
                }
                var pair: [Int] = []
                try scanner.forEachElement { scanner, index throws(SafeTensorsError) in
                    guard index < 2 else { throw invalid("\(expected), found more than two values") }
                    var found = ""
                    guard let offset = try scanner.parseNonNegativeInteger(found: &found) else {
                        throw invalid("\(expected), found \(found) at position \(index)")
                    }
                    pair.append(offset)
                }
                guard pair.count == 2 else { throw invalid("\(expected), found \(pair.count) values") }
                offsets = pair
            default:
                try scanner.skipValue(depth: 3)   // unknown fields are ignored, as by the reference reader
            }
        }
        guard let dtypeName else { throw invalid("the field \"dtype\" is missing") }
        guard let shape else { throw invalid("the field \"shape\" is missing") }
        guard let offsets else { throw invalid("the field \"data_offsets\" is missing") }
        let (begin, end) = (offsets[0], offsets[1])

        guard let dataType = DataType(rawValue: dtypeName) else {
            throw .unsupportedDType(name: name, dtype: dtypeName)
        }
        guard let count = elementCount(shape),
              case (let byteCount, false) = count.multipliedReportingOverflow(by: dataType.byteSize) else {
            throw invalid("shape \(shape) has more elements than can be addressed")
        }
        guard begin <= end, end <= bufferSize else {
            throw .offsetsOutOfRange(name: name, begin: begin, end: end, bufferSize: bufferSize)
        }
        guard end - begin == byteCount else {
            throw .shapeDataMismatch(name: name, shape: shape, dtype: dtypeName, byteCount: end - begin)
        }
        return Entry(name: name, dataType: dataType, shape: shape, begin: begin, end: end)
    }

    /// Checks that the non-empty ranges tile the buffer exactly: no overlap, no hole, nothing after
    /// the last one. Empty tensors (`begin == end`) own no bytes and may sit anywhere in the buffer.
    /// Returns the entries' indices in data order.
    private static func checkLayout(_ entries: [Entry], bufferSize: Int) throws(SafeTensorsError) -> [Int] {
        let order = entries.indices.sorted {
            (entries[$0].begin, entries[$0].end, $0) < (entries[$1].begin, entries[$1].end, $1)
        }
        var covered = 0
        var previous: Int?
        for index in order where entries[index].begin < entries[index].end {
            let entry = entries[index]
            if entry.begin < covered, let previous {
                throw .overlappingData(first: entries[previous].name, second: entry.name)
            }
            if entry.begin > covered { throw .uncoveredData(begin: covered, end: entry.begin) }
            covered = entry.end
            previous = index
        }
        if covered < bufferSize { throw .uncoveredData(begin: covered, end: bufferSize) }
        return order
    }
}

/// The tensors and metadata of a safetensors file, as read by ``SafeTensors``.
public struct SafeTensorsFile: Sendable, Equatable {
    /// The tensor names in the order their data appears in the file.
    public let names: [String]
    /// The tensors by name, converted to `Float`.
    public let tensors: [String: Tensor]
    /// The element type each tensor had in the file, before conversion to `Float`.
    public let dataTypes: [String: SafeTensors.DataType]
    /// The string pairs of the header's `__metadata__` object (empty if there was none).
    public let metadata: [String: String]

    /// The tensor named `name`, or nil if the file has none.
    public subscript(name: String) -> Tensor? { tensors[name] }
}

/// The offset of the first byte of `bytes` that does not belong to a valid UTF-8 sequence, or nil
/// if all of them do.
func firstInvalidUTF8Offset(_ bytes: UnsafeRawBufferPointer) -> Int? {
    var iterator = bytes.makeIterator()
    var parser = Unicode.UTF8.ForwardParser()
    var offset = 0
    while true {
        switch parser.parseScalar(from: &iterator) {
        case .valid(let scalar): offset += scalar.count
        case .emptyInput: return nil
        case .error: return offset
        }
    }
}

/// Space, tab, line feed or carriage return: the only white space JSON allows.
func isJSONWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
}
