import FusionKit
import Testing
@testable import SortOfCLEVR

@Suite("Batches as tensors")
struct BatchTensorTests {
    let dataset = SortOfCLEVRDataset.generate(seed: 9, imageCount: 4)

    @Test func imagesBecomeNCHWInTheUnitInterval() {
        let tensor = dataset.imageTensor(images: [2, 0, 2])
        #expect(tensor.shape == [3, 3, 75, 75])
        let values = tensor.scalars
        for (batch, image) in [2, 0, 2].enumerated() {
            let bytes = Array(dataset.image(at: image))
            for (x, y) in [(0, 0), (10, 33), (74, 74), (dataset.scenes[image][.orange].x, dataset.scenes[image][.orange].y)] {
                for channel in 0 ..< 3 {
                    let value = values[((batch * 3 + channel) * 75 + y) * 75 + x]
                    #expect(value == Float(bytes[(y * 75 + x) * 3 + channel]) / 255)
                }
            }
        }
        #expect(values.allSatisfy { (0 ... 1).contains($0) })
        #expect(dataset.imageTensor(images: []).shape == [0, 3, 75, 75])
    }

    @Test func questionsAndAnswersBecomeIdTensors() {
        let questions = dataset.questionTensor(questions: [5, 79])
        #expect(questions.shape == [2, 16])
        #expect(questions.scalars.prefix(16).map(Int.init) == dataset.tokenIDs(ofQuestion: 5).map(Int.init))
        #expect(Array(questions.scalars.prefix(dataset.questions[5].tokenIDs.count)).map(Int.init) == dataset.questions[5].tokenIDs)
        let answers = dataset.answerTensor(questions: [5, 79])
        #expect(answers.scalars == [Float(dataset.questions[5].answer.rawValue), Float(dataset.questions[79].answer.rawValue)])
        #expect(SortOfCLEVRDataset.imageIndex(ofQuestion: 79) == 3)
    }
}
