import Foundation

/// Reads a split of a VQA data set from a folder in one of the layouts of `VQAFormat`, the layout
/// detected from the files present or chosen by the caller (`vqa train --format`).
public enum VQALayout {
    /// The layout of the folder `root`; ambiguous or unknown folders are an error that lists what
    /// was looked for.
    public static func detect(root: URL) throws -> VQAFormat {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isFolder) else {
            throw DatasetError.unreadable(path: root.path, reason: "no such folder")
        }
        guard isFolder.boolValue else { throw DatasetError.unreadable(path: root.path, reason: "is a file, not a folder") }
        func names(_ folder: URL) -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] }
        var found: [VQAFormat] = []
        if names(root.appendingPathComponent("questions")).contains(where: { $0.hasSuffix("_questions.json") && !$0.hasPrefix("v2_") })
            && FileManager.default.fileExists(atPath: root.appendingPathComponent("images").path) {
            found.append(.clevr)
        }
        if (names(root) + names(root.appendingPathComponent("Questions")) + names(root.appendingPathComponent("questions")))
            .contains(where: { $0.hasPrefix("v2_OpenEnded_mscoco_") }) {
            found.append(.vqaV2)
        }
        if names(root).contains(where: { $0.hasSuffix(".jsonl") }) { found.append(.jsonLines) }
        guard let format = found.first else {
            throw DatasetError.unknownLayout(path: root.path, reason: "expected questions/*_<split>_questions.json with images/ (CLEVR), "
                                             + "v2_OpenEnded_mscoco_*_questions.json (VQA v2) or <split>.jsonl (JSON lines)")
        }
        guard found.count == 1 else {
            throw DatasetError.unknownLayout(path: root.path, reason: "it matches several layouts (\(found.map(\.rawValue).joined(separator: ", "))); "
                                             + "choose one with --format")
        }
        return format
    }

    /// Split `split` of the data set in `root`, in `format` (nil: detected).
    public static func read(root: URL, split: String, format: VQAFormat? = nil) throws -> VQASplit {
        switch try format ?? detect(root: root) {
        case .clevr: return try CLEVRLayout.read(root: root, split: split)
        case .vqaV2: return try VQAv2Layout.read(root: root, split: split)
        case .jsonLines:
            let file = JSONLinesLayout.file(root: root, split: split)
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw DatasetError.unknownLayout(path: root.path, reason: "a JSON lines data set keeps split \(split) in \(file.lastPathComponent); there is none")
            }
            return try JSONLinesLayout.read(file: file, split: split)
        }
    }
}
