import ArgumentParser
import Foundation
import SortOfCLEVR
import VQAKit

/// `vqa eval`: accuracy of a checkpoint overall, by kind and by subtype (Sort-of-CLEVR), or by
/// question type or family (a data folder).
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Evaluate a checkpoint on Sort-of-CLEVR's test set or a data folder's evaluation split.")

    @Option(help: "The checkpoint written by `vqa train`.") var checkpoint: String
    @Option(help: "Expect this model in the checkpoint (an error otherwise).") var model: String?
    @OptionGroup var data: DataOptions
    @Flag(help: "Print the accuracies as JSON.") var json = false
    @Option(help: "The evaluation split's cached image features (for a model trained with --features).") var features: String?

    func run() throws {
        let url = URL(fileURLWithPath: checkpoint)
        let (vqaModel, saved) = try VQACheckpoint.loadModel(from: url, expectedModel: model)
        let table: AccuracyTable, identity: String
        if let settings = saved.configuration.data {
            guard data.data != nil, data.isLayoutFolder else {
                throw VQAError.invalidArgument("\(checkpoint) was trained on a \(settings.format.rawValue) folder: "
                                               + "pass that kind of folder with --data (and --eval-split)")
            }
            let folder = try data.loadFolder(saved: settings)
            if let imageFeatures = saved.configuration.imageFeatures {
                guard let features else {
                    throw VQAError.invalidArgument("\(checkpoint) was trained on cached \(imageFeatures.source) features: pass the "
                                                   + "evaluation split's with --features (from `vqa features`)")
                }
                let cached = try CachedFeatureDataset(questions: folder.evaluation, features: URL(fileURLWithPath: features))
                guard cached.settings == imageFeatures else {
                    throw VQAError.invalidArgument("\(features) holds \(cached.settings.source), the model was trained on \(imageFeatures.source)")
                }
                table = try evaluate(vqaModel, on: cached, types: folder.types, workers: data.loaderWorkers)
            } else {
                table = try evaluate(vqaModel, on: folder.evaluation, types: folder.types, workers: data.loaderWorkers)
            }
            identity = "split \(data.evalSplit) of \(folder.root.path) (\(folder.evaluation.questionCount) questions)"
        } else {
            guard !data.isLayoutFolder else {
                throw VQAError.invalidArgument("\(checkpoint) was trained on generated Sort-of-CLEVR; --data must be a folder from `vqa generate`")
            }
            let test = try data.loadTest()
            table = try evaluate(vqaModel, on: VQAData(test.dataset), types: .sortOfCLEVR)
            identity = test.identity
        }
        if json {
            print(table.json)
        } else {
            print("\(saved.configuration.model) after \(saved.history.epochs.count) epochs, on \(identity):\n")
            print(table.markdown)
        }
    }
}
