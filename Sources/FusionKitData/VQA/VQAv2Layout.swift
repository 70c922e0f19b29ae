import Foundation

/// VQA v2's layout (as its archives unpack): `v2_OpenEnded_mscoco_<split>2014_questions.json`
/// (`{"questions": [{"image_id", "question", "question_id"}, …]}`), `v2_mscoco_<split>2014_annotations.json`
/// (`{"annotations": [{"question_id", "answer_type", "question_type", "answers": [{"answer", …} × 10], …}]}`)
/// and images `<split>2014/COCO_<split>2014_<12-digit image id>.jpg`. The JSON files may sit in
/// ROOT or in ROOT/Questions and ROOT/Annotations, the image folders in ROOT or ROOT/images.
/// The test split (`test2015`) has no annotations: its questions carry no answers.
public enum VQAv2Layout {
    /// The question file of `split` (`train`, `val`, `test`, …) under `root`, and its data subtype (`train2014`).
    public static func questionFile(root: URL, split: String) throws -> (url: URL, subtype: String) {
        let prefix = "v2_OpenEnded_mscoco_\(split)", suffix = "_questions.json"
        for folder in [root, root.appendingPathComponent("Questions"), root.appendingPathComponent("questions")] {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
                .filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) && $0.count > prefix.count + suffix.count }.sorted()
            if let name = names.first {
                let subtype = String(name.dropFirst("v2_OpenEnded_mscoco_".count).dropLast(suffix.count))
                return (folder.appendingPathComponent(name), subtype)
            }
        }
        throw DatasetError.unknownLayout(path: root.path, reason: "VQA v2 keeps questions in \(prefix)<year>\(suffix) "
                                         + "(in the folder or in Questions/); there is none")
    }

    /// The questions of `split` under `root`, with their ten human answers when the annotation file is there.
    public static func read(root: URL, split: String) throws -> VQASplit {
        let (questionURL, subtype) = try questionFile(root: root, split: split)
        var records: [VQAQuestionRecord] = []
        var slotOfQuestion: [Int: Int] = [:]
        try StreamingJSONArray.forEachElement(in: questionURL, key: "questions") { bytes, index, _ in
            let entry = try JSONEntry(bytes, path: questionURL.path, entry: "question \(index)")
            let imageID = try entry.integer("image_id"), questionID = try entry.integer("question_id")
            guard imageID >= 0 else { throw entry.invalid("\"image_id\" is negative") }
            guard slotOfQuestion.updateValue(records.count, forKey: questionID) == nil else {
                throw entry.invalid("question_id \(questionID) appears twice")
            }
            records.append(VQAQuestionRecord(image: imageName(subtype: subtype, imageID: imageID),
                                             question: try entry.string("question"), answers: [], id: String(questionID)))
        }
        guard !records.isEmpty else { throw DatasetError.empty(path: questionURL.path) }
        let annotationName = "v2_mscoco_\(subtype)_annotations.json"
        let annotationURL = [root, root.appendingPathComponent("Annotations"), root.appendingPathComponent("annotations")]
            .map { $0.appendingPathComponent(annotationName) }
            .first { FileManager.default.fileExists(atPath: $0.path) }
        if let annotationURL {
            var annotated = 0
            try StreamingJSONArray.forEachElement(in: annotationURL, key: "annotations") { bytes, index, _ in
                let entry = try JSONEntry(bytes, path: annotationURL.path, entry: "annotation \(index)")
                let questionID = try entry.integer("question_id")
                guard let slot = slotOfQuestion[questionID] else {
                    throw entry.invalid("question_id \(questionID) is not in \(questionURL.lastPathComponent)")
                }
                guard records[slot].answers.isEmpty else { throw entry.invalid("question_id \(questionID) is annotated twice") }
                guard let answers = entry.object["answers"] as? [[String: Any]], !answers.isEmpty else {
                    throw entry.invalid("\"answers\" is not a non-empty array of objects")
                }
                records[slot].answers = try answers.map { answer in
                    guard let text = answer["answer"] as? String else { throw entry.invalid("an answer has no \"answer\" string") }
                    return text
                }
                records[slot].type = try entry.optionalString("answer_type")
                annotated += 1
            }
            guard annotated == records.count else {
                throw DatasetError.invalidEntry(path: annotationURL.path, entry: "annotations",
                                                reason: "\(records.count - annotated) of the \(records.count) questions have no annotation")
            }
        }
        let imageFolder = [root.appendingPathComponent(subtype), root.appendingPathComponent("images").appendingPathComponent(subtype)]
            .first { FileManager.default.fileExists(atPath: $0.path) } ?? root.appendingPathComponent(subtype)
        return VQASplit(format: .vqaV2, name: split, source: questionURL.path + (annotationURL.map { " + " + $0.path } ?? ""),
                        imageFolder: imageFolder, questions: records)
    }

    /// `COCO_<subtype>_<12-digit id>.jpg`.
    public static func imageName(subtype: String, imageID: Int) -> String {
        let digits = String(imageID)
        return "COCO_\(subtype)_" + String(repeating: "0", count: Swift.max(0, 12 - digits.count)) + digits + ".jpg"
    }
}
