import Foundation

/// A safetensors file read from disk without holding its contents twice: the 8-byte prefix and
/// the header are read and validated first (exactly as ``SafeTensors/decode(_:)`` validates them,
/// against the file's size); each tensor's byte range is then read on request, straight into a
/// tensor's storage.
///
/// `F32` data is read into the tensor as it is (on a little-endian machine); any other dtype is
/// read into a buffer the size of that one tensor and converted. A file that shrinks while it is
/// read is reported as such, never read past.
final class SafeTensorsFileReader: @unchecked Sendable {
    let file: FileIO.OpenFile
    let entries: [SafeTensors.Entry]
    /// Indices into `entries` in the order their data appears in the file.
    let order: [Int]
    let metadata: [String: String]
    let dataStart: Int

    /// Opens and validates `url`.
    ///
    /// - Throws: ``SafeTensorsError/ioError(path:reason:)`` if the file cannot be read, otherwise
    ///   ``SafeTensorsError/inFile(path:error:)`` wrapping why its contents are invalid.
    init(_ url: URL) throws(SafeTensorsError) {
        let file = try FileIO.openRegularFile(at: url)
        do {
            guard file.size >= 8 else { throw SafeTensorsError.fileTooSmall(byteCount: file.size) }
            var prefix: UInt64 = 0
            try withUnsafeMutableBytes(of: &prefix) { try Self.readFully(file, at: 0, into: $0) }
            let headerLength = try SafeTensors.checkHeaderLength(prefix, fileSize: file.size)
            var header = [UInt8](repeating: 0, count: headerLength)
            try header.withUnsafeMutableBytes { try Self.readFully(file, at: 8, into: $0) }
            let size = file.size - 8 - headerLength
            let parsed = try header.withUnsafeBytes { try SafeTensors.parseHeader($0, bufferSize: size) }
            (self.file, dataStart) = (file, 8 + headerLength)
            (entries, order, metadata) = parsed
        } catch let error as SafeTensorsError {
            throw error.isFileSystemError ? error : .inFile(path: file.path, error: error)
        } catch {
            throw .ioError(path: file.path, reason: "\(error)")
        }
    }

    /// A new tensor holding `entry`'s data.
    func tensor(_ entry: SafeTensors.Entry) throws(SafeTensorsError) -> Tensor {
        var tensor = Tensor(uninitializedShape: entry.shape)
        try read(entry, into: &tensor)
        return tensor
    }

    /// Reads `entry`'s data into `tensor`'s storage, which must have the entry's shape.
    func read(_ entry: SafeTensors.Entry, into tensor: inout Tensor) throws(SafeTensorsError) {
        precondition(tensor.shape == entry.shape, "SafeTensorsFileReader: \(entry.name) is \(entry.shape), not \(tensor.shape)")
        let offset = dataStart + entry.begin, byteCount = entry.end - entry.begin
        do {
            #if _endian(little)
            if entry.dataType == .float32 {
                try tensor.withUnsafeMutableBufferPointer { try Self.readFully(file, at: offset, into: UnsafeMutableRawBufferPointer($0)) }
                return
            }
            #endif
            var bytes = [UInt8](repeating: 0, count: byteCount)
            try bytes.withUnsafeMutableBytes { try Self.readFully(file, at: offset, into: $0) }
            tensor = bytes.withUnsafeBytes { SafeTensors.makeTensor(from: $0, dataType: entry.dataType, shape: entry.shape) }
        } catch let error as SafeTensorsError {
            throw error
        } catch {
            throw .ioError(path: file.path, reason: "\(error)")
        }
    }

    /// Every tensor, as ``SafeTensors/read(contentsOf:)`` returns them.
    func readAll() throws(SafeTensorsError) -> SafeTensorsFile {
        var tensors: [String: Tensor] = [:]
        var dataTypes: [String: SafeTensors.DataType] = [:]
        tensors.reserveCapacity(entries.count)
        for entry in entries {
            tensors[entry.name] = try tensor(entry)
            dataTypes[entry.name] = entry.dataType
        }
        return SafeTensorsFile(names: order.map { entries[$0].name }, tensors: tensors, dataTypes: dataTypes, metadata: metadata)
    }

    private static func readFully(_ file: FileIO.OpenFile, at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws {
        guard try FileIO.read(file, at: offset, into: buffer) else {
            throw SafeTensorsError.ioError(path: file.path, reason: "the file became shorter while it was read "
                                           + "(it was \(file.size) bytes when opened)")
        }
    }
}

extension SafeTensorsError {
    /// Whether the error already names the file (an I/O failure), rather than the contents.
    var isFileSystemError: Bool {
        if case .ioError = self { return true }
        return false
    }
}
