import Foundation
import FusionKit
import FusionKitData
import SortOfCLEVR

/// Writes Sort-of-CLEVR in CLEVR v1.0's layout — PNG images in `images/<split>/` and a questions
/// file `questions/CLEVR_<split>_questions.json` — so that it loads through the same path as any
/// data set on disk (`vqa generate --format clevr`).
public enum SortOfCLEVRExport {
    /// The file name of image `index` of `split`, as CLEVR names its images.
    public static func imageName(split: String, index: Int) -> String {
        let digits = String(index)
        return "CLEVR_\(split)_" + String(repeating: "0", count: Swift.max(0, 6 - digits.count)) + digits + ".png"
    }

    /// Writes `dataset` as split `split` under `root`. Each question's `question_family_index` is
    /// its Sort-of-CLEVR subtype index; `info.question_families` names them and
    /// `info.relational_families` lists the relational ones (see `CLEVRInfo`).
    public static func write(_ dataset: SortOfCLEVRDataset, split: String, to root: URL) throws {
        let imageFolder = root.appendingPathComponent("images").appendingPathComponent(split)
        let questionFolder = root.appendingPathComponent("questions")
        try FileManager.default.createDirectory(at: imageFolder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: questionFolder, withIntermediateDirectories: true)
        var questions: [[String: Any]] = []
        questions.reserveCapacity(dataset.questionCount)
        for image in 0..<dataset.imageCount {
            let name = imageName(split: split, index: image)
            try ImageFile.writePNG(rgb: Array(dataset.image(at: image)), width: Scene.imageSize, height: Scene.imageSize,
                                   to: imageFolder.appendingPathComponent(name))
            for question in dataset.questions(aboutImage: image) {
                questions.append(["image_index": image, "image_filename": name, "split": split, "question": question.text,
                                  "answer": question.answer.text, "question_family_index": question.subtype.rawValue,
                                  "question_index": questions.count])
            }
        }
        let document: [String: Any] = [
            "info": ["split": split, "version": "1.0", "source": "Sort-of-CLEVR, seed \(dataset.seed)",
                     "question_families": QuestionSubtype.allCases.map(\.name),
                     "relational_families": QuestionSubtype.relational.map(\.rawValue)],
            "questions": questions,
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
        try data.write(to: questionFolder.appendingPathComponent("CLEVR_\(split)_questions.json"), options: .atomic)
    }
}
