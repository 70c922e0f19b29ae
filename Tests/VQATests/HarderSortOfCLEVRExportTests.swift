import Foundation
import FusionKit
import FusionKitData
import SortOfCLEVR
import Testing
import VQAKit

@Suite("Harder Sort-of-CLEVR export")
struct HarderSortOfCLEVRExportTests {
    // Deliberate pattern (same shape as Tests/VQATests/FolderDataTests.swift:exportedSortOfCLEVR): both generate and export two splits, then check them apart, this one through CLEVRLayout and the files, that one through FolderData.
    @Test("exported in CLEVR's layout, it reads back with the same images, questions, answers and families")
    func exportReadsBack() throws {
        let training = HarderSortOfCLEVR.generate(seed: 31, imageCount: 3)
        let validation = HarderSortOfCLEVR.generate(seed: 32, imageCount: 2)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("harder-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try HarderSortOfCLEVRExport.write(training, split: "train", to: folder)
        try HarderSortOfCLEVRExport.write(validation, split: "val", to: folder)

        for (native, split) in [(training, "train"), (validation, "val")] {
            let read = try CLEVRLayout.read(root: folder, split: split)
            #expect(read.format == .clevr && read.questions.count == native.questionCount)
            for (index, (record, question)) in zip(read.questions, native.questions).enumerated() {
                let image = HarderSortOfCLEVR.imageIndex(ofQuestion: index)
                #expect(record.image == SortOfCLEVRExport.imageName(split: split, index: image))
                #expect(record.question == question.text)
                #expect(record.answers == [question.answer.text])
                #expect(record.type == question.subtype.name)
            }
            #expect(read.relationalTypes == Set(HarderQuestionSubtype.allCases.filter(\.isRelational).map(\.name)))
            for image in 0 ..< native.imageCount {
                let url = read.imageFolder.appendingPathComponent(SortOfCLEVRExport.imageName(split: split, index: image))
                let decoded = try ImageFile.decode(contentsOf: url)
                #expect(decoded.width == 75 && decoded.height == 75 && decoded.channels == 3)
                #expect(decoded.samples == .uint8(Array(native.image(at: image))))
            }
            // The families are named, and the relational ones listed, in the file's info.
            let file = try CLEVRLayout.questionFile(root: folder, split: split)
            let document = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]
            let info = document?["info"] as? [String: Any]
            #expect(info?["question_families"] as? [String] == ["shape", "size", "horizontal", "vertical", "closest-shape",
                                                               "furthest-shape", "closest-color", "furthest-color", "count"])
            #expect(info?["relational_families"] as? [Int] == [4, 5, 6, 7, 8])
            #expect(info?["split"] as? String == split)
        }
    }
}
