import Foundation

/// One question about one image, as read from a data set's files.
public struct VQAQuestionRecord: Sendable, Equatable, Codable {
    /// The image file, relative to the split's `imageFolder` (or absolute).
    public var image: String
    public var question: String
    /// The human answers: one for CLEVR and JSON lines, ten for VQA v2, none where the split
    /// carries no answers (CLEVR's and VQA v2's test splits).
    public var answers: [String]
    /// The question's family or type for per-type accuracy (CLEVR's `question_family_index` as
    /// "family N", VQA v2's `answer_type`, a JSON line's `"type"`), nil when the files carry none.
    public var type: String?
    /// The question's id in its files, where they give one.
    public var id: String?

    public init(image: String, question: String, answers: [String], type: String? = nil, id: String? = nil) {
        self.image = image
        self.question = question
        self.answers = answers
        self.type = type
        self.id = id
    }
}

/// The layouts `VQALayout` reads.
public enum VQAFormat: String, Sendable, Codable, CaseIterable {
    /// CLEVR v1.0: `images/<split>/*.png`, `questions/CLEVR_<split>_questions.json`.
    case clevr
    /// VQA v2: `v2_OpenEnded_mscoco_<split>2014_questions.json`, `v2_mscoco_<split>2014_annotations.json`,
    /// `<split>2014/COCO_<split>2014_<12-digit id>.jpg`.
    case vqaV2 = "vqa-v2"
    /// JSON lines: `<split>.jsonl`, one `{"image", "question", "answer", "type"?}` per line.
    case jsonLines = "jsonl"
}

/// The questions of one split of a data set and where its images are.
public struct VQASplit: Sendable, Equatable {
    public var format: VQAFormat
    /// The split's name (`train`, `val`, …).
    public var name: String
    /// The question file(s) read, for messages.
    public var source: String
    /// The folder the records' relative image paths start from.
    public var imageFolder: URL
    public var questions: [VQAQuestionRecord]
    /// The question types that ask about relations between objects, where the files say
    /// (FusionKit's generated CLEVR-layout sets); accuracy is then also reported per kind.
    public var relationalTypes: Set<String> = []

    public init(format: VQAFormat, name: String, source: String, imageFolder: URL, questions: [VQAQuestionRecord]) {
        self.format = format
        self.name = name
        self.source = source
        self.imageFolder = imageFolder
        self.questions = questions
    }

    /// Whether every question carries at least one answer (training and evaluation need them).
    public var hasAnswers: Bool { questions.allSatisfy { !$0.answers.isEmpty } }

    /// The file of `record`'s image.
    public func imageURL(_ record: VQAQuestionRecord) -> URL {
        record.image.hasPrefix("/") ? URL(fileURLWithPath: record.image) : imageFolder.appendingPathComponent(record.image)
    }

    /// The distinct images in order of first appearance, and for each the indices of its questions.
    public func groupedByImage() -> (images: [String], questions: [[Int]]) {
        var slot: [String: Int] = [:]
        var images: [String] = [], questionsOfImage: [[Int]] = []
        for (index, record) in questions.enumerated() {
            if let existing = slot[record.image] {
                questionsOfImage[existing].append(index)
            } else {
                slot[record.image] = images.count
                images.append(record.image)
                questionsOfImage.append([index])
            }
        }
        return (images, questionsOfImage)
    }
}
