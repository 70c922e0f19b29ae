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
        try SortOfCLEVRExport.writeCLEVR(
            split: split, to: root, source: "harder Sort-of-CLEVR, seed \(dataset.seed)", imageCount: dataset.imageCount,
            side: HarderScene.imageSize, families: HarderQuestionSubtype.allCases.map(\.name),
            relationalFamilies: HarderQuestionSubtype.relational.map(\.rawValue),
            pixels: { Array(dataset.image(at: $0)) },
            questions: { dataset.questions(aboutImage: $0).map { ($0.text, $0.answer.text, $0.subtype.rawValue) } })
    }
}
