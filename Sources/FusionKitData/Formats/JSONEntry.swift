import Foundation

/// A JSON object decoded from the bytes of one entry (an array element or a line), and typed
/// access to its fields with errors that name the file and the entry.
struct JSONEntry {
    let object: [String: Any]
    let path: String
    let entry: String

    init(_ bytes: [UInt8], path: String, entry: String) throws {
        self.path = path
        self.entry = entry
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            throw DatasetError.invalidEntry(path: path, entry: entry, reason: "not valid JSON (\(Self.reason(error)))")
        }
        guard let object = value as? [String: Any] else {
            throw DatasetError.invalidEntry(path: path, entry: entry, reason: "not a JSON object")
        }
        self.object = object
    }

    /// Foundation's own message without its boilerplate.
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    }

    func string(_ key: String) throws -> String {
        guard let value = object[key] else { throw invalid("has no \"\(key)\"") }
        guard let text = value as? String else { throw invalid("\"\(key)\" is not a string") }
        return text
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        if let text = value as? String { return text }
        if let number = value as? NSNumber { return number.stringValue }
        throw invalid("\"\(key)\" is neither a string nor a number")
    }

    func integer(_ key: String) throws -> Int {
        guard let value = object[key] else { throw invalid("has no \"\(key)\"") }
        guard let number = value as? NSNumber, let integer = Int(exactly: number.doubleValue) else {
            throw invalid("\"\(key)\" is not an integer")
        }
        return integer
    }

    func optionalInteger(_ key: String) throws -> Int? {
        guard object[key] != nil, !(object[key] is NSNull) else { return nil }
        return try integer(key)
    }

    func invalid(_ reason: String) -> DatasetError { .invalidEntry(path: path, entry: entry, reason: reason) }
}
