import Foundation
import FusionKit
import Testing

// MARK: - Helpers

/// A safetensors file built by hand: the length prefix (the header's length unless `length` is
/// given), the header text, then the data bytes.
private func makeFile(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> Data {
    makeFile(headerBytes: Array(header.utf8), data: data, length: length)
}

private func makeFile(headerBytes: [UInt8], data: [UInt8] = [], length: UInt64? = nil) -> Data {
    var file = Data()
    withUnsafeBytes(of: (length ?? UInt64(headerBytes.count)).littleEndian) { file.append(contentsOf: $0) }
    file.append(contentsOf: headerBytes)
    file.append(contentsOf: data)
    return file
}

/// One header entry as JSON text.
private func entry(_ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
    "{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}"
}

/// The little-endian bytes of integers (or float bit patterns).
private func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
}

/// The error `decode` throws for `data`, recording an issue if it throws something else or nothing.
private func decodingError(_ data: Data, sourceLocation: SourceLocation = #_sourceLocation) -> SafeTensorsError? {
    #expect(throws: SafeTensorsError.self, sourceLocation: sourceLocation) { try SafeTensors.decode(data) }
}

/// The reason of an `invalidEntry` error for tensor `name`, or nil (with an issue) for any other error.
private func invalidEntryReason(_ data: Data, name: String,
                                sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    let error = decodingError(data, sourceLocation: sourceLocation)
    guard case .invalidEntry(name, let reason)? = error else {
        Issue.record("expected invalidEntry for \(name), got \(String(describing: error))", sourceLocation: sourceLocation)
        return nil
    }
    return reason
}

/// For each of `values`, a file of four data bytes whose one tensor "t" has the entry `entry(value)`
/// is refused as an invalid entry whose reason contains `reason`.
private func expectInvalidEntries<Value>(_ values: [Value], reasonContaining reason: String,
                                         sourceLocation: SourceLocation = #_sourceLocation,
                                         entry: (Value) -> String) {
    for value in values {
        let found = invalidEntryReason(makeFile("{\"t\":\(entry(value))}", data: [0, 0, 0, 0]), name: "t",
                                       sourceLocation: sourceLocation)
        #expect(found?.contains(reason) == true, "\(value): \(found ?? "")", sourceLocation: sourceLocation)
    }
}

private func bitPatterns(_ tensor: Tensor?) -> [UInt32] { tensor?.scalars.map(\.bitPattern) ?? [] }

/// A fresh empty directory under the system's temporary directory.
private func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("SafeTensorsTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private func contents(of directory: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
}

// MARK: - Round trips

@Suite("SafeTensors round trips")
struct SafeTensorsRoundTripTests {
    @Test func severalTensorsAndMetadataRoundTrip() throws {
        var generator = RandomGenerator(seed: 7)
        let tensors: [String: Tensor] = [
            "encoder.layers.0.weight": Tensor.randomNormal([3, 4], generator: &generator),
            "encoder.layers.0.bias": Tensor([1, -2, .infinity, -0.0]),
            "scale": Tensor(Float(0.5)),
            "empty": Tensor([], shape: [0, 3]),
            "tiny": Tensor([.leastNonzeroMagnitude, .greatestFiniteMagnitude, .nan], shape: [1, 3, 1]),
        ]
        let metadata = ["format": "pt", "note": "quote \" backslash \\ newline \n tab \t ünïcödé 🎉", "": "empty key"]
        let file = try SafeTensors.decode(try SafeTensors.encode(tensors, metadata: metadata))

        #expect(file.names == ["empty", "encoder.layers.0.bias", "encoder.layers.0.weight", "scale", "tiny"])
        #expect(file.metadata == metadata)
        for (name, tensor) in tensors {
            #expect(file[name]?.shape == tensor.shape, "\(name)")
            #expect(bitPatterns(file[name]) == bitPatterns(tensor), "\(name)")
            #expect(file.dataTypes[name] == .float32)
        }
        #expect(file["scale"]?.shape == [])
        #expect(file["empty"]?.count == 0)
    }

    @Test func encodedLayoutMatchesTheFormat() throws {
        let data = try SafeTensors.encode(["b": Tensor([1, 2]), "a": Tensor(Float(-1))])
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        let header = String(decoding: data.dropFirst(8).prefix(Int(headerLength)), as: UTF8.self)
        let json = #"{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        #expect(header.trimmingCharacters(in: .whitespaces) == json)
        #expect(header.hasSuffix(" ") || header == json)
        #expect(Array(data.suffix(12)) == [0x00, 0x00, 0x80, 0xBF, 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40])
        #expect(data.count == 8 + Int(headerLength) + 12)
    }

    @Test func metadataComesFirstAndEmptyMetadataIsOmitted() throws {
        let withMetadata = String(decoding: try SafeTensors.encode(["x": Tensor([1])], metadata: ["k": "v"]).dropFirst(8),
                                  as: UTF8.self)
        #expect(withMetadata.hasPrefix(#"{"__metadata__":{"k":"v"},"x":{"#))
        let without = String(decoding: try SafeTensors.encode(["x": Tensor([1])]).dropFirst(8), as: UTF8.self)
        #expect(!without.contains("__metadata__"))
    }

