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
        try writeCLEVR(split: split, to: root, source: "Sort-of-CLEVR, seed \(dataset.seed)", imageCount: dataset.imageCount,
                       side: Scene.imageSize, families: QuestionSubtype.allCases.map(\.name),
                       relationalFamilies: QuestionSubtype.relational.map(\.rawValue),
                       pixels: { Array(dataset.image(at: $0)) },
                       questions: { dataset.questions(aboutImage: $0).map { ($0.text, $0.answer.text, $0.subtype.rawValue) } })
    }

    /// The CLEVR-layout writer behind both generated sets: image `i` is `pixels(i)` (RGB, `side`
    /// × `side`), its questions `questions(i)` as (text, answer, family index); `info` carries
    /// `source`, the family names and the relational families' indices.
    static func writeCLEVR(split: String, to root: URL, source: String, imageCount: Int, side: Int, families: [String],
                           relationalFamilies: [Int], pixels: (Int) -> [UInt8],
                           questions questionsOf: (Int) -> [(text: String, answer: String, family: Int)]) throws {
        let imageFolder = root.appendingPathComponent("images").appendingPathComponent(split)
        let questionFolder = root.appendingPathComponent("questions")
        try FileManager.default.createDirectory(at: imageFolder, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: questionFolder, withIntermediateDirectories: true)
        var questions: [[String: Any]] = []
        for image in 0..<imageCount {
            let name = imageName(split: split, index: image)
            try ImageFile.writePNG(rgb: pixels(image), width: side, height: side, to: imageFolder.appendingPathComponent(name))
            for question in questionsOf(image) {
                questions.append(["image_index": image, "image_filename": name, "split": split, "question": question.text,
                                  "answer": question.answer, "question_family_index": question.family,
                                  "question_index": questions.count])
            }
        }
        let document: [String: Any] = [
            "info": ["split": split, "version": "1.0", "source": source, "question_families": families,
                     "relational_families": relationalFamilies],
            "questions": questions,
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
        try data.write(to: questionFolder.appendingPathComponent("CLEVR_\(split)_questions.json"), options: .atomic)
    }
}
