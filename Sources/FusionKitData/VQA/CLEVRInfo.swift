import Foundation
import FusionKit

/// The `info` object at the start of a CLEVR-layout question file, where FusionKit's generated
/// sets name their question families: `question_families` (a name per `question_family_index`)
/// and `relational_families` (the indices of the relational ones). CLEVR's own files carry
/// neither; then the families keep their numbers and none is relational.
///
/// Only the first `limit` bytes are read, and only when `info` is the file's first key (as in
/// CLEVR's files and FusionKit's): the question array after it can be hundreds of megabytes.
/// Anything else (no `info`, an `info` too long or malformed) gives nil, never an error: the
/// object is optional metadata.
public struct CLEVRInfo: Sendable, Equatable {
    /// The family names by index.
    public var familyNames: [String]
    /// The indices of the relational families.
    public var relationalFamilies: Set<Int>

    /// The type name a question of family `index` gets: its name, or "family N".
    public func typeName(family index: Int) -> String {
        familyNames.indices.contains(index) ? familyNames[index] : "family \(index)"
    }

    /// The type names of the relational families.
    public var relationalTypeNames: Set<String> { Set(relationalFamilies.map { typeName(family: $0) }) }

    public static func read(from url: URL, limit: Int = 1 << 20) -> CLEVRInfo? {
        // A regular file only (a FIFO or a device would block or never end); the question reader
        // reports those as errors.
        guard let file = try? FileIO.openRegularFile(at: url) else { return nil }
        var prefix = [UInt8](repeating: 0, count: Swift.min(limit, file.size))
        guard (try? prefix.withUnsafeMutableBytes({ try FileIO.read(file, at: 0, into: $0) })) == true,
              let object = infoObject(in: prefix),
              let json = try? JSONSerialization.jsonObject(with: Data(object)) as? [String: Any] else { return nil }
        let names = (json["question_families"] as? [Any])?.compactMap { $0 as? String } ?? []
        let relational = (json["relational_families"] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } ?? []
        guard !names.isEmpty || !relational.isEmpty else { return nil }
        return CLEVRInfo(familyNames: names, relationalFamilies: Set(relational))
    }

    /// The bytes of the object that is the value of `info` when it is the first key of the
    /// top-level object, or nil.
    static func infoObject(in bytes: [UInt8]) -> ArraySlice<UInt8>? {
        var index = 0
        func skipSpace() { while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 } }
        func expect(_ text: String) -> Bool {
            let expected = Array(text.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<(index + expected.count)]) == expected else { return false }
            index += expected.count
            return true
        }
        skipSpace()
        guard expect("{") else { return nil }
        skipSpace()
        guard expect("\"info\"") else { return nil }
        skipSpace()
        guard expect(":") else { return nil }
        skipSpace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
        let start = index
        var depth = 0, inString = false, escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return bytes[start...index] }
            }
            index += 1
        }
        return nil
    }
}
