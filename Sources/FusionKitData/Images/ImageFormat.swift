/// The image file formats ``ImageFile`` reads, told apart by their first bytes (never by the
/// file's extension, which is often wrong).
public enum ImageFormat: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case png = "PNG"
    case jpeg = "JPEG"

    /// The bytes every file of the format starts with: PNG's 8-byte signature, JPEG's start-of-image
    /// marker followed by the first byte of the next marker.
    public var signature: [UInt8] {
        switch self {
        case .png: return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        case .jpeg: return [0xFF, 0xD8, 0xFF]
        }
    }

    /// The format whose signature `bytes` start with, or nil.
    public init?(detecting bytes: [UInt8]) {
        guard let format = Self.allCases.first(where: { bytes.starts(with: $0.signature) }) else { return nil }
        self = format
    }

    public var description: String { rawValue }
}
