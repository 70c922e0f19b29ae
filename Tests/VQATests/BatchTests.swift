import FusionKit
import SortOfCLEVR
import Testing
import VQAKit

@Suite("Training batches")
struct BatchTests {
    @Test("the batches models read show each scene's objects where its questions' answers say they are")
    func batchesMatchScenes() throws {
        let dataset = SortOfCLEVRDataset.generate(seed: 21, imageCount: 12)
        let data = VQAData(dataset)
        let picked = [7, 2, 11]
        let images = data.images(picked)
        #expect(images.shape == [3, 3, 75, 75])
        let pixels = images.scalars
        for (slot, index) in picked.enumerated() {
            for object in dataset.scenes[index].objects {
                let rgb = object.color.rgb
                for (channel, value) in [rgb.red, rgb.green, rgb.blue].enumerated() {
                    let stored = pixels[((slot * 3 + channel) * 75 + object.y) * 75 + object.x]
                    #expect(abs(stored - Float(value) / 255) < 1e-6)
                }
            }
        }
        let rows = data.questionRows(picked)
        #expect(rows.count == 60)
        let answers = data.answers(rows: rows).scalars
        let tokens = data.questions(rows: rows)
        #expect(tokens.shape == [60, QuestionVocabulary.maximumQuestionLength])
        for (slot, row) in rows.enumerated() {
            let image = picked[slot / 20]
            let question = dataset.questions[row]
            #expect(SortOfCLEVRDataset.imageIndex(ofQuestion: row) == image)
            #expect(Int(answers[slot]) == question.answer.rawValue)
            #expect(dataset.scenes[image].answer(question.subtype, about: question.color) == question.answer)
            let ids = tokens.slice(slot..<(slot + 1), alongAxis: 0).scalars.map(Int.init)
            #expect(QuestionVocabulary.decode(ids) == QuestionVocabulary.tokenize(question.text).joined(separator: " "))
        }
    }
}
