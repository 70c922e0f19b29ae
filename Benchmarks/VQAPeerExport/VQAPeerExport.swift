import ArgumentParser
import Foundation
import FusionKit
import VQAKit

/// Writes what the PyTorch peers of the VQA models (Benchmarks/peer/vqa_models.py) need to show
/// they compute the same functions (Benchmarks/peer/vqa_parity.py), and the initial weights the
/// peer benchmarks start from (see `PeerBenchmark`).
///
/// For every model, DIR/<model>.weights.safetensors (the initial state dict) and, unless
/// `--weights-only`, DIR/<model>.safetensors with one training step on the first `--images`
/// images in training mode: `state.<key>` the state dict before the step; `input.images`,
/// `input.questions`, `input.answers`; `output.logits`, `output.loss` [1] (cross-entropy);
/// `grad.<key>` every parameter's gradient; `after.<key>` the buffers after the forward pass;
/// `step.<key>` the parameters after clipping to norm 5 and one AdamW step (lr 1e-3, weight
/// decay 1e-4); `output.gradient_norm`; `output.eval_logits` the same batch in evaluation mode
/// after that step. Also DIR/vqa-batch.safetensors, the benchmark batch.
@main
struct VQAPeerExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vqa-peer-export",
        abstract: "Write VQA models' weights, a batch, logits and gradients for the PyTorch peers.")

    @Argument(help: "The folder to write into.") var directory: String
    @Flag(help: "Only the batch and the initial weights.") var weightsOnly = false
    @Option(help: "Images of the parity step.") var images = 4
    @Option(help: "Images in vqa-batch.safetensors.") var batchImages = 256
    @Option(help: "Comma-separated models (default: all).") var models: String?

    func validate() throws {
        guard images > 0, batchImages > 0 else { throw ValidationError("--images and --batch-images must be positive") }
        for name in modelNames where !ModelCatalog.names.contains(name) {
            throw ValidationError("unknown model \(name) (known: \(ModelCatalog.names.joined(separator: ", ")))")
        }
    }

    var modelNames: [String] { models.map { $0.split(separator: ",").map(String.init) } ?? ModelCatalog.names }

    func run() throws {
        let folder = URL(fileURLWithPath: directory)
        let data = PeerBenchmark.batch(imageCount: Swift.max(images, batchImages))
        try PeerBenchmark.writePeerFiles(to: folder, batch: data.prefix(batchImages), models: modelNames)
        if weightsOnly { return print("wrote the batch and the weights of \(modelNames.joined(separator: ", "))") }
        let chosen = Array(0..<images), rows = data.questionRows(chosen)
        let inputImages = data.images(chosen), questions = data.questions(rows: rows), answers = data.answers(rows: rows)
        for name in modelNames {
            let model = try PeerBenchmark.initialModel(name, batch: data)
            var tensors = prefixed("state", model.stateDict())
            tensors["input.images"] = inputImages
            tensors["input.questions"] = questions
            tensors["input.answers"] = answers
            model.zeroGradients()
            let logits = model(images: inputImages, questions: questions)
            let loss = crossEntropyLoss(logits: logits, targets: answers)
            loss.backward()
            tensors["output.logits"] = logits.detached()
            tensors["output.loss"] = Tensor([loss.scalar])
            for (key, parameter) in model.namedParameters() {
                tensors["grad.\(key)"] = parameter.gradient ?? Tensor.zeros(parameter.shape)
            }
            for (key, buffer) in model.namedBuffers() { tensors["after.\(key)"] = buffer.value }
            let parameters = model.trainableParameters()
            let optimizer = AdamW(parameters, learningRate: 1e-3, weightDecay: 1e-4)
            let norm = clipGradientNorm(parameters, maxNorm: 5)
            optimizer.step()
            for (key, parameter) in model.namedParameters() { tensors["step.\(key)"] = parameter.value.detached() }
            tensors["output.gradient_norm"] = Tensor([norm])
            model.eval()
            tensors["output.eval_logits"] = withoutGradient { model(images: inputImages, questions: questions) }
            try SafeTensors.write(tensors, metadata: ["model": name, "configuration": model.configuration.json],
                                  to: folder.appendingPathComponent("\(name).safetensors"))
            print("\(name): loss \(loss.scalar), gradient norm \(norm)")
        }
    }

    private func prefixed(_ prefix: String, _ tensors: [String: Tensor]) -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: tensors.map { ("\(prefix).\($0.key)", $0.value) })
    }
}
