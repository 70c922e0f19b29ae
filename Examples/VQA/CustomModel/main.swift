import FusionKit
import SortOfCLEVR
import VQAKit

/// A VQA model of your own: the question attends over the image cells, and a gated multimodal
/// unit fuses what it saw with the question. (Docs/GettingStarted.md walks through it.)
final class GatedAttentionModel: Module, VQAModel {
    let configuration: VQAModelConfiguration
    let image: ImageEncoder, question: QuestionEncoder, cells: Linear
    let attention: CrossModalAttentionFusion, fusion: GatedMultimodalUnit, answer: Linear

    init(_ configuration: VQAModelConfiguration) {
        self.configuration = configuration
        var generator = RandomGenerator(seed: configuration.seed)
        let width = configuration.width
        image = ImageEncoder(layers: [(32, 2), (width, 2), (width, 2)], generator: &generator)
        question = QuestionEncoder(vocabularySize: configuration.vocabularySize, width: width, generator: &generator)
        cells = Linear(width + 2, width, generator: &generator)
        attention = CrossModalAttentionFusion(queryWidth: width, keyWidth: width, headCount: 4, generator: &generator)
        fusion = GatedMultimodalUnit(widths: [width, width], width: width, generator: &generator)
        answer = Linear(width, configuration.answerCount, generator: &generator)
        super.init()
    }

    func callAsFunction(images: Tensor, questions: Tensor) -> Tensor {
        let q = question(questions).final                                      // [B·20, width]
        let keys = cells(image.tokens(image(images))).relu()                   // [B, cells, width], once per image
        let looked = attention.attended(queries: q.reshaped([images.shape[0], -1, q.shape[1]]), keys: keys)
        return answer(fusion(looked.reshaped(q.shape), q))
    }
}

// Register it, so `VQACheckpoint.loadModel` can rebuild it from a checkpoint, then train briefly.
ModelCatalog.register(name: "gated-attention", summary: "question attention over cells, fused by a GMU") {
    GatedAttentionModel($0)
}
let (training, test) = SortOfCLEVRDataset.paperSplit(seed: 1, trainingImageCount: 1000)
let model = try ModelCatalog.makeModel(.sortOfCLEVR(model: "gated-attention"))
let trainer = Trainer(model: model, options: TrainingOptions(epochs: 2), dataIdentity: "seed 1, 1000 images")
try trainer.train(on: VQAData(training), test: VQAData(test), types: .sortOfCLEVR, checkpoint: nil) { record in
    print("epoch \(record.epoch): non-relational \(record.test.nonRelational), relational \(record.test.relational)")
}
print("\(model.parameterCount) parameters\n\(trainer.history.epochs.last!.test.markdown)")
