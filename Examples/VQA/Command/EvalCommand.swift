import ArgumentParser
import Foundation
import SortOfCLEVR
import VQAKit

/// `vqa eval`: accuracy of a checkpoint overall, by kind and by subtype.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Evaluate a checkpoint on a Sort-of-CLEVR test set.")

    @Option(help: "The checkpoint written by `vqa train`.") var checkpoint: String
    @Option(help: "Expect this model in the checkpoint (an error otherwise).") var model: String?
    @OptionGroup var data: DataOptions
    @Flag(help: "Print the accuracies as JSON.") var json = false

    func run() throws {
        let url = URL(fileURLWithPath: checkpoint)
        let (vqaModel, saved) = try VQACheckpoint.loadModel(from: url, expectedModel: model)
        let test = try data.loadTest()
        let table = evaluate(vqaModel, on: VQAData(test.dataset), types: .sortOfCLEVR)
        if json {
            print(table.json)
        } else {
            print("\(saved.configuration.model) after \(saved.history.epochs.count) epochs, on \(test.identity):\n")
            print(table.markdown)
        }
    }
}
