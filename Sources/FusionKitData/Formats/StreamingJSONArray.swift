import Foundation
import FusionKit

/// Reads the elements of one array in a JSON file without holding the file in memory: CLEVR's
/// training questions (about 700 MB) or VQA v2's annotations are objects whose one big array is
/// walked element by element, each element's bytes handed to the caller to decode.
///
/// The scan tracks strings, escapes and nesting only; it does not validate the JSON outside the
/// elements it hands out (each element is validated by whoever decodes it). Offsets in errors are
/// byte offsets in the file, counted from 0.
public enum StreamingJSONArray {
    /// Calls `body` with each element of the array that is the value of the top-level key `key`
    /// (`key` nil: the file is itself an array), in order, with its index. Elements must be JSON
    /// objects. Reads `chunkSize` bytes at a time.
    public static func forEachElement(in url: URL, key: String?, chunkSize: Int = 1 << 20,
                                      _ body: (_ element: [UInt8], _ index: Int, _ byteOffset: Int) throws -> Void) throws {
        let path = url.path
        let file: FileIO.OpenFile
        do { file = try FileIO.openRegularFile(at: url) } catch { throw DatasetError.unreadable(path, error) }
        var scanner = Scanner(key: key.map { Array($0.utf8) }, path: path)
        var buffer = [UInt8](repeating: 0, count: Swift.max(chunkSize, 16))
        var offset = 0
        while offset < file.size {
            let count = Swift.min(buffer.count, file.size - offset)
            let complete = try buffer.withUnsafeMutableBytes { raw in
                try read(file, at: offset, into: UnsafeMutableRawBufferPointer(rebasing: raw[0..<count]))
            }
            guard complete else { throw DatasetError.unreadable(path: path, reason: "the file shrank while it was read") }
            try scanner.scan(buffer[0..<count], at: offset, body)
            offset += count
        }
        try scanner.finish(at: file.size)
    }

    private static func read(_ file: FileIO.OpenFile, at offset: Int,
                             into destination: UnsafeMutableRawBufferPointer) throws(DatasetError) -> Bool {
        do {
            return try FileIO.read(file, at: offset, into: destination)
        } catch { throw DatasetError.unreadable(file.path, error) }
    }

    /// The scanner's state between chunks.
    struct Scanner {
        let key: [UInt8]?
        let path: String
        /// Open containers, `{` or `[`.
        var stack: [UInt8] = []
        var inString = false, escaped = false
        /// The bytes of the string being read, when it may be a top-level key.
        var stringBytes: [UInt8] = []
        /// The last complete string at depth 1 (a candidate key of the top-level object).
        var lastKey: [UInt8]?
        /// The depth of the target array's elements, once inside it.
        var arrayDepth: Int?
        var element: [UInt8] = []
        var elementStart = 0
        var elementIndex = 0
        /// The target array was read to its end (the rest of the file is still checked for balance).
        var arrayDone = false
        var sawRoot = false

        init(key: [UInt8]?, path: String) {
            self.key = key
            self.path = path
        }

        mutating func scan(_ bytes: ArraySlice<UInt8>, at base: Int,
                           _ body: (_ element: [UInt8], _ index: Int, _ byteOffset: Int) throws -> Void) throws {
            var position = bytes.startIndex
            while position < bytes.endIndex {
                let byte = bytes[position]
                let offset = base + position - bytes.startIndex
                position += 1
                let inElement = arrayDepth.map { stack.count > $0 } ?? false
                if inElement { element.append(byte) }
                if inString {
                    if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true }
                    else if byte == UInt8(ascii: "\"") { inString = false; if stack.count == 1 { lastKey = stringBytes } }
                    else if stack.count == 1 { stringBytes.append(byte) }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""):
                    inString = true
                    stringBytes.removeAll(keepingCapacity: true)
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    if stack.isEmpty {
                        if sawRoot { throw malformed(offset, "more than one value at the top level") }
                        sawRoot = true
                        if key == nil && byte != UInt8(ascii: "[") { throw malformed(offset, "the file is not a JSON array") }
                        if key != nil && byte != UInt8(ascii: "{") { throw malformed(offset, "the file is not a JSON object") }
                    }
                    if let depth = arrayDepth, stack.count == depth {
                        guard byte == UInt8(ascii: "{") else {
                            throw DatasetError.invalidEntry(path: path, entry: "element \(elementIndex)", reason: "not a JSON object")
                        }
                        element = [byte]
                        elementStart = offset
                    }
                    stack.append(byte)
                    let opensTarget = byte == UInt8(ascii: "[") && arrayDepth == nil && !arrayDone
                        && (key == nil ? stack.count == 1 : (stack.count == 2 && lastKey == key))
                    if opensTarget { arrayDepth = stack.count }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    guard let open = stack.popLast(),
                          (open == UInt8(ascii: "{")) == (byte == UInt8(ascii: "}")) else {
                        throw malformed(offset, "unbalanced '\(Character(UnicodeScalar(byte)))'")
                    }
                    if let depth = arrayDepth {
                        if stack.count == depth {
                            try body(element, elementIndex, elementStart)
                            elementIndex += 1
                            element.removeAll(keepingCapacity: true)
                        } else if stack.count == depth - 1 {
                            arrayDone = true
                            arrayDepth = nil
                        }
                    }
                    if stack.count == 1 && byte == UInt8(ascii: "]") { lastKey = nil }
                case UInt8(ascii: ","):
                    if stack.count == 1 { lastKey = nil }
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"), UInt8(ascii: ":"):
                    break
                default:
                    if stack.isEmpty { throw malformed(offset, "unexpected byte \(byte) outside the top-level value") }
                    if let depth = arrayDepth, stack.count == depth {
                        throw DatasetError.invalidEntry(path: path, entry: "element \(elementIndex)", reason: "not a JSON object")
                    }
                }
            }
        }

        func finish(at size: Int) throws {
            if arrayDone && stack.isEmpty && !inString { return }
            if !sawRoot { throw malformed(size, "the file holds no JSON value") }
            if arrayDepth != nil { throw malformed(size, "the file ends inside the array (truncated?)") }
            if let key, stack.isEmpty { throw DatasetError.missingKey(path: path, key: String(decoding: key, as: UTF8.self)) }
            if let key { throw malformed(size, "the file ends before the \"\(String(decoding: key, as: UTF8.self))\" array (truncated?)") }
            throw malformed(size, "the file ends inside the top-level value (truncated?)")
        }

        private func malformed(_ offset: Int, _ reason: String) -> DatasetError {
            .malformedJSON(path: path, byteOffset: offset, reason: reason)
        }
    }
}