    @Test func unusualNamesRoundTrip() throws {
        let names = ["", "with \"quotes\"", "back\\slash", "control \u{1}\u{1F}", "emoji 🎉.weight", "/", " "]
        let tensors = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Tensor([Float($0)])) })
        let file = try SafeTensors.decode(try SafeTensors.encode(tensors))
        #expect(file.tensors == tensors)
    }

    @Test func noTensorsRoundTrip() throws {
        let data = try SafeTensors.encode([:])
        #expect(data.count == 16)
        let file = try SafeTensors.decode(data)
        #expect(file.tensors.isEmpty && file.names.isEmpty && file.metadata.isEmpty)
    }

    @Test func decodesADataSlice() throws {
        // Data slices do not start at index 0; the reader must not assume they do.
        let encoded = try SafeTensors.encode(["x": Tensor([3, 4])])
        let padded = Data([1, 2, 3]) + encoded
        let file = try SafeTensors.decode(padded.dropFirst(3))
        #expect(file["x"] == Tensor([3, 4]))
    }

    @Test func writeAndReadAFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        let tensors = ["w": Tensor([1, 2, 3, 4], shape: [2, 2]), "b": Tensor([5, 6])]
        try SafeTensors.write(tensors, metadata: ["epoch": "1"], to: url)
        try SafeTensors.write(tensors.merging(["c": Tensor(Float(7))]) { $1 }, metadata: ["epoch": "2"], to: url)
        let file = try SafeTensors.read(contentsOf: url)
        #expect(file.tensors.count == 3 && file["w"] == tensors["w"] && file["c"] == Tensor(Float(7)))
        #expect(file.metadata == ["epoch": "2"])
        #expect(try contents(of: directory) == ["model.safetensors"])
    }
}

// MARK: - Foreign dtypes

@Suite("SafeTensors reads every supported dtype as Float")
struct SafeTensorsDTypeTests {
    /// Decodes a one-tensor file named "t" and checks its values, shape and recorded dtype.
    private func check(_ dtype: String, _ bytes: [UInt8], shape: [Int], expected: [Float],
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let data = makeFile("{\"t\":\(entry(dtype, shape, 0, bytes.count))}", data: bytes)
        let file = try SafeTensors.decode(data)
        let tensor = try #require(file["t"], sourceLocation: sourceLocation)
        #expect(tensor.shape == shape, sourceLocation: sourceLocation)
        #expect(tensor.scalars.map(\.bitPattern) == expected.map(\.bitPattern), "\(tensor.scalars)",
                sourceLocation: sourceLocation)
        #expect(file.dataTypes["t"]?.rawValue == dtype, sourceLocation: sourceLocation)
    }

    @Test func float64() throws {
        try check("F64", littleEndianBytes([1.5, -2.25, 1e300, 0.1].map(\.bitPattern)), shape: [2, 2],
                  expected: [1.5, -2.25, .infinity, Float(0.1)])
    }

    @Test func float16() throws {
        // 1, -2, 65504 (largest), 2^-24 (smallest subnormal), 2^-14 (smallest normal), +inf, -0, 0.333
        let bits: [UInt16] = [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x0400, 0x7C00, 0x8000, 0x3555]
        try check("F16", littleEndianBytes(bits), shape: [8],
                  expected: [1, -2, 65504, 0x1p-24, 0x1p-14, .infinity, -0.0, 0.333251953125])
        let nan = try SafeTensors.decode(makeFile("{\"t\":\(entry("F16", [1], 0, 2))}", data: [0x00, 0x7E]))
        #expect(nan["t"]?.scalar.isNaN == true)
    }

    @Test func bfloat16() throws {
        try check("BF16", littleEndianBytes([UInt16(0x3F80), 0xC040, 0x4049, 0xFF80]), shape: [4],
                  expected: [1, -3, 3.140625, -.infinity])
    }

    @Test func signedIntegers() throws {
        try check("I64", littleEndianBytes([Int64(-1), 1 << 40, 123_456_789, .max]), shape: [4],
                  expected: [-1, 0x1p40, 123_456_792, 0x1p63])
        try check("I32", littleEndianBytes([Int32(-7), .min, 16_777_217]), shape: [3],
                  expected: [-7, -0x1p31, 16_777_216])
        try check("I16", littleEndianBytes([Int16(-32768), 32767]), shape: [1, 2], expected: [-32768, 32767])
        try check("I8", littleEndianBytes([Int8(-128), 127, 0]), shape: [3], expected: [-128, 127, 0])
    }

    @Test func unsignedIntegersAndBool() throws {
        try check("U8", [0, 17, 255, 128], shape: [2, 1, 2], expected: [0, 17, 255, 128])
        try check("U16", littleEndianBytes([UInt16(65535), 1]), shape: [2], expected: [65535, 1])
        try check("U32", littleEndianBytes([UInt32.max]), shape: [], expected: [0x1p32])
        try check("U64", littleEndianBytes([UInt64.max, 3]), shape: [2], expected: [0x1p64, 3])
        try check("BOOL", [0, 1, 2, 255], shape: [4], expected: [0, 1, 1, 1])
    }

    @Test func mixedDTypesInPyTorchLayout() throws {
        // The reference writer orders data by alignment, largest first: I64 ids, then F32, then U8.
        let data = littleEndianBytes([Int64(5), 9]) + littleEndianBytes([Float(0.25).bitPattern]) + [200, 1]
        let header = "{\"ids\":\(entry("I64", [2], 0, 16)),\"w\":\(entry("F32", [], 16, 20)),"
            + "\"img\":\(entry("U8", [1, 2], 20, 22)),\"__metadata__\":{\"format\":\"pt\"}}"
        let file = try SafeTensors.decode(makeFile(header, data: data))
        #expect(file.names == ["ids", "w", "img"])
        #expect(file["ids"] == Tensor([5, 9]) && file["w"] == Tensor(Float(0.25)))
        #expect(file["img"] == Tensor([200, 1], shape: [1, 2]))
        #expect(file.dataTypes == ["ids": .int64, "w": .float32, "img": .uint8])
        #expect(file.metadata == ["format": "pt"])
    }

    @Test func unknownAndUnsupportedDTypesAreRejected() {
        for dtype in ["F8_E4M3", "F8_E5M2", "Q4", "f32", ""] {
            let data = makeFile("{\"t\":\(entry(dtype, [1], 0, 1))}", data: [0])
            #expect(decodingError(data) == .unsupportedDType(name: "t", dtype: dtype))
        }
    }
}

