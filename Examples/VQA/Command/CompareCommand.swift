import ArgumentParser
import Foundation
import FusionKit
import SortOfCLEVR
import VQAKit

/// `vqa compare`: trains several models under one budget and tabulates them.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Train several models under the same epoch or time budget and print a markdown table.")

    @Option(help: "Comma-separated model names.") var models = ModelCatalog.names.joined(separator: ",")
    @OptionGroup var data: DataOptions
    @OptionGroup var training: TrainingArguments
    @Option(help: "Folder for each model's run and the table (compare.md).") var output = "runs/compare"
    @Flag(help: "No progress bars.") var quiet = false

    func run() throws {
        let names = models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for name in names where !ModelCatalog.names.contains(name) {
            throw VQAError.unknownModel(name, known: ModelCatalog.names)
        }
        let (trainingSet, testSet, identity) = try data.load()
        let (trainingData, testData) = (VQAData(trainingSet), VQAData(testSet))
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let budget = training.minutes.map { String(format: "%.1f minutes", $0) + " (at most \(training.epochs) epochs)" }
            ?? "\(training.epochs) epochs"
        var rows: [String] = []
        for name in names {
            let configuration = VQAModelConfiguration.sortOfCLEVR(model: name, width: training.width, seed: training.initSeed)
            let model = try ModelCatalog.makeModel(configuration)
            let trainer = Trainer(model: model, options: training.options, dataIdentity: identity)
            trainer.showsProgress = !quiet
            print("\n== \(name): \(model.parameterCount) parameters")
            let start = Date()
            let runFolder = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: runFolder, withIntermediateDirectories: true)
            try trainer.train(on: trainingData, test: testData, types: .sortOfCLEVR,
                              checkpoint: runFolder.appendingPathComponent("checkpoint.safetensors"),
                              timeLimit: training.minutes.map { $0 * 60 }) { record in
                print(epochLine(record, of: training.epochs))
            }
            try RunReport(directory: runFolder).write(commandLine: CommandLine.arguments, settings: ["model": configuration.json, "data": identity],
                                                      history: trainer.history)
            let wall = Date().timeIntervalSince(start)
            guard let last = trainer.history.epochs.last else { continue }
            let rate = trainer.history.epochs.reduce(0) { $0 + $1.questionsPerSecond } / Double(trainer.history.epochs.count)
            rows.append(String(format: "| %@ | %d | %.0f | %.2f%% | %.2f%% | %d | %.0f s |", name, model.parameterCount, rate,
                               last.test.relational * 100, last.test.nonRelational * 100, trainer.completedEpochs, wall))
        }
        let table = (["Budget: \(budget), batch \(training.batchSize) images × 20 questions, \(identity), "
                      + "BLAS \(BLAS.kernelName) with \(BLAS.threadCount) threads.", "",
                      "| model | parameters | questions/s | relational | non-relational | epochs | wall time |",
                      "|---|---:|---:|---:|---:|---:|---:|"] + rows).joined(separator: "\n")
        print("\n" + table)
        try Data((table + "\n").utf8).write(to: folder.appendingPathComponent("compare.md"), options: .atomic)
        print("\ntable written to \(folder.appendingPathComponent("compare.md").path)")
    }
}
