import Foundation

/// CLEVR v1.0's layout: `ROOT/images/<split>/*.png` and `ROOT/questions/*_<split>_questions.json`,
/// a JSON object `{"info": …, "questions": [{"image_filename", "question", "answer",
/// "question_family_index", "question_index", …}, …]}`. The test split's questions carry no
/// answer. The question file is read element by element (CLEVR's training file is about 700 MB).
/// Where the file's `info` names the families (FusionKit's generated sets, see ``CLEVRInfo``),
/// a question's type is its family's name and the relational families are marked.
public enum CLEVRLayout {
    /// The question file of `split` under `root`.
    public static func questionFile(root: URL, split: String) throws -> URL {
        let folder = root.appendingPathComponent("questions")
        let suffix = "_\(split)_questions.json"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(suffix) }.sorted()
        guard let name = names.first else {
            throw DatasetError.unknownLayout(path: root.path, reason: "CLEVR keeps questions in questions/*\(suffix); "
                                             + "there is no such file in \(folder.path)")
        }
        guard names.count == 1 else {
            throw DatasetError.unknownLayout(path: folder.path, reason: "several files end in \(suffix): \(names.joined(separator: ", "))")
        }
        return folder.appendingPathComponent(name)
    }

    /// The questions of `split` (`train`, `val`, `test`) under `root`.
    public static func read(root: URL, split: String) throws -> VQASplit {
        let file = try questionFile(root: root, split: split)
        let info = CLEVRInfo.read(from: file)
        var records: [VQAQuestionRecord] = []
        try StreamingJSONArray.forEachElement(in: file, key: "questions") { bytes, index, _ in
            let entry = try JSONEntry(bytes, path: file.path, entry: "question \(index)")
            let answer = try entry.optionalString("answer")
            let family = try entry.optionalInteger("question_family_index")
            records.append(VQAQuestionRecord(image: try entry.string("image_filename"), question: try entry.string("question"),
                                             answers: answer.map { [$0] } ?? [], type: family.map { info?.typeName(family: $0) ?? "family \($0)" },
                                             id: try entry.optionalString("question_index")))
        }
        guard !records.isEmpty else { throw DatasetError.empty(path: file.path) }
        var result = VQASplit(format: .clevr, name: split, source: file.path,
                              imageFolder: root.appendingPathComponent("images").appendingPathComponent(split), questions: records)
        result.relationalTypes = info?.relationalTypeNames ?? []
        return result
    }
}