// MARK: - Corrupt input

@Suite("SafeTensors rejects corrupt files with a specific error")
struct SafeTensorsCorruptionTests {
    @Test func fileTooSmall() {
        for count in 0 ..< 8 {
            #expect(decodingError(Data(repeating: 0, count: count)) == .fileTooSmall(byteCount: count))
        }
    }

    @Test func headerLengthBeyondTheFile() {
        #expect(decodingError(makeFile("{}", length: 3)) == .headerLengthOutOfRange(declared: 3, available: 2))
        #expect(decodingError(makeFile("{}", length: .max)) == .headerLengthOutOfRange(declared: .max, available: 2))
        #expect(decodingError(makeFile("{}", length: 1 << 63)) == .headerLengthOutOfRange(declared: 1 << 63, available: 2))
    }

    @Test func headerLargerThanTheLimit() {
        // A real 100 MB buffer: the limit applies only to headers the file could actually hold.
        let length = SafeTensors.maximumHeaderLength + 1
        let data = makeFile(headerBytes: [UInt8](repeating: UInt8(ascii: " "), count: length))
        #expect(decodingError(data) == .headerTooLarge(declared: UInt64(length), limit: SafeTensors.maximumHeaderLength))
    }

    @Test("a header that is not UTF-8 names the first bad byte")
    func headerNotUTF8() {
        let header = Array("{\"t".utf8) + [0xFF, 0xFE] + Array("\":\(entry("F32", [0], 0, 0))}".utf8)
        #expect(decodingError(makeFile(headerBytes: header)) == .headerNotUTF8(byteOffset: 3))
        #expect(decodingError(makeFile(headerBytes: [0x7B, 0xC3, 0x28, 0x7D])) == .headerNotUTF8(byteOffset: 1))
        // Valid multi-byte characters before the bad byte count by their bytes.
        let accented = Array("{\"é🎉".utf8) + [0x80] + Array("\":1}".utf8)
        let error = decodingError(makeFile(headerBytes: accented))
        #expect(error == .headerNotUTF8(byteOffset: 8))
        #expect(error?.description.contains("byte 8 of the header (byte 16 of the file)") == true)
    }

    @Test("an empty or blank header says so")
    func emptyHeader() {
        #expect(decodingError(makeFile("")) == .emptyHeader(byteCount: 0))
        #expect(decodingError(makeFile(" \n\t ")) == .emptyHeader(byteCount: 4))
        #expect(decodingError(makeFile(""))?.description.contains("the header is empty") == true)
    }

