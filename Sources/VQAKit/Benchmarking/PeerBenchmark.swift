import Foundation
import FusionKit
import SortOfCLEVR

/// The fixed inputs of the whole-model benchmarks against PyTorch (`make bench`) and of the
/// parity check of the PyTorch peers (Benchmarks/peer/vqa_models.py): one batch of Sort-of-CLEVR
/// and, for every model, the initial weights both sides start from.
///
/// - The batch: the first images of `SortOfCLEVRDataset.generate(seed: 7, …)` (scenes are drawn
///   one by one, so the first N images do not depend on how many are generated).
/// - A model: width 64, seed 1, then `prepare(forTrainingOn:)` on the batch's first 4 images.
public enum PeerBenchmark {
    public static let datasetSeed: UInt64 = 7
    public static let width = 64
    public static let weightSeed: UInt64 = 1
    public static let preparationImageCount = 4

    /// The benchmark batch: `imageCount` images with all their questions.
    public static func batch(imageCount: Int) -> VQAData {
        VQAData(SortOfCLEVRDataset.generate(seed: datasetSeed, imageCount: imageCount))
    }

    /// The model `name` with the benchmark's initial weights, prepared on `batch`'s first images.
    public static func initialModel(_ name: String, batch: VQAData) throws -> any VQAModel {
        let model = try ModelCatalog.makeModel(.sortOfCLEVR(model: name, width: width, seed: weightSeed))
        model.train()
        model.prepare(forTrainingOn: batch.images(Array(0..<Swift.min(preparationImageCount, batch.imageCount))))
        return model
    }

    /// Writes what the PyTorch side reads: `vqa-batch.safetensors` (`images` [N, 3, 75, 75] in
    /// [0, 1], `questions` [N·20, 16] token ids as floats, 0 = padding, `answers` [N·20]),
    /// `<model>.weights.safetensors` (the initial state dict under PyTorch-style keys) for each
    /// of `models`, and `<model>.logits.safetensors`: the model's evaluation-mode logits for the
    /// first image (`logits1`) and for the whole batch (`logits<N>`), which the ONNX Runtime peer
    /// checks its exports against before timing them.
    public static func writePeerFiles(to directory: URL, batch: VQAData, models: [String]) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let images = Array(0..<batch.imageCount), rows = batch.questionRows(images)
        try SafeTensors.write(["images": batch.images(images), "questions": batch.questions(rows: rows),
                               "answers": batch.answers(rows: rows)],
                              metadata: ["dataset_seed": String(datasetSeed), "images": String(batch.imageCount)],
                              to: directory.appendingPathComponent("vqa-batch.safetensors"))
        for name in models {
            let model = try initialModel(name, batch: batch)
            try SafeTensors.write(model.stateDict(),
                                  metadata: ["model": name, "configuration": model.configuration.json,
                                             "images": String(preparationImageCount), "dataset_seed": String(datasetSeed)],
                                  to: directory.appendingPathComponent("\(name).weights.safetensors"))
            model.eval()
            var logits: [String: Tensor] = [:]
            for count in Set([1, batch.imageCount]) {
                let chosen = Array(0..<count)
                logits["logits\(count)"] = withoutGradient {
                    model(images: batch.images(chosen), questions: batch.questions(rows: batch.questionRows(chosen)))
                }
            }
            try SafeTensors.write(logits, metadata: ["model": name], to: directory.appendingPathComponent("\(name).logits.safetensors"))
        }
    }
}
