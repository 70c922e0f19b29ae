import Foundation
import FusionKitData
import Testing

@Suite("PNG writer")
struct PNGWriterTests {
    /// Deterministic RGB bytes with every value present.
    static func pixels(width: Int, height: Int) -> [UInt8] {
        (0 ..< width * height * 3).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ ($0 / 7) &* 11) }
    }

    @Test("encoded RGB bytes decode back unchanged", arguments: [(1, 1), (17, 11), (300, 2)])
    func roundTrip(width: Int, height: Int) throws {
        let rgb = Self.pixels(width: width, height: height)
        let bytes = ImageFile.encodePNG(rgb: rgb, width: width, height: height)
        #expect(ImageFormat(detecting: bytes) == .png)
        let image = try ImageFile.decode(bytes, source: "encoded")
        #expect(image == DecodedImage(width: width, height: height, channels: 3, samples: .uint8(rgb)))
    }

    @Test("writePNG writes the file atomically, replacing an earlier one and leaving no temporary file")
    func writeFile() throws {
        let folder = try temporaryFolder("png-writer")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("out.png")
        try Data("old contents".utf8).write(to: url)
        let rgb = Self.pixels(width: 13, height: 9)
        try ImageFile.writePNG(rgb: rgb, width: 13, height: 9, to: url)
        let image = try ImageFile.decode(contentsOf: url)
        #expect(image.samples == .uint8(rgb) && image.width == 13 && image.height == 9)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["out.png"])
    }

    @Test("writing into a missing folder is a write failure naming the file")
    func writeFailure() throws {
        let folder = try temporaryFolder("png-writer-missing")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("no-such-folder/out.png")
        #expect {
            try ImageFile.writePNG(rgb: [1, 2, 3], width: 1, height: 1, to: url)
        } throws: { error in
            guard case .writeFailed(let path, _) = error as? ImageError else { return false }
            return path == url.path && "\(error)".contains(url.path)
        }
    }
}