    /// A valid one-tensor file whose entry carries an ignored field with the given JSON text.
    private func fileWithExtraField(_ extra: String) -> Data {
        makeFile("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":\(extra)}}",
                 data: [0, 0, 0, 0])
    }

    @Test func headerNotJSON() {
        let headers = ["{", "{\"__metadata__\":", "{} x", "{}\0", "{'a':1}", "{\"__metadata__\":{},}",
                       "{\"__metadata__\" {}}", "{1:2}", "\u{FEFF}{}", "{\"__metadata__\":{\"a\":\"\\x\"}}",
                       "{\"__metadata__\":{\"a\":\"\\ud800\"}}", "{\"__metadata__\":{\"a\":\"\\udc00\"}}",
                       "{\"__metadata__\":{\"a\":\"tab\there\"}}", "{\"__metadata__\":{\"a\":\"unterminated}}",
                       "{\"t\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}"]
        let extras = ["01", "-", "1.", "1e", "+1", ".5", "NaN", "Infinity", "tru", "nul", "[1 2]", "[1,]",
                      "{\"a\" 1}", "{\"a\":1,}", "\"\\u12G4\"", "'a'"]
        for data in headers.map({ makeFile($0) }) + extras.map(fileWithExtraField) {
            let error = decodingError(data)
            guard case .invalidHeaderJSON? = error else {
                Issue.record("\(String(decoding: data.dropFirst(8), as: UTF8.self).debugDescription): \(String(describing: error))")
                continue
            }
        }
    }

    @Test func headerNotAnObject() {
        for header in ["[]", "\"text\"", "12", "null", "true"] {
            let error = decodingError(makeFile(header))
            guard case .invalidHeaderJSON(let reason)? = error else {
                Issue.record("header \(header): \(String(describing: error))")
                continue
            }
            #expect(reason.contains("must be a JSON object"), "\(reason)")
        }
    }

    @Test func stringEscapesAreDecoded() throws {
        let header = #"{"__metadata__":{"k\u0041":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83c\udf89"}}"#
        let file = try SafeTensors.decode(makeFile(header))
        #expect(file.metadata == ["kA": "a\"b\\c/d\u{8}\u{C}\n\r\té🎉"])
    }

    @Test(.timeLimit(.minutes(1))) func deeplyNestedHeaderIsRejectedQuickly() {
        let depth = 100_000
        let limit = SafeTensorsError.headerNestingTooDeep(limit: SafeTensors.maximumNestingDepth)
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(decodingError(fileWithExtraField(arrays)) == limit)
        let objects = String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(decodingError(fileWithExtraField(objects)) == limit)
        #expect(decodingError(fileWithExtraField(String(repeating: "[", count: depth))) == limit)
        // Nesting within the limit is fine.
        let shallow = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect((try? SafeTensors.decode(fileWithExtraField(shallow)))?["t"] == Tensor([0]))
        // Where the format expects no nesting, the first wrong bracket is reported at once.
        guard case .invalidHeaderJSON? = decodingError(makeFile(arrays)) else {
            Issue.record("a deeply nested array as the header")
            return
        }
        guard case .invalidMetadata? = decodingError(makeFile("{\"__metadata__\":{\"a\":" + objects + "}}")) else {
            Issue.record("deeply nested metadata")
            return
        }
    }

    @Test func duplicateKeys() {
        let tensor = entry("F32", [1], 0, 4)
        let twice = makeFile("{\"t\":\(tensor),\"t\":\(tensor)}", data: [0, 0, 0, 0])
        #expect(decodingError(twice) == .duplicateKey(name: "t"))
        let metadataTwice = makeFile("{\"__metadata__\":{},\"__metadata__\":{}}")
        #expect(decodingError(metadataTwice) == .duplicateKey(name: "__metadata__"))
        let fieldTwice = makeFile("{\"t\":{\"dtype\":\"F32\",\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                                  data: [0, 0, 0, 0])
        #expect(decodingError(fieldTwice) == .duplicateKey(name: "dtype"))
        // The same key spelled with an escape is still the same key.
        let escaped = makeFile("{\"t\":\(tensor),\"\\u0074\":\(tensor)}", data: [0, 0, 0, 0])
        #expect(decodingError(escaped) == .duplicateKey(name: "t"))
        // Even inside an ignored field.
        #expect(decodingError(fileWithExtraField("{\"a\":1,\"a\":2}")) == .duplicateKey(name: "a"))
    }

    @Test func metadataMustMapStringsToStrings() {
        for metadata in ["{\"epoch\":3}", "{\"a\":{}}", "{\"a\":null}", "[\"a\"]", "\"text\"", "7"] {
            let error = decodingError(makeFile("{\"__metadata__\":\(metadata)}"))
            guard case .invalidMetadata? = error else {
                Issue.record("metadata \(metadata): \(String(describing: error))")
                continue
            }
        }
        // null is accepted as "no metadata", as by the reference reader.
        #expect((try? SafeTensors.decode(makeFile("{\"__metadata__\":null}")))?.metadata == [:])
    }

    @Test func entryOfTheWrongKind() {
        for value in ["[]", "\"F32\"", "3", "null"] {
            let reason = invalidEntryReason(makeFile("{\"t\":\(value)}"), name: "t")
            #expect(reason?.contains("expected an object") == true, "\(reason ?? "")")
        }
    }

    @Test func missingFields() {
        let cases = [("dtype", "{\"shape\":[1],\"data_offsets\":[0,4]}"),
                     ("shape", "{\"dtype\":\"F32\",\"data_offsets\":[0,4]}"),
                     ("data_offsets", "{\"dtype\":\"F32\",\"shape\":[1]}")]
        for (field, value) in cases {
            let reason = invalidEntryReason(makeFile("{\"t\":\(value)}", data: [0, 0, 0, 0]), name: "t")
            #expect(reason?.contains("\"\(field)\" is missing") == true, "\(reason ?? "")")
        }
    }

    @Test func fieldsOfTheWrongType() {
        let cases = ["{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}",
                     "{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,4]}",
                     "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\"0-4\"}",
                     "{\"dtype\":\"F32\",\"shape\":{\"0\":1},\"data_offsets\":[0,4]}"]
        for value in cases {
            _ = invalidEntryReason(makeFile("{\"t\":\(value)}", data: [0, 0, 0, 0]), name: "t")
        }
    }

    @Test func badShapeDimensions() {
        expectInvalidEntries(["-1", "2.5", "1e0", "\"1\"", "null", "true", "[1]", "-0.0",
                              "9223372036854775808", "99999999999999999999999999999"], reasonContaining: "shape[1]") {
            "{\"dtype\":\"F32\",\"shape\":[1,\($0)],\"data_offsets\":[0,4]}"
        }
    }

    @Test func shapesWhoseProductOverflows() {
        let huge = [[1 << 32, 1 << 32], [Int.max, 2], [1 << 62, 4, 0], [3037000500, 3037000500], [1 << 61, 2]]
        expectInvalidEntries(huge, reasonContaining: "more elements than can be addressed") { entry("F32", $0, 0, 4) }
        // A huge dimension after a zero never overflows: an empty tensor.
        let empty = try? SafeTensors.decode(makeFile("{\"t\":\(entry("F32", [0, Int.max], 0, 0))}"))
        #expect(empty?["t"]?.count == 0 && empty?["t"]?.shape == [0, Int.max])
    }

    @Test func badDataOffsets() {
        expectInvalidEntries(["[0]", "[0,4,8]", "[]", "[-4,0]", "[0,-4]", "[0,4.0]", "[0,\"4\"]", "[null,4]",
                              "[0,18446744073709551616]", "4"], reasonContaining: "data_offsets") {
            "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\($0)}"
        }
    }

    @Test func offsetsOutOfRange() {
        let truncated = makeFile("{\"t\":\(entry("F32", [4], 0, 16))}", data: [UInt8](repeating: 0, count: 10))
        #expect(decodingError(truncated) == .offsetsOutOfRange(name: "t", begin: 0, end: 16, bufferSize: 10))
        let backwards = makeFile("{\"t\":\(entry("F32", [1], 8, 4))}", data: [UInt8](repeating: 0, count: 8))
        #expect(decodingError(backwards) == .offsetsOutOfRange(name: "t", begin: 8, end: 4, bufferSize: 8))
        let huge = makeFile("{\"t\":\(entry("F32", [1], Int.max - 3, Int.max))}", data: [0, 0, 0, 0])
        #expect(decodingError(huge) == .offsetsOutOfRange(name: "t", begin: Int.max - 3, end: Int.max, bufferSize: 4))
    }

    @Test func byteCountDisagreesWithShape() {
        let data = makeFile("{\"t\":\(entry("F32", [2, 2], 0, 12))}", data: [UInt8](repeating: 0, count: 12))
        let error = decodingError(data)
        #expect(error == .shapeDataMismatch(name: "t", shape: [2, 2], dtype: "F32", byteCount: 12))
        let message = error?.description ?? ""
        #expect(message.contains("\"t\"") && message.contains("[2, 2]") && message.contains("16 bytes")
                && message.contains("12 bytes"), "\(message)")
        let int64 = makeFile("{\"t\":\(entry("I64", [3], 0, 12))}", data: [UInt8](repeating: 0, count: 12))
        #expect(decodingError(int64) == .shapeDataMismatch(name: "t", shape: [3], dtype: "I64", byteCount: 12))
    }

    @Test func overlappingRanges() {
        let zeros = [UInt8](repeating: 0, count: 12)
        let partly = makeFile("{\"a\":\(entry("F32", [2], 0, 8)),\"b\":\(entry("F32", [2], 4, 12))}", data: zeros)
        #expect(decodingError(partly) == .overlappingData(first: "a", second: "b"))
        let same = makeFile("{\"b\":\(entry("F32", [3], 0, 12)),\"a\":\(entry("U8", [12], 0, 12))}", data: zeros)
        #expect(decodingError(same) == .overlappingData(first: "b", second: "a"))
        let inside = makeFile("{\"a\":\(entry("F32", [3], 0, 12)),\"b\":\(entry("U8", [2], 4, 6))}", data: zeros)
        #expect(decodingError(inside) == .overlappingData(first: "a", second: "b"))
    }

    @Test func bytesOwnedByNoTensor() {
        let zeros = [UInt8](repeating: 0, count: 12)
        let gap = makeFile("{\"a\":\(entry("F32", [1], 0, 4)),\"b\":\(entry("F32", [1], 8, 12))}", data: zeros)
        #expect(decodingError(gap) == .uncoveredData(begin: 4, end: 8))
        let leading = makeFile("{\"a\":\(entry("F32", [2], 4, 12))}", data: zeros)
        #expect(decodingError(leading) == .uncoveredData(begin: 0, end: 4))
        let trailing = makeFile("{\"a\":\(entry("F32", [2], 0, 8))}", data: zeros)
        #expect(decodingError(trailing) == .uncoveredData(begin: 8, end: 12))
        let noTensors = makeFile("{}", data: [1])
        #expect(decodingError(noTensors) == .uncoveredData(begin: 0, end: 1))
    }

    @Test func emptyTensorsOwnNoBytes() throws {
        // An empty tensor may point anywhere in the buffer, even inside another tensor's range.
        let header = "{\"a\":\(entry("F32", [2], 0, 8)),\"e\":\(entry("F32", [0, 5], 4, 4)),\"z\":\(entry("I8", [0], 8, 8))}"
        let file = try SafeTensors.decode(makeFile(header, data: [UInt8](repeating: 0, count: 8)))
        #expect(file.names == ["a", "e", "z"] && file["e"]?.shape == [0, 5])
    }

    @Test func unknownFieldsAndWhitespaceAreAccepted() throws {
        let header = " \n{ \"t\" : {\"dtype\":\"F32\", \"extra\": [1, {\"x\": null}], \"shape\":[ 1 ],\r\n"
            + "\t\"data_offsets\":[0, 4]} }   "
        let file = try SafeTensors.decode(makeFile(header, data: littleEndianBytes([Float(2).bitPattern])))
        #expect(file["t"] == Tensor([2]))
    }

    @Test func messagesNameTheFileAndTheTensor() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("broken.safetensors")
        try Data([1, 2, 3]).write(to: url)
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensors.read(contentsOf: url) }
        #expect(error == .inFile(path: url.path, error: .fileTooSmall(byteCount: 3)))
        #expect(error?.underlyingError == .fileTooSmall(byteCount: 3))
        #expect(error?.description.contains("broken.safetensors") == true)

        let missing = directory.appendingPathComponent("missing.safetensors")
        let ioError = #expect(throws: SafeTensorsError.self) { try SafeTensors.read(contentsOf: missing) }
        guard case .ioError(let path, let reason)? = ioError else {
            Issue.record("\(String(describing: ioError))")
            return
        }
        #expect(path == missing.path && reason.contains("No such file"), "\(reason)")
        let directoryError = #expect(throws: SafeTensorsError.self) { try SafeTensors.read(contentsOf: directory) }
        #expect(directoryError?.description.contains("directory") == true)
    }
}

