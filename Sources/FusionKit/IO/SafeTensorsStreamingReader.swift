import Foundation

/// Reads a safetensors file from disk without holding its contents twice: the 8-byte prefix and
/// the header first (validated exactly as ``SafeTensors/decode(_:)`` validates them, against the
/// file's size), then each tensor's byte range straight into that tensor's storage.
///
/// `F32` data is read into the tensor as it is (on a little-endian machine); any other dtype is
/// read into a buffer the size of that one tensor and converted. Peak memory is therefore the
/// tensors plus the header plus the largest non-`F32` tensor's bytes. A file that shrinks while it
/// is read is reported as truncated, never read past.
enum SafeTensorsStreamingReader {
    /// - Throws: ``SafeTensorsError/ioError(path:reason:)`` if the file cannot be read, otherwise
    ///   ``SafeTensorsError/inFile(path:error:)`` wrapping why its contents are invalid.
    static func read(_ url: URL) throws(SafeTensorsError) -> SafeTensorsFile {
        try FileIO.withRegularFile(at: url) { file throws(SafeTensorsError) in
            do {
                return try readContents(of: file)
            } catch let error as SafeTensorsError {
                throw error.isFileSystemError ? error : .inFile(path: file.path, error: error)
            } catch {
                throw .ioError(path: file.path, reason: "\(error)")
            }
        }
    }

    private static func readContents(of file: FileIO.OpenFile) throws -> SafeTensorsFile {
        guard file.size >= 8 else { throw SafeTensorsError.fileTooSmall(byteCount: file.size) }
        var prefix: UInt64 = 0
        try withUnsafeMutableBytes(of: &prefix) { bytes in
            guard try FileIO.read(file, at: 0, into: bytes) else { throw truncated(file) }
        }
        let headerLength = try SafeTensors.checkHeaderLength(prefix, fileSize: file.size)
        var header = [UInt8](repeating: 0, count: headerLength)
        try header.withUnsafeMutableBytes { bytes in
            guard try FileIO.read(file, at: 8, into: bytes) else { throw truncated(file) }
        }
        let dataStart = 8 + headerLength
        let parsed = try header.withUnsafeBytes { bytes in
            try SafeTensors.parseHeader(bytes, bufferSize: file.size - dataStart)
        }
        var tensors: [String: Tensor] = [:]
        var dataTypes: [String: SafeTensors.DataType] = [:]
        tensors.reserveCapacity(parsed.entries.count)
        for entry in parsed.entries {
            tensors[entry.name] = try readTensor(entry, from: file, dataStart: dataStart)
            dataTypes[entry.name] = entry.dataType
        }
        return SafeTensorsFile(names: parsed.order.map { parsed.entries[$0].name }, tensors: tensors,
                               dataTypes: dataTypes, metadata: parsed.metadata)
    }

    private static func readTensor(_ entry: SafeTensors.Entry, from file: FileIO.OpenFile,
                                   dataStart: Int) throws -> Tensor {
        let offset = dataStart + entry.begin, byteCount = entry.end - entry.begin
        #if _endian(little)
        if entry.dataType == .float32 {
            var tensor = Tensor(uninitializedShape: entry.shape)
            let complete = try tensor.withUnsafeMutableBufferPointer { out in
                try FileIO.read(file, at: offset, into: UnsafeMutableRawBufferPointer(out))
            }
            guard complete else { throw truncated(file) }
            return tensor
        }
        #endif
        var bytes = [UInt8](repeating: 0, count: byteCount)
        try bytes.withUnsafeMutableBytes { buffer in
            guard try FileIO.read(file, at: offset, into: buffer) else { throw truncated(file) }
        }
        return bytes.withUnsafeBytes { SafeTensors.makeTensor(from: $0, dataType: entry.dataType, shape: entry.shape) }
    }

    /// The file ended before a range its header promised: it shrank after it was opened.
    private static func truncated(_ file: FileIO.OpenFile) -> SafeTensorsError {
        .ioError(path: file.path, reason: "the file became shorter while it was read (it was \(file.size) bytes when opened)")
    }
}

extension SafeTensorsError {
    /// Whether the error already names the file (an I/O failure), rather than the contents.
    var isFileSystemError: Bool {
        if case .ioError = self { return true }
        return false
    }
}
