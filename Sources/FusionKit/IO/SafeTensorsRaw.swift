import Foundation

extension SafeTensors {
    /// A tensor kept as its little-endian bytes, in any ``DataType``: for data that should be
    /// neither converted to `Float` nor widened, such as `U8` images or `I64` token ids.
    ///
    /// ```swift
    /// let ids = SafeTensors.RawTensor(integers: [Int32(3), 1, 4, 1], shape: [2, 2])   // I32
    /// try SafeTensors.write(raw: ["ids": ids], metadata: ["vocabulary": "…"], to: url)
    /// let back = try SafeTensors.readRaw(contentsOf: url)["ids"]?.integers(as: Int32.self)
    /// ```
    public struct RawTensor: Sendable, Equatable {
        /// The element type of `bytes`.
        public let dataType: DataType
        /// The size of each dimension; `[]` for a scalar.
        public let shape: [Int]
        /// The elements in row-major order, each `dataType.byteSize` bytes, little-endian.
        public let bytes: [UInt8]

        /// A tensor from its raw bytes.
        ///
        /// - Precondition: `bytes.count` is the product of `shape` times `dataType.byteSize`.
        public init(dataType: DataType, shape: [Int], bytes: [UInt8]) {
            let expected = SafeTensors.elementCount(shape).flatMap { count in
                let (byteCount, overflow) = count.multipliedReportingOverflow(by: dataType.byteSize)
                return overflow ? nil : byteCount
            }
            precondition(expected == bytes.count,
                         "SafeTensors.RawTensor: \(bytes.count) bytes do not hold shape \(shape) of \(dataType.rawValue)")
            self.dataType = dataType
            self.shape = shape
            self.bytes = bytes
        }

        /// A tensor of integers, stored with the data type of `T` (`UInt8` as `U8`, `Int32` as
        /// `I32`, `Int` and `Int64` as `I64`, and so on).
        ///
        /// - Precondition: `values.count` is the product of `shape`.
        public init<T: FixedWidthInteger>(integers values: [T], shape: [Int]) {
            guard let dataType = DataType(integerType: T.self) else {
                preconditionFailure("SafeTensors.RawTensor: no safetensors dtype for \(T.self)")
            }
            precondition(SafeTensors.elementCount(shape) == values.count,
                         "SafeTensors.RawTensor: \(values.count) values do not fill shape \(shape)")
            var bytes = [UInt8](repeating: 0, count: values.count * dataType.byteSize)
            bytes.withUnsafeMutableBytes { out in
                for (index, value) in values.enumerated() {
                    out.storeBytes(of: value.littleEndian, toByteOffset: index * dataType.byteSize, as: T.self)
                }
            }
            self.init(dataType: dataType, shape: shape, bytes: bytes)
        }