// MARK: - Atomic writes

@Suite("SafeTensors writes atomically")
struct SafeTensorsWriteTests {
    @Test func invalidNamesThrowBeforeTouchingTheFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try SafeTensors.write(["w": Tensor([1, 2])], to: url)
        let before = try Data(contentsOf: url)

        for name in ["__metadata__"] {
            let error = #expect(throws: SafeTensorsError.self) {
                try SafeTensors.write(["w": Tensor([3, 4]), name: Tensor([5])], to: url)
            }
            guard case .invalidTensorName(name, _)? = error else {
                Issue.record("name \(name.debugDescription): \(String(describing: error))")
                continue
            }
            #expect(try Data(contentsOf: url) == before)
            #expect(try contents(of: directory) == ["model.safetensors"])
        }
        #expect(throws: SafeTensorsError.self) { try SafeTensors.encode(["__metadata__": Tensor([1])]) }
    }

    @Test("the empty name is written as it is read (as the reference implementation does both ways)")
    func emptyNameRoundTrips() throws {
        let tensors = ["": Tensor([1, 2]), "w": Tensor([3])]
        #expect(try SafeTensors.decode(try SafeTensors.encode(tensors)).tensors == tensors)
        let raw = SafeTensors.RawTensor(dataType: .uint8, shape: [2], bytes: [7, 8])
        #expect(try SafeTensors.decodeRaw(try SafeTensors.encode(raw: ["": raw]))[""]?.bytes == [7, 8])
    }

    @Test func failedRenameRemovesTheTemporaryFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The target is a non-empty directory: the temporary file is written, the rename fails.
        let target = directory.appendingPathComponent("model.safetensors")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data([1]).write(to: target.appendingPathComponent("keep"))
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensors.write(["w": Tensor([1])], to: target) }
        guard case .ioError(let path, _)? = error else {
            Issue.record("\(String(describing: error))")
            return
        }
        #expect(path == target.path)
        #expect(try contents(of: directory) == ["model.safetensors"])
        #expect(try contents(of: target) == ["keep"])
    }

    @Test func missingDirectoryIsAnIOError() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("absent/model.safetensors")
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensors.write(["w": Tensor([1])], to: url) }
        #expect(error?.description.contains("No such file or directory") == true, "\(String(describing: error))")
        #expect(try contents(of: directory).isEmpty)
    }

    @Test func replacingAFileKeepsItsPermissions() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try SafeTensors.write(["w": Tensor([1])], to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        try SafeTensors.write(["w": Tensor([2])], to: url)
        let permissions = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        #expect(try SafeTensors.read(contentsOf: url)["w"] == Tensor([2]))
    }
}

