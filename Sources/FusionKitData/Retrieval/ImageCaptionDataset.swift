import Foundation
import FusionKit

/// Image–caption pairs from a JSON lines file, one `{"image": "photos/1.jpg", "caption": "a dog on a
/// sofa"}` per line (image paths relative to the file, or absolute; blank lines skipped): the
/// data set of contrastive image–text training and of retrieval evaluation. Example `i` decodes
/// pair `i`'s image and prepares it with `preprocessing`.
public struct ImageCaptionDataset: Dataset {
    public struct Pair: Sendable {
        public var image: ImagePlanes
        public var caption: String
    }

    public let file: URL
    /// The image paths and captions, in file order.
    public let entries: [(image: String, caption: String)]
    public let preprocessing: ImagePreprocessing

    /// Reads the list (not the images) from `file`; a line that is not such an object is a
    /// typed error naming the file and the line.
    public init(file: URL, preprocessing: ImagePreprocessing) throws {
        let bytes: [UInt8]
        do { bytes = try FileIO.readRegularFile(at: file) } catch { throw DatasetError.unreadable(file.path, error) }
        var entries: [(String, String)] = []
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let entry = try JSONEntry(Array(line), path: file.path, entry: "line \(index + 1)")
            let image = try entry.string("image")
            guard !image.isEmpty else { throw entry.invalid("\"image\" is empty") }
            entries.append((image, try entry.string("caption")))
        }
        guard !entries.isEmpty else { throw DatasetError.empty(path: file.path) }
        self.file = file
        self.entries = entries
        self.preprocessing = preprocessing
    }

    public var count: Int { entries.count }

    /// The file of pair `index`'s image.
    public func imageURL(_ index: Int) -> URL {
        let path = entries[index].image
        return path.hasPrefix("/") ? URL(fileURLWithPath: path) : file.deletingLastPathComponent().appendingPathComponent(path)
    }

    public func example(at index: Int) throws -> Pair {
        Pair(image: preprocessing(try ImageFile.decode(contentsOf: imageURL(index)).planes()), caption: entries[index].caption)
    }

    /// Writes pairs as a JSON lines file at `url` (images given as paths relative to its folder).
    public static func write(_ pairs: [(image: String, caption: String)], to url: URL) throws {
        let lines = try pairs.map { pair in
            String(decoding: try JSONSerialization.data(withJSONObject: ["image": pair.image, "caption": pair.caption],
                                                        options: [.sortedKeys]), as: UTF8.self)
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url, options: .atomic)
    }
}
