import Foundation
import FusionKit

/// Anyone's own data: a JSON lines file, one question per line,
/// `{"image": "photos/cat.jpg", "question": "What animal is this?", "answer": "cat", "type": "animal"}`
/// (`"type"` optional; `"answers"`, an array of strings, may stand for `"answer"` where several people
/// answered; no answer at all for questions to be answered only). Image paths are relative to the
/// file's folder, or absolute. Blank lines are skipped.
public enum JSONLinesLayout {
    /// The file of `split` under `root`: `root/<split>.jsonl`.
    public static func file(root: URL, split: String) -> URL { root.appendingPathComponent("\(split).jsonl") }

    /// The questions of the JSON lines file at `url`, as split `split`.
    public static func read(file url: URL, split: String) throws -> VQASplit {
        let bytes: [UInt8]
        do { bytes = try FileIO.readRegularFile(at: url) } catch { throw DatasetError.unreadable(url.path, error) }
        var records: [VQAQuestionRecord] = []
        var lineNumber = 0
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let entry = try JSONEntry(Array(line), path: url.path, entry: "line \(lineNumber)")
            let image = try entry.string("image"), question = try entry.string("question")
            guard !image.isEmpty else { throw entry.invalid("\"image\" is empty") }
            var answers: [String] = []
            if let answer = try entry.optionalString("answer") { answers = [answer] }
            if let many = entry.object["answers"] {
                guard let list = many as? [String], !list.isEmpty, answers.isEmpty else {
                    throw entry.invalid("\"answers\" must be a non-empty array of strings, and not beside \"answer\"")
                }
                answers = list
            }
            records.append(VQAQuestionRecord(image: image, question: question, answers: answers,
                                             type: try entry.optionalString("type"), id: try entry.optionalString("id")))
        }
        guard !records.isEmpty else { throw DatasetError.empty(path: url.path) }
        return VQASplit(format: .jsonLines, name: split, source: url.path, imageFolder: url.deletingLastPathComponent(),
                        questions: records)
    }
}