// MARK: - Fuzzing

@Suite("SafeTensors survives random corruption")
struct SafeTensorsFuzzTests {
    @Test func randomCorruptionsThrowOrDecodeConsistently() throws {
        var generator = RandomGenerator(seed: 2024)
        let original = try SafeTensors.encode([
            "layer.weight": Tensor.randomNormal([3, 4], generator: &generator),
            "layer.bias": Tensor([1, 2, 3]),
            "scalar": Tensor(Float(1)),
            "empty": Tensor([], shape: [2, 0]),
        ], metadata: ["step": "12"])
        let headerLength = Int(original.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * $1.offset) })
        let replacements = ["-1", "0", "1", "7", "4294967296", "9223372036854775807", "9223372036854775808",
                            "18446744073709551615", "99999999999999999999999999999", "1e9", "0.5", "-0", "4611686018427387904"]

        var decodedCount = 0
        for iteration in 0 ..< 3000 {
            var bytes = [UInt8](original)
            switch iteration % 5 {
            case 0:   // flip a few random bytes anywhere
                for _ in 0 ..< Int.random(in: 1 ... 4, using: &generator) {
                    bytes[Int.random(in: 0 ..< bytes.count, using: &generator)] ^= UInt8.random(in: 1 ... 255, using: &generator)
                }
            case 1:   // truncate
                bytes.removeLast(Int.random(in: 1 ... bytes.count, using: &generator))
            case 2:   // overwrite the length prefix, near the real value or anywhere
                let length = Bool.random(using: &generator)
                    ? UInt64(max(0, headerLength + Int.random(in: -16 ... 16, using: &generator)))
                    : UInt64.random(in: 0 ... .max, using: &generator)
                withUnsafeBytes(of: length.littleEndian) { bytes.replaceSubrange(0 ..< 8, with: $0) }
            case 3:   // splice random bytes into the header, keeping the prefix right or not
                let position = Int.random(in: 8 ... 8 + headerLength, using: &generator)
                let inserted = (0 ..< Int.random(in: 1 ... 8, using: &generator)).map { _ in
                    Int.random(in: 0 ..< 4, using: &generator) == 0 ? UInt8.random(in: 0 ... 255, using: &generator)
                        : Array("{}[],:\"0123456789-.e \\".utf8).randomElement(using: &generator)!
                }
                bytes.insert(contentsOf: inserted, at: position)
                if Bool.random(using: &generator) {
                    withUnsafeBytes(of: UInt64(headerLength + inserted.count).littleEndian) { bytes.replaceSubrange(0 ..< 8, with: $0) }
                }
            default:  // replace one number in the JSON with a hostile one, fixing the prefix
                var header = Array(bytes[8 ..< 8 + headerLength])
                let digitStarts = header.indices.filter { index in
                    (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(header[index])
                        && (index == 0 || !(UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(header[index - 1]))
                }
                let start = digitStarts.randomElement(using: &generator)!
                var end = start
                while end < header.count, (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(header[end]) { end += 1 }
                header.replaceSubrange(start ..< end, with: Array(replacements.randomElement(using: &generator)!.utf8))
                bytes = Array(bytes[0 ..< 8]) + header + Array(bytes[(8 + headerLength)...])
                withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes.replaceSubrange(0 ..< 8, with: $0) }
            }

            // Every tenth file also goes through the file reader, which reads the header and then
            // each tensor straight from disk: it must agree with the in-memory decoder exactly.
            if iteration % 10 == 0 { try expectFileReaderAgrees(bytes, iteration: iteration) }
            do {
                let file = try SafeTensors.decode(Data(bytes))
                decodedCount += 1
                #expect(file.names.count == file.tensors.count && Set(file.names) == Set(file.tensors.keys))
                for (name, tensor) in file.tensors {
                    #expect(tensor.count == tensor.shape.reduce(1, *), "\(name): \(tensor.shape)")
                }
            } catch is SafeTensorsError {
                // expected for most corruptions
            } catch {
                Issue.record("iteration \(iteration): unexpected error \(error)")
            }
        }
        // Some corruptions (a flipped data byte, a changed metadata digit) leave a valid file.
        #expect(decodedCount > 0 && decodedCount < 3000)
    }

    /// `SafeTensors.read` (streaming from disk) and `SafeTensors.decode` (in memory) give the same
    /// tensors, or the same error with the file's path added.
    private func expectFileReaderAgrees(_ bytes: [UInt8], iteration: Int) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-\(UUID().uuidString).safetensors")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let fromMemory = Result { try SafeTensors.decode(Data(bytes)) }
        let fromFile = Result { try SafeTensors.read(contentsOf: url) }
        switch (fromMemory, fromFile) {
        case (.success(let a), .success(let b)):
            #expect(a == b, "iteration \(iteration): the readers decoded different files")
        case (.failure(let a as SafeTensorsError), .failure(let b as SafeTensorsError)):
            #expect(b == .inFile(path: url.path, error: a), "iteration \(iteration): \(a) against \(b)")
        default:
            Issue.record("iteration \(iteration): in memory \(fromMemory), from the file \(fromFile)")
        }
    }
}

