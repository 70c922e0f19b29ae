import Foundation
import FusionKit
import SortOfCLEVR
import VQAKit

/// A small generated data set as training arrays.
func smallData(seed: UInt64, images: Int) -> VQAData {
    VQAData(SortOfCLEVRDataset.generate(seed: seed, imageCount: images))
}

/// A narrow model of the catalogue, fast enough for debug-build tests.
func smallModel(_ name: String, seed: UInt64 = 3) throws -> any VQAModel {
    try ModelCatalog.makeModel(.sortOfCLEVR(model: name, width: 16, seed: seed))
}

/// A fresh empty folder under the temporary directory.
func temporaryFolder(_ name: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("vqa-tests-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// Every tensor of the model's state, flattened, in key order.
func stateValues(_ model: any VQAModel) -> [String: [Float]] {
    model.stateDict().mapValues(\.scalars)
}

/// Tests/Fixtures/datasets: the small data folders in each layout.
let datasetFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/datasets")

/// A ResNet-18 with its own initial weights from `seed`, standing in for pretrained ones, written to
/// `folder`/resnet18.safetensors; returns the file.
func randomResNet18Weights(in folder: URL, seed: UInt64) throws -> URL {
    let weights = folder.appendingPathComponent("resnet18.safetensors")
    var generator = RandomGenerator(seed: seed)
    try SafeTensors.write(ResNet(depth: 18, classCount: 10, generator: &generator).stateDict(), to: weights)
    return weights
}

/// The model's logits for every question of `images`, asked together in one batch, without gradient.
func answerLogits(_ model: any VQAModel, _ data: VQAData, images: [Int]) -> Tensor {
    withoutGradient { model(images: data.images(images), questions: data.questions(rows: data.questionRows(images))) }
}

/// A trainer of `model` that prints no progress.
func quietTrainer(_ model: any VQAModel, options: TrainingOptions, dataIdentity: String = "small") -> Trainer {
    let trainer = Trainer(model: model, options: options, dataIdentity: dataIdentity)
    trainer.showsProgress = false
    return trainer
}