        /// The elements as integers of type `T`, or nil if `dataType` is not `T`'s type (see
        /// ``init(integers:shape:)``); no conversion is made.
        public func integers<T: FixedWidthInteger>(as type: T.Type) -> [T]? {
            guard DataType(integerType: T.self) == dataType else { return nil }
            let count = bytes.count / dataType.byteSize
            return bytes.withUnsafeBytes { raw in
                (0 ..< count).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * dataType.byteSize, as: T.self)) }
            }
        }
    }

    /// Encodes raw tensors as a safetensors file in memory, keeping each tensor's dtype.
    ///
    /// Tensors are ordered by element size, largest first, then by name, as the reference
    /// implementation does, so every tensor's data is aligned to its element size; the header is
    /// laid out as by ``encode(_:metadata:)``.
    ///
    /// - Throws: ``SafeTensorsError/invalidTensorName(name:reason:)`` for the reserved name
    ///   `__metadata__`. Any other name, the empty one included, is written as the reader and the
    ///   reference implementation accept it.
    public static func encode(raw tensors: [String: RawTensor], metadata: [String: String] = [:]) throws -> Data {
        try checkNames(tensors.keys)
        let names = tensors.keys.sorted { first, second in
            let (a, b) = (tensors[first]!.dataType.byteSize, tensors[second]!.dataType.byteSize)
            return a != b ? a > b : first.utf8.lexicographicallyPrecedes(second.utf8)
        }
        let planned = names.map { name in
            PlannedEntry(name: name, dataType: tensors[name]!.dataType, shape: tensors[name]!.shape,
                         byteCount: tensors[name]!.bytes.count)
        }
        return assemble(planned, metadata: metadata) { index, data in
            data.append(contentsOf: tensors[names[index]]!.bytes)
        }
    }

    /// Writes raw tensors to a safetensors file at `url`, atomically, with the guarantees of
    /// ``write(_:metadata:to:)``.
    ///
    /// - Throws: ``SafeTensorsError/invalidTensorName(name:reason:)`` or
    ///   ``SafeTensorsError/ioError(path:reason:)``.
    public static func write(raw tensors: [String: RawTensor], metadata: [String: String] = [:], to url: URL) throws {
        let data = try encode(raw: tensors, metadata: metadata)
        try FileIO.writeAtomically(data, to: url)
    }

    /// Reads and validates the safetensors file at `url` as ``read(contentsOf:)`` does, keeping
    /// every tensor's bytes and dtype as they are in the file.
    ///
    /// - Throws: The errors of ``read(contentsOf:)``.
    public static func readRaw(contentsOf url: URL) throws -> SafeTensorsRawFile {
        let bytes = try FileIO.readRegularFile(at: url)
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(SafeTensorsError) in try decodeRaw(bytes: raw) }
        }
        return try result.mapError { SafeTensorsError.inFile(path: url.path, error: $0) }.get()
    }

    /// Decodes and validates a safetensors file held in memory, keeping every tensor's raw bytes.
    ///
    /// - Throws: A ``SafeTensorsError`` naming the first problem found.
    public static func decodeRaw(_ data: Data) throws -> SafeTensorsRawFile {
        let result = data.withUnsafeBytes { raw in
            Result { () throws(SafeTensorsError) in try decodeRaw(bytes: raw) }
        }
        return try result.get()
    }

    static func decodeRaw(bytes raw: UnsafeRawBufferPointer) throws(SafeTensorsError) -> SafeTensorsRawFile {
        let layout = try parseLayout(bytes: raw)
        var tensors: [String: RawTensor] = [:]
        tensors.reserveCapacity(layout.entries.count)
        for entry in layout.entries {
            tensors[entry.name] = RawTensor(dataType: entry.dataType, shape: entry.shape,
                                            bytes: Array(layout.bytes(of: entry)))
        }
        return SafeTensorsRawFile(names: layout.order.map { layout.entries[$0].name }, tensors: tensors,
                                  metadata: layout.metadata)
    }
}

extension SafeTensors.DataType {
    /// The dtype that stores values of the integer type `T` unchanged, or nil if there is none.
    init?<T: FixedWidthInteger>(integerType _: T.Type) {
        switch (T.bitWidth, T.isSigned) {
        case (8, true): self = .int8
        case (8, false): self = .uint8
        case (16, true): self = .int16
        case (16, false): self = .uint16
        case (32, true): self = .int32
        case (32, false): self = .uint32
        case (64, true): self = .int64
        case (64, false): self = .uint64
        default: return nil
        }
    }
}

/// The tensors of a safetensors file as raw bytes, with the metadata, as read by
/// ``SafeTensors/readRaw(contentsOf:)``.
public struct SafeTensorsRawFile: Sendable, Equatable {
    /// The tensor names in the order their data appears in the file.
    public let names: [String]
    /// The tensors by name, with the dtype and bytes they have in the file.
    public let tensors: [String: SafeTensors.RawTensor]
    /// The string pairs of the header's `__metadata__` object (empty if there was none).
    public let metadata: [String: String]

    /// The tensor named `name`, or nil if the file has none.
    public subscript(name: String) -> SafeTensors.RawTensor? { tensors[name] }
}
