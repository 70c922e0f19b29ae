extension SafeTensors {
    /// An element type of a safetensors file that the reader converts to `Float`.
    ///
    /// Conversion is exact for `F16`, `BF16`, `BOOL` and integers up to 2^24 in magnitude; larger
    /// integers and `F64` values round to the nearest `Float`. `BOOL` bytes other than 0 read as 1.
    ///
    /// One case per element type of the format's specification, each with its spelling in files.
    public enum DataType: String, CaseIterable, Sendable {
        /// 64-bit IEEE float.
        case float64 = "F64"
        /// 32-bit IEEE float; the type the writer uses.
        case float32 = "F32"
        /// 16-bit IEEE half-precision float.
        case float16 = "F16"
        /// bfloat16: the upper 16 bits of a `Float`.
        case bfloat16 = "BF16"
        /// Signed 64-bit integer (PyTorch's `int64`, common for token ids).
        case int64 = "I64"
        /// Signed 32-bit integer.
        case int32 = "I32"
        /// Signed 16-bit integer.
        case int16 = "I16"
        /// Signed 8-bit integer.
        case int8 = "I8"
        /// Unsigned 64-bit integer.
        case uint64 = "U64"
        /// Unsigned 32-bit integer.
        case uint32 = "U32"
        /// Unsigned 16-bit integer.
        case uint16 = "U16"
        /// Unsigned 8-bit integer (common for images).
        case uint8 = "U8"
        /// Boolean, one byte per element.
        case bool = "BOOL"

        /// The size of one element in the file, in bytes.
        public var byteSize: Int {
            switch self {
            case .float64, .int64, .uint64: return 8
            case .float32, .int32, .uint32: return 4
            case .float16, .bfloat16, .int16, .uint16: return 2
            case .int8, .uint8, .bool: return 1
            }
        }
    }

    /// A tensor of `shape` converted from the little-endian elements in `bytes`, which must hold
    /// exactly `product(shape) × dataType.byteSize` bytes (the reader checks this first).
    static func makeTensor(from bytes: UnsafeRawBufferPointer, dataType: DataType, shape: [Int]) -> Tensor {
        var tensor = Tensor(uninitializedShape: shape)
        tensor.withUnsafeMutableBufferPointer { out in
            switch dataType {
            case .float32:
                #if _endian(little)
                if !out.isEmpty { UnsafeMutableRawBufferPointer(out).copyMemory(from: bytes) }
                #else
                convert(bytes, into: out, as: UInt32.self) { Float(bitPattern: $0) }
                #endif
            case .float64: convert(bytes, into: out, as: UInt64.self) { Float(Double(bitPattern: $0)) }
            case .float16: convert(bytes, into: out, as: UInt16.self, floatFromHalf)
            case .bfloat16: convert(bytes, into: out, as: UInt16.self) { Float(bitPattern: UInt32($0) << 16) }
            case .int64: convert(bytes, into: out, as: Int64.self) { Float($0) }
            case .int32: convert(bytes, into: out, as: Int32.self) { Float($0) }
            case .int16: convert(bytes, into: out, as: Int16.self) { Float($0) }
            case .int8: convert(bytes, into: out, as: Int8.self) { Float($0) }
            case .uint64: convert(bytes, into: out, as: UInt64.self) { Float($0) }
            case .uint32: convert(bytes, into: out, as: UInt32.self) { Float($0) }
            case .uint16: convert(bytes, into: out, as: UInt16.self) { Float($0) }
            case .uint8: convert(bytes, into: out, as: UInt8.self) { Float($0) }
            case .bool: convert(bytes, into: out, as: UInt8.self) { $0 == 0 ? 0 : 1 }
            }
        }
        return tensor
    }

    /// Reads `out.count` little-endian values of type `T` from `bytes` (which holds exactly that many).
    @inline(__always)
    private static func convert<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer,
                                                      into out: UnsafeMutableBufferPointer<Float>,
                                                      as _: T.Type, _ transform: (T) -> Float) {
        let stride = MemoryLayout<T>.size
        for i in 0 ..< out.count {
            out[i] = transform(T(littleEndian: bytes.loadUnaligned(fromByteOffset: i * stride, as: T.self)))
        }
    }

    /// An IEEE half-precision bit pattern as a `Float` (exact: every half is a float).
    static func floatFromHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0x1F:   // infinity or NaN, keeping the payload
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        case 0:      // zero or subnormal: mantissa × 2^-24
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        default:     // rebias the exponent from 15 to 127
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }
}
