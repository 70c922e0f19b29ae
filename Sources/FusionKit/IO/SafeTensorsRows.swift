import Foundation

/// Writes one F32 tensor to a safetensors file row by row (along its first axis), for tensors
/// too large to hold in memory at once — features of a whole data set, say. The header is
/// written first (the shape is known in advance); rows follow as they come; `finish()` checks
/// that every row arrived, flushes the file and renames it over `url`, so readers see either the
/// old file or the complete new one. A writer dropped before `finish()` removes its temporary file.
public final class SafeTensorsRowWriter {
    public let url: URL
    public let shape: [Int]
    /// Values per row: the product of `shape` without its first axis.
    public let rowLength: Int
    public private(set) var rowsWritten = 0
    private let temporaryPath: String
    private var descriptor: Int32

    /// Starts a file holding the tensor `name` of `shape` (its first axis counts the rows) and `metadata`.
    public init(url: URL, name: String, shape: [Int], metadata: [String: String] = [:]) throws(SafeTensorsError) {
        precondition(!shape.isEmpty && shape.allSatisfy { $0 >= 0 }, "SafeTensorsRowWriter: shape \(shape) has no rows axis")
        try SafeTensors.checkNames([name])
        guard url.isFileURL else { throw .ioError(path: url.absoluteString, reason: "not a file URL") }
        self.url = url
        self.shape = shape
        rowLength = shape.dropFirst().reduce(1, *)
        temporaryPath = url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".tmp-"
            + String(UInt64.random(in: 0 ... .max), radix: 16)
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw .ioError(path: url.path, reason: "cannot create a temporary file: \(String(cString: strerror(errno)))")
        }
        let entry = SafeTensors.PlannedEntry(name: name, dataType: .float32, shape: shape, byteCount: shape.reduce(1, *) * 4)
        let failed = SafeTensors.headerWithPrefix([entry], metadata: metadata).withUnsafeBytes { writeAll($0) }
        if let failed { throw writeFailure(failed) }
    }

    deinit {
        if descriptor >= 0 {
            close(descriptor)
            unlink(temporaryPath)
        }
    }

    /// Appends whole rows: `values.count` must be a multiple of `rowLength`, within the shape.
    public func append(_ values: [Float]) throws(SafeTensorsError) {
        precondition(descriptor >= 0, "SafeTensorsRowWriter.append: the file is finished")
        precondition(rowLength > 0 ? values.count % rowLength == 0 : values.isEmpty,
                     "SafeTensorsRowWriter.append: \(values.count) values are not whole rows of \(rowLength)")
        let rows = rowLength == 0 ? 0 : values.count / rowLength
        precondition(rowsWritten + rows <= shape[0], "SafeTensorsRowWriter.append: more than the \(shape[0]) rows of \(shape)")
        let failed = values.withUnsafeBytes { writeAll($0) }
        if let failed { throw writeFailure(failed) }
        rowsWritten += rows
    }

    /// Flushes the file and renames it over `url`; every row must have been appended.
    public func finish() throws(SafeTensorsError) {
        precondition(rowsWritten == shape[0], "SafeTensorsRowWriter.finish: \(rowsWritten) of \(shape[0]) rows written")
        guard fsync(descriptor) == 0 else { throw failure("cannot flush the temporary file") }
        let status = close(descriptor)
        descriptor = -1
        guard status == 0 else { unlink(temporaryPath); throw failure("cannot close the temporary file") }
        guard rename(temporaryPath, url.path) == 0 else {
            let error = failure("cannot rename the temporary file over it")
            unlink(temporaryPath)
            throw error
        }
    }

    /// Writes all of `raw` to the temporary file; the errno of a failure, nil on success.
    private func writeAll(_ raw: UnsafeRawBufferPointer) -> Int32? {
        var written = 0
        while written < raw.count {
            let count = Foundation.write(descriptor, raw.baseAddress! + written, raw.count - written)
            if count < 0 {
                if errno == EINTR { continue }
                return errno
            }
            written += count
        }
        return nil
    }

    private func writeFailure(_ code: Int32) -> SafeTensorsError {
        .ioError(path: url.path, reason: "cannot write the temporary file: \(String(cString: strerror(code)))")
    }

    private func failure(_ what: String) -> SafeTensorsError {
        .ioError(path: url.path, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}

/// Rows (slices along the first axis) of one F32 tensor of a safetensors file, read on request
/// from a read-only memory mapping of the file: nothing is read whole, and the operating system
/// keeps in memory only the pages that rows were read from, as it sees fit. The header is
/// validated as ``SafeTensors/read(contentsOf:)`` validates it.
public final class SafeTensorsRowReader: @unchecked Sendable {
    public let shape: [Int]
    public let metadata: [String: String]
    /// Values per row.
    public let rowLength: Int
    public var rowCount: Int { shape[0] }
    private let mapping: UnsafeMutableRawPointer?
    private let mappedLength: Int
    private let dataOffset: Int

    /// Maps `url` and finds the tensor `name`, which must be F32 with at least one axis.
    public init(contentsOf url: URL, tensor name: String) throws(SafeTensorsError) {
        let reader = try SafeTensorsFileReader(url)
        guard let entry = reader.entries.first(where: { $0.name == name }) else {
            throw .inFile(path: url.path, error: .invalidEntry(name: name, reason: "the file has no tensor of that name"))
        }
        guard entry.dataType == .float32, !entry.shape.isEmpty else {
            throw .inFile(path: url.path, error: .invalidEntry(name: name, reason: "expected an F32 tensor with a rows axis, "
                                                               + "found \(entry.dataType.rawValue) \(entry.shape)"))
        }
        shape = entry.shape
        metadata = reader.metadata
        rowLength = entry.shape.dropFirst().reduce(1, *)
        dataOffset = reader.dataStart + entry.begin
        mappedLength = reader.file.size
        if entry.end > entry.begin {
            let pointer = mmap(nil, mappedLength, PROT_READ, MAP_PRIVATE, reader.file.descriptor, 0)
            guard let pointer, pointer != MAP_FAILED else {
                throw .ioError(path: url.path, reason: "cannot map the file: \(String(cString: strerror(errno)))")
            }
            mapping = pointer
        } else {
            mapping = nil
        }
    }

    deinit {
        if let mapping { munmap(mapping, mappedLength) }
    }

    /// The values of row `index`, in 0..<rowCount.
    public func row(_ index: Int) -> [Float] {
        precondition((0..<rowCount).contains(index), "SafeTensorsRowReader.row: row \(index) of \(rowCount)")
        guard let mapping, rowLength > 0 else { return [Float](repeating: 0, count: rowLength) }
        let start = mapping + dataOffset + index * rowLength * 4
        return [Float](unsafeUninitializedCapacity: rowLength) { buffer, count in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(start: start, count: rowLength * 4))
            count = rowLength
        }
    }
}