// MARK: - Raw tensors

// Deliberate pattern (same shape as Tests/FusionKitTests/IO/SafeTensorsTests.swift:invalidNamesThrowBeforeTouchingTheFile): a test writing into a temporary directory of its own, removed when it ends.
@Suite("SafeTensors raw tensors keep their dtype")
struct SafeTensorsRawTests {
    @Test func rawRoundTripKeepsBytesAndAlignsData() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("raw.safetensors")
        let tensors: [String: SafeTensors.RawTensor] = [
            "pixels": SafeTensors.RawTensor(integers: [UInt8(0), 7, 255], shape: [3]),
            "ids": SafeTensors.RawTensor(integers: [Int32(-2), 1 << 30, 5, 0], shape: [2, 2]),
            "labels": SafeTensors.RawTensor(integers: [Int64.max, -1], shape: [2]),
            "empty": SafeTensors.RawTensor(integers: [Int16](), shape: [0, 4]),
            "half": SafeTensors.RawTensor(dataType: .float16, shape: [1], bytes: [0x00, 0x3C]),
        ]
        try SafeTensors.write(raw: tensors, metadata: ["note": "raw"], to: url)
        let file = try SafeTensors.readRaw(contentsOf: url)
        #expect(file.tensors == tensors && file.metadata == ["note": "raw"])
        // Largest elements first, so every tensor starts at a multiple of its element size.
        #expect(file.names == ["labels", "ids", "empty", "half", "pixels"])   // "empty" owns no bytes
        #expect(file["ids"]?.integers(as: Int32.self) == [-2, 1 << 30, 5, 0])
        #expect(file["labels"]?.integers(as: Int64.self) == [Int64.max, -1])
        #expect(file["ids"]?.integers(as: Int64.self) == nil)
        // The Float reader reads the same file.
        let floats = try SafeTensors.read(contentsOf: url)
        #expect(floats["pixels"] == Tensor([0, 7, 255]) && floats["half"] == Tensor([1]))
        #expect(floats.dataTypes["ids"] == .int32)
        #expect(try SafeTensors.decodeRaw(SafeTensors.encode(["w": Tensor([1.5])]))["w"]
                == SafeTensors.RawTensor(dataType: .float32, shape: [1], bytes: [0x00, 0x00, 0xC0, 0x3F]))
        #expect(throws: SafeTensorsError.self) { try SafeTensors.encode(raw: ["__metadata__": tensors["ids"]!]) }
        #expect(throws: SafeTensorsError.self) { try SafeTensors.decodeRaw(Data([1, 2, 3])) }
    }
}

