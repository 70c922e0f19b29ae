import Foundation
import FusionKit
import FusionKitData
import SortOfCLEVR

/// Writes harder Sort-of-CLEVR in CLEVR v1.0's layout — PNG images in `images/<split>/` and a
/// questions file `questions/CLEVR_<split>_questions.json` — exactly as ``SortOfCLEVRExport`` does
/// for the plain set, so that it loads through the same path as any data set on disk.
public enum HarderSortOfCLEVRExport {
    /// Writes `dataset` as split `split` under `root`, with images named as CLEVR names them
    /// (``SortOfCLEVRExport/imageName(split:index:)``).
    ///
    /// Each question's `question_family_index` is its ``HarderQuestionSubtype`` index;
    /// `info.question_families` names the subtypes in index order and `info.relational_families`
    /// lists the indices of the relational ones, so per-family results can be grouped into
    /// non-relational and relational accuracy without knowing the subtypes.
    public static func write(_ dataset: HarderSortOfCLEVR, split: String, to root: URL) throws {
        let imageFolder = root.appendingPathComponent("images").appendingPathComponent(split)
        let questionFolder = root.appendingPathComponent("questions")
        try FileManager.default.createDirectory(at: imageFolder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: questionFolder, withIntermediateDirectories: true)
        var questions: [[String: Any]] = []
        questions.reserveCapacity(dataset.questionCount)
        for image in 0..<dataset.imageCount {
            let name = SortOfCLEVRExport.imageName(split: split, index: image)
            try ImageFile.writePNG(rgb: Array(dataset.image(at: image)), width: HarderScene.imageSize,
                                   height: HarderScene.imageSize, to: imageFolder.appendingPathComponent(name))
            for question in dataset.questions(aboutImage: image) {
                questions.append(["image_index": image, "image_filename": name, "split": split, "question": question.text,
                                  "answer": question.answer.text, "question_family_index": question.subtype.rawValue,
                                  "question_index": questions.count])
            }
        }
        let document: [String: Any] = [
            "info": ["split": split, "version": "1.0", "source": "harder Sort-of-CLEVR, seed \(dataset.seed)",
                     "question_families": HarderQuestionSubtype.allCases.map(\.name),
                     "relational_families": HarderQuestionSubtype.relational.map(\.rawValue)],
            "questions": questions,
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
        try data.write(to: questionFolder.appendingPathComponent("CLEVR_\(split)_questions.json"), options: .atomic)
    }
}
