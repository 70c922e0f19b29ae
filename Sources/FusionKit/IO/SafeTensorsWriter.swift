import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension SafeTensors {
    /// Encodes tensors as a safetensors file in memory.
    ///
    /// Tensors are written as `F32` in little-endian order, sorted by name (byte order of their
    /// UTF-8, as the reference implementation does for tensors of one dtype); `metadata` becomes the
    /// header's `__metadata__` object and is left out when empty. The header is padded with spaces
    /// to a multiple of 8 bytes so the data buffer starts aligned.
    ///
    /// - Throws: ``SafeTensorsError/invalidTensorName(name:reason:)`` for the reserved name
    ///   `__metadata__`. Any other name, the empty one included, is written as the reader and the
    ///   reference implementation accept it.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        try checkNames(tensors.keys)
        let names = tensors.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let planned = names.map { name in
            PlannedEntry(name: name, dataType: .float32, shape: tensors[name]!.shape,
                         byteCount: tensors[name]!.count * MemoryLayout<Float>.size)
        }
        return assemble(planned, metadata: metadata) { index, data in
            tensors[names[index]]!.withUnsafeBufferPointer { elements in
                #if _endian(little)
                data.append(contentsOf: UnsafeRawBufferPointer(elements))
                #else
                for element in elements {
                    withUnsafeBytes(of: element.bitPattern.littleEndian) { data.append(contentsOf: $0) }
                }
                #endif
            }
        }
    }

    /// One tensor as the header will describe it.
    struct PlannedEntry {
        var name: String
        var dataType: DataType
        var shape: [Int]
        var byteCount: Int
    }

    /// Throws for the one name the format cannot hold, the reserved `__metadata__`. The empty name
    /// is allowed: the reader accepts it, and so does the reference implementation both ways.
    static func checkNames(_ names: some Sequence<String>) throws(SafeTensorsError) {
        for name in names {
            if name == "__metadata__" {
                throw .invalidTensorName(name: name, reason: "the name is reserved for the metadata")
            }
        }
    }

    /// The file holding `entries` in the given order, back to back: the length prefix, the header
    /// (metadata first, padded with spaces to a multiple of 8 bytes) and then each entry's data as
    /// `appendData(index, &data)` appends it (exactly `byteCount` bytes).
    static func assemble(_ entries: [PlannedEntry], metadata: [String: String],
                         appendData: (Int, inout Data) -> Void) -> Data {
        let prefix = headerWithPrefix(entries, metadata: metadata)
        var data = Data(capacity: prefix.count + entries.reduce(0) { $0 + $1.byteCount })
        data.append(contentsOf: prefix)
        for index in entries.indices {
            let before = data.count
            appendData(index, &data)
            precondition(data.count - before == entries[index].byteCount,
                         "SafeTensors.assemble: tensor \(entries[index].name) wrote \(data.count - before) bytes, "
                         + "not \(entries[index].byteCount)")
        }
        return data
    }

    /// The bytes before the data of a file holding `entries` back to back: the length prefix and
    /// the header (metadata first, padded with spaces to a multiple of 8 bytes).
    static func headerWithPrefix(_ entries: [PlannedEntry], metadata: [String: String]) -> [UInt8] {
        var header = "{"
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            header += "\"__metadata__\":{"
            header += pairs.map { jsonString($0.key) + ":" + jsonString($0.value) }.joined(separator: ",")
            header += "}"
        }
        var offset = 0
        var needsComma = !metadata.isEmpty
        for entry in entries {
            let end = offset + entry.byteCount
            if needsComma { header += "," }
            needsComma = true
            header += jsonString(entry.name) + ":{\"dtype\":\"\(entry.dataType.rawValue)\",\"shape\":["
            header += entry.shape.map(String.init).joined(separator: ",")
            header += "],\"data_offsets\":[\(offset),\(end)]}"
            offset = end
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        let padding = (8 - headerBytes.count % 8) % 8
        headerBytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + headerBytes
    }

    /// Writes tensors to a safetensors file at `url`, atomically.
    ///
    /// The file is encoded first (see ``encode(_:metadata:)``), so invalid input throws before the
    /// file system is touched. The bytes then go to a temporary file in the same directory, which is
    /// flushed to disk and renamed over `url`: readers see either the old file or the complete new
    /// one, never a partial write. On any failure the temporary file is removed and an existing file
    /// at `url` is left as it was. A new file keeps the permissions of the file it replaces.
    ///
    /// - Throws: ``SafeTensorsError/invalidTensorName(name:reason:)`` or
    ///   ``SafeTensorsError/ioError(path:reason:)``.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws {
        let data = try encode(tensors, metadata: metadata)
        try FileIO.writeAtomically(data, to: url)
    }

    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped, all
    /// other characters as UTF-8.
    private static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{0}" ..< "\u{20}":
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// POSIX file access with the guarantees the checkpoint format needs: bounded reads and atomic writes.
package enum FileIO {
    private static func failure(_ path: String, _ what: String, _ code: Int32 = errno) -> SafeTensorsError {
        .ioError(path: path, reason: "\(what): \(String(cString: strerror(code)))")
    }

    /// A regular file open for reading, closed when the last reference goes away, and its size
    /// when it was opened.
    package final class OpenFile: @unchecked Sendable {
        package let descriptor: Int32
        package let size: Int
        package let path: String

        fileprivate init(descriptor: Int32, size: Int, path: String) {
            (self.descriptor, self.size, self.path) = (descriptor, size, path)
        }

        deinit { close(descriptor) }
    }

    /// Opens the regular file at `url` for reading.
    ///
    /// The file is opened with `O_NONBLOCK`, so opening a named pipe with no writer returns at once
    /// instead of waiting for one; it is then refused for not being a regular file. (On a regular
    /// file `O_NONBLOCK` changes nothing.)
    package static func openRegularFile(at url: URL) throws(SafeTensorsError) -> OpenFile {
        let path = url.path
        guard url.isFileURL else { throw .ioError(path: url.absoluteString, reason: "not a file URL") }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw failure(path, "cannot open the file") }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let error = failure(path, "cannot inspect the file")
            close(descriptor)
            throw error
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw .ioError(path: path, reason: "is \(fileKindDescription(status.st_mode)), not a regular file")
        }
        return OpenFile(descriptor: descriptor, size: Int(status.st_size), path: path)
    }

    /// Opens the regular file at `url` (see ``openRegularFile(at:)``) and runs `body` with it.
    package static func withRegularFile<R>(at url: URL, _ body: (OpenFile) throws(SafeTensorsError) -> R) throws(SafeTensorsError) -> R {
        let file = try openRegularFile(at: url)
        return try withExtendedLifetime(file) { () throws(SafeTensorsError) -> R in try body(file) }
    }

    /// Reads `destination.count` bytes at `offset` of `file`; false if the file ended first (it
    /// shrank after it was opened).
    package static func read(_ file: OpenFile, at offset: Int, into destination: UnsafeMutableRawBufferPointer) throws(SafeTensorsError) -> Bool {
        var total = 0
        while total < destination.count {
            let count = pread(file.descriptor, destination.baseAddress! + total, destination.count - total, off_t(offset + total))
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(file.path, "cannot read the file")
            }
            if count == 0 { return false }
            total += count
        }
        return true
    }

    /// The contents of the regular file at `url`, reading at most the size it had when opened (so a
    /// device such as `/dev/zero` or a growing file cannot make the read run forever).
    package static func readRegularFile(at url: URL) throws(SafeTensorsError) -> [UInt8] {
        try withRegularFile(at: url) { file throws(SafeTensorsError) in
            var bytes = [UInt8](repeating: 0, count: file.size)
            var total = 0
            while total < file.size {
                let count = bytes.withUnsafeMutableBytes { buffer in
                    Foundation.read(file.descriptor, buffer.baseAddress! + total, file.size - total)
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw failure(file.path, "cannot read the file")
                }
                if count == 0 { break }   // the file shrank while being read
                total += count
            }
            if total < file.size { bytes.removeLast(file.size - total) }
            return bytes
        }
    }

    /// "a directory", "a named pipe", … for the file-type bits of `mode`.
    package static func fileKindDescription(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a named pipe"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "a file of an unknown kind"
        }
    }

    /// Writes `data` to a temporary file beside `url`, flushes it, and renames it over `url`.
    package static func writeAtomically(_ data: Data, to url: URL) throws(SafeTensorsError) {
        guard url.isFileURL else { throw .ioError(path: url.absoluteString, reason: "not a file URL") }
        let path = url.path
        let directory = url.deletingLastPathComponent().path
        let temporaryPath = directory + "/." + url.lastPathComponent + ".tmp-"
            + String(UInt64.random(in: 0 ... .max), radix: 16)

        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw failure(path, "cannot create a temporary file in \(directory)") }
        var isOpen = true
        var isRenamed = false
        defer {
            if isOpen { close(descriptor) }
            if !isRenamed { unlink(temporaryPath) }
        }

        var existing = stat()
        if stat(path, &existing) == 0 { _ = fchmod(descriptor, existing.st_mode & 0o7777) }

        let writeError: Int32? = data.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let count = write(descriptor, raw.baseAddress! + written, raw.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += count
            }
            return nil
        }
        if let writeError { throw failure(path, "cannot write the temporary file", writeError) }
        guard fsync(descriptor) == 0 else { throw failure(path, "cannot flush the temporary file to disk") }
        isOpen = false
        guard close(descriptor) == 0 else { throw failure(path, "cannot close the temporary file") }
        guard rename(temporaryPath, path) == 0 else { throw failure(path, "cannot replace the file") }
        isRenamed = true

        // Make the rename itself durable; a failure here leaves a complete file, so it is not reported.
        let directoryDescriptor = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}
