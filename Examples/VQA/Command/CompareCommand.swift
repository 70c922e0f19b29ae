import ArgumentParser
import Foundation
import FusionKit
import SortOfCLEVR
import VQAKit

/// `vqa compare`: trains several models under one budget on the same data and tabulates them.
/// The data is whatever `train` reads: generated Sort-of-CLEVR, a folder from `vqa generate`, or a
/// folder in a standard layout (CLEVR, VQA v2, JSON lines), loaded once for every model.
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
        let source = try ComparedData(data)
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let budget = training.minutes.map { String(format: "%.1f minutes", $0) + " (at most \(training.epochs) epochs)" }
            ?? "\(training.epochs) epochs"
        var rows: [String] = []
        for name in names {
            let configuration = source.configuration(model: name, width: training.width, seed: training.initSeed)
            let model = try ModelCatalog.makeModel(configuration)
            let trainer = Trainer(model: model, options: training.options, dataIdentity: source.identity)
            trainer.showsProgress = !quiet
            trainer.loaderWorkers = data.loaderWorkers
            print("\n== \(name): \(model.parameterCount) parameters")
            let start = Date()
            let runFolder = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: runFolder, withIntermediateDirectories: true)
            try source.train(trainer, checkpoint: runFolder.appendingPathComponent("checkpoint.safetensors"),
                             timeLimit: training.minutes.map { $0 * 60 }) { record in
                print(epochLine(record, of: training.epochs))
            }
            try RunReport(directory: runFolder).write(commandLine: CommandLine.arguments,
                                                      settings: ["model": configuration.json, "data": source.identity],
                                                      history: trainer.history)
            let wall = Date().timeIntervalSince(start)
            guard let last = trainer.history.epochs.last else { continue }
            let rate = trainer.history.epochs.reduce(0) { $0 + $1.questionsPerSecond } / Double(trainer.history.epochs.count)
            let accuracy = last.test.hasKinds
                ? String(format: "%.2f%% | %.2f%%", last.test.relational * 100, last.test.nonRelational * 100)
                : String(format: "%.2f%% | –", last.test.overall * 100)
            rows.append(String(format: "| %@ | %d | %.0f | %@ | %d | %.0f s |", name, model.parameterCount, rate,
                               accuracy, trainer.completedEpochs, wall))
        }
        let table = (["Budget: \(budget), batch \(training.batchSize) images × their questions, \(source.identity), "
                      + "BLAS \(BLAS.kernelName) with \(BLAS.threadCount) threads.", "",
                      "| model | parameters | questions/s | relational (or all) | non-relational | epochs | wall time |",
                      "|---|---:|---:|---:|---:|---:|---:|"] + rows).joined(separator: "\n")
        print("\n" + table)
        try Data((table + "\n").utf8).write(to: folder.appendingPathComponent("compare.md"), options: .atomic)
        print("\ntable written to \(folder.appendingPathComponent("compare.md").path)")
    }
}

/// The data every compared model trains on, loaded once: generated Sort-of-CLEVR (or a folder
/// from `vqa generate`), or a folder in a standard layout with its own vocabularies and families.
private enum ComparedData {
    case sortOfCLEVR(training: VQAData, test: VQAData, identity: String)
    case folder(FolderData)

    init(_ options: DataOptions) throws {
        if options.isLayoutFolder {
            self = .folder(try options.loadFolder())
        } else {
            let (training, test, identity) = try options.load()
            self = .sortOfCLEVR(training: VQAData(training), test: VQAData(test), identity: identity)
        }
    }

    var identity: String {
        switch self {
        case .sortOfCLEVR(_, _, let identity): identity
        case .folder(let folder): folder.identity
        }
    }

    func configuration(model: String, width: Int, seed: UInt64) -> VQAModelConfiguration {
        switch self {
        case .sortOfCLEVR: VQAModelConfiguration.sortOfCLEVR(model: model, width: width, seed: seed)
        case .folder(let folder): folder.configuration(model: model, width: width, seed: seed)
        }
    }

    func train(_ trainer: Trainer, checkpoint: URL, timeLimit: Double?, epochEnded: (EpochRecord) throws -> Void) throws {
        switch self {
        case .sortOfCLEVR(let training, let test, _):
            try trainer.train(on: training, test: test, types: .sortOfCLEVR, checkpoint: checkpoint, timeLimit: timeLimit,
                              epochEnded: epochEnded)
        case .folder(let folder):
            try trainer.train(on: folder.training, test: folder.evaluation, types: folder.types, checkpoint: checkpoint,
                              timeLimit: timeLimit, epochEnded: epochEnded)
        }
    }
}