// MARK: - Special files and messages

@Suite("SafeTensors refuses special files at once, and its errors read as text")
struct SafeTensorsSpecialFileTests {
    /// Reads `path` on another thread and returns the error, failing if the read takes a second.
    private func errorWithinASecond(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) -> SafeTensorsError? {
        thrownError(SafeTensorsError.self, by: "reading \(path)", within: 1, sourceLocation: sourceLocation) {
            _ = try SafeTensors.read(contentsOf: URL(fileURLWithPath: path))
        }
    }

    @Test("a named pipe, a directory and /dev/zero are typed errors naming the kind of file, within a second")
    func specialFiles() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let pipe = directory.appendingPathComponent("pipe.safetensors").path
        #expect(mkfifo(pipe, 0o600) == 0)
        let cases = [(pipe, "is a named pipe"), (directory.path, "is a directory"), ("/dev/zero", "is a character device")]
        for (path, words) in cases {
            let error = errorWithinASecond(path)
            guard case .ioError(let reported, let reason)? = error else {
                Issue.record("\(path): \(String(describing: error))")
                continue
            }
            #expect(reported == path)
            #expect(reason.contains(words) && reason.contains("not a regular file"), "\(reason)")
        }
        // A writer that comes later finds the pipe still there and no reader holding it.
        #expect(FileManager.default.fileExists(atPath: pipe))
    }

    @Test("localizedDescription gives the message, not an error code, for every public error type")
    func localizedDescriptions() throws {
        let errors: [any Error] = [
            SafeTensorsError.inFile(path: "/tmp/a.safetensors", error: .emptyHeader(byteCount: 0)),
            StateDictError.keyMismatch(missing: ["bias"], unexpected: ["extra"]),
            OptimizerStateError.missing(key: "step"),
            LinearAlgebraError.singularMatrix(routine: "sgesv", pivot: 2),
        ]
        for error in errors {
            let text = error.localizedDescription
            #expect(text == String(describing: error), "\(text)")
            #expect(!text.contains("The operation could not be completed"), "\(text)")
        }
        #expect(errors[0].localizedDescription.hasPrefix("/tmp/a.safetensors: the header is empty"))
    }
}
