import ArgumentParser
import Foundation
import FusionKit
import FusionKitData
import FusionKitDistributed
import SortOfCLEVR
import VQAKit

/// `vqa train`: trains one model, with a progress bar, per-epoch accuracy, a checkpoint after
/// every epoch, `--resume` after an interruption, and a report folder. Under `mpirun` (or with
/// `--distributed`) every process runs this same command and they train data-parallel.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on Sort-of-CLEVR or a data folder and write its checkpoint and report.",
        discussion: "Models: " + ModelCatalog.entries.map { "\($0.name) (\($0.summary))" }.joined(separator: "; "))

    @Option(help: "The model: \(ModelCatalog.names.joined(separator: ", ")).") var model = "transformer"
    @OptionGroup var data: DataOptions
    @OptionGroup var training: TrainingArguments
    @OptionGroup var questionEncoder: QuestionEncoderArguments
    @Option(help: "The run folder: checkpoint.safetensors and the report go here (default runs/<model>).") var output: String?
    @Flag(help: "Continue the run in the output folder from its last checkpoint.") var resume = false
    @Flag(help: "No progress bar.") var quiet = false
    @Flag(help: "Train data-parallel over the processes of an MPI job (automatic under mpirun).") var distributed = false
    @Flag(help: "Sum all gradients after backward instead of overlapping the sums with backward.")
    var noOverlap = false
    @Option(help: "Also write the checkpoint every this many steps within an epoch (a killed run then loses at most that many).")
    var checkpointEvery: Int?
    @Option(help: "Train on the training split's cached image features (from `vqa features`) instead of its images.")
    var features: String?
    @Option(help: "The evaluation split's cached image features (with --features).") var evalFeatures: String?
    @Option(help: "Read the images through a pretrained encoder: resnet18 … resnet152, clip or vit (with --image-weights).")
    var imageEncoder: String?
    @Option(help: "The --image-encoder's weights: a torchvision state dict as safetensors, or a CLIP or ViT model folder.") var imageWeights: String?
    @Option(help: "The stage of the --image-encoder whose maps the model reads (1…4).") var imageStage = 4
    @Option(help: "How many of the --image-encoder's last stages train (0: frozen).") var trainedImageStages = 0

    func validate() throws {
        if let checkpointEvery, checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1") }
        guard (features == nil) == (evalFeatures == nil) else { throw ValidationError("--features and --eval-features go together") }
        if features != nil && !data.isLayoutFolder { throw ValidationError("--features needs --data, a folder in a standard layout") }
        guard (imageEncoder == nil) == (imageWeights == nil) else { throw ValidationError("--image-encoder and --image-weights go together") }
        if imageEncoder != nil && (!data.isLayoutFolder || features != nil) {
            throw ValidationError("--image-encoder needs --data, a folder in a standard layout, and no --features")
        }
    }

    func run() throws {
        guard distributed || ProcessGroup.isLaunchedByMPI else { return try train(group: .single) }
        let group = try ProcessGroup.world()
        // The cores of this machine are shared by its ranks.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        BLAS.threadCount = Swift.max(1, cores / Swift.max(group.localSize, 1))
        Parallel.threadCount = BLAS.threadCount
        do {
            try train(group: group)
        } catch {
            // One rank's failure ends every rank (mpirun reports it), never a hang.
            group.abort("vqa train: rank \(group.rank) of \(group.size) failed: \(error)")
        }
    }

    private func train(group: ProcessGroup) throws {
        let isReporter = group.rank == 0
        let folder = URL(fileURLWithPath: output ?? "runs/\(model)")
        let checkpoint = folder.appendingPathComponent("checkpoint.safetensors")
        if !resume, FileManager.default.fileExists(atPath: checkpoint.path) {
            throw VQAError.invalidArgument("\(checkpoint.path) exists: pass --resume to continue that run, or another --output")
        }
        let trainer: Trainer
        let run: (_ epochEnded: (EpochRecord) throws -> Void) throws -> Void
        let summary: String, identity: String, configuration: VQAModelConfiguration
        if data.isLayoutFolder {
            // A folder in a standard layout; on resume the checkpoint's vocabularies are reused.
            let saved = resume ? try VQACheckpoint.describe(checkpoint).configuration.data : nil
            // A pretrained backbone decides how images are prepared.
            let backbone = try imageEncoder.map { name in
                ImageBackboneSettings(features: try PretrainedImageBackbone(encoder: name, weights: URL(fileURLWithPath: imageWeights!),
                                                                            stage: imageStage, imageSize: data.imageSize).settings,
                                      trainedStages: trainedImageStages)
            }
            let folderData = try data.loadFolder(saved: saved, preprocessing: backbone?.features.preprocessing)
            var settings = folderData.configuration(model: model, width: training.width, seed: training.initSeed)
            settings.questionEncoder = try questionEncoder.settings()
            settings.imageBackbone = backbone
            let cached = try features.map { file in
                try folderData.withFeatures(training: URL(fileURLWithPath: file), evaluation: URL(fileURLWithPath: evalFeatures!))
            }
            settings.imageFeatures = cached?.training.settings
            configuration = settings
            identity = folderData.identity + (cached.map { " features=\($0.training.file.standardizedFileURL.path)" } ?? "")
            trainer = Trainer(model: try ModelCatalog.makeModel(configuration), options: training.options,
                              dataIdentity: identity, group: group)
            let seen = cached.map { $0.training.settings.source + " features" }
                ?? backbone.map { "\(folderData.imageSide)×\(folderData.imageSide) through \($0.features.source), "
                                  + ($0.trainedStages == 0 ? "frozen" : "its last \($0.trainedStages) stage(s) trained") }
                ?? "\(folderData.imageSide)×\(folderData.imageSide)"
            summary = "\(folderData.training.count) training images (\(folderData.training.questionCount) questions), "
                + "\(folderData.evaluation.count) evaluation images (\(folderData.evaluation.questionCount) questions) as "
                + "\(seen); \(configuration.vocabularySize) words, \(configuration.answerCount) answers"
            run = { ended in
                let timeLimit = training.minutes.map { $0 * 60 }
                if let cached {
                    try trainer.train(on: cached.training, test: cached.evaluation, types: folderData.types,
                                      checkpoint: checkpoint, timeLimit: timeLimit, epochEnded: ended)
                } else {
                    try trainer.train(on: folderData.training, test: folderData.evaluation, types: folderData.types,
                                      checkpoint: checkpoint, timeLimit: timeLimit, epochEnded: ended)
                }
            }
        } else {
            var settings = VQAModelConfiguration.sortOfCLEVR(model: model, width: training.width, seed: training.initSeed)
            settings.questionEncoder = try questionEncoder.settings()
            configuration = settings
            let (trainingSet, testSet, sortOfCLEVRIdentity) = try data.load()
            identity = sortOfCLEVRIdentity
            trainer = Trainer(model: try ModelCatalog.makeModel(configuration), options: training.options,
                              dataIdentity: identity, group: group)
            summary = "\(trainingSet.imageCount) training images × 20 questions, \(testSet.imageCount) test images"
            run = { ended in
                try trainer.train(on: VQAData(trainingSet), test: VQAData(testSet), types: .sortOfCLEVR, checkpoint: checkpoint,
                                  timeLimit: training.minutes.map { $0 * 60 }, epochEnded: ended)
            }
        }
        let vqaModel = trainer.model
        if isReporter { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        trainer.showsProgress = !quiet
        trainer.overlapsCommunication = !noOverlap
        trainer.loaderWorkers = data.loaderWorkers
        trainer.checkpointInterval = checkpointEvery
        if resume {
            try trainer.resume(from: checkpoint)
            let position = trainer.nextPosition
            if isReporter {
                print("resuming \(model) at epoch \(position.epoch + 1) of \(training.epochs), batch \(position.step) of it, from \(checkpoint.path)")
            }
        }
        if isReporter {
            let ranks = group.size > 1 ? "; \(group.size) ranks sharing each batch of \(training.batchSize) images" : ""
            print("\(model): \(vqaModel.parameterCount) parameters; \(summary); BLAS \(BLAS.kernelName), \(BLAS.threadCount) threads\(ranks)")
        }
        let report = RunReport(directory: folder)
        let settings = ["model": configuration.json, "data": identity, "options": String(describing: training.options)]
        try run { record in
            print(epochLine(record, of: training.epochs))
            try report.write(commandLine: CommandLine.arguments, settings: settings, history: trainer.history)
        }
        if group.size > 1 {
            print("rank \(group.rank) of \(group.size): loaded \(trainer.imagesLoaded) training images")
        }
        if isReporter, let last = trainer.history.epochs.last {
            print("\n\(last.test.markdown)\n")
            print(String(format: "trained %d epochs in %.0f s; checkpoint %@; report %@", trainer.completedEpochs,
                         trainer.history.trainingSeconds, checkpoint.path, folder.path))
            let waited = trainer.history.epochs.reduce(0) { $0 + ($1.loaderWaitSeconds ?? 0) }
            print(String(format: "waited %.2f s for images over %d steps; peak memory %.0f MB", waited, trainer.stepsTrained,
                         Double(peakResidentBytes()) / 1_048_576))
            if group.size > 1 {
                print(String(format: "%d ranks: %.1f ms per step summing gradients across ranks (rank 0, %d steps)",
                             group.size, trainer.communicationSeconds / Double(Swift.max(trainer.stepsTrained, 1)) * 1000,
                             trainer.stepsTrained))
            }
        }
    }
}

/// One line per epoch: loss, accuracies, speed and the time spent waiting for images.
func epochLine(_ record: EpochRecord, of epochs: Int) -> String {
    let test = record.test.hasKinds
        ? String(format: "test non-relational %.2f%%  relational %.2f%%", record.test.nonRelational * 100, record.test.relational * 100)
        : String(format: "test %.2f%%", record.test.overall * 100)
    return String(format: "epoch %d/%d  loss %.4f  train %.1f%%  %@  (%.0f questions/s, %.0f s, %.1f s waiting for images)",
                  record.epoch, epochs, record.trainingLoss, record.trainingAccuracy * 100, test,
                  record.questionsPerSecond, record.seconds, record.loaderWaitSeconds ?? 0)
}

/// The training options shared by `train` and `compare`.
struct TrainingArguments: ParsableArguments {
    @Option(help: "Epochs over the training images.") var epochs = 12
    @Option(help: "Images per step (each with its 20 questions).") var batchSize = 8
    @Option(help: "AdamW's peak learning rate.") var learningRate: Float = 1e-3
    @Option(help: "AdamW's weight decay.") var weightDecay: Float = 1e-4
    @Option(help: "Steps of linear learning-rate warmup.") var warmupSteps = 200
    @Option(help: "The models' hidden width.") var width = 64
    @Option(help: "Seed of the initial weights and of the image order.") var initSeed: UInt64 = 1
    @Option(help: "Stop before an epoch that would end after this many minutes of training.") var minutes: Double?
    @Flag(help: "Augment training images: colour jitter (brightness, contrast, saturation ±20%) and shifts of up to 3 pixels; never flips, which would change left/right answers.")
    var augment = false

    func validate() throws {
        guard epochs > 0, batchSize > 0, learningRate > 0, weightDecay >= 0, warmupSteps >= 0 else {
            throw ValidationError("epochs, batch size and learning rate must be positive")
        }
        guard width >= 8, width % 4 == 0 else { throw ValidationError("--width must be a multiple of 4, at least 8") }
        if let minutes, minutes <= 0 { throw ValidationError("--minutes must be positive") }
    }

    @Option(help: "AdamW's peak learning rate for the trained layers of a pretrained question encoder (default: --learning-rate).")
    var questionLearningRate: Float?

    var options: TrainingOptions {
        TrainingOptions(epochs: epochs, batchSize: batchSize, learningRate: learningRate, weightDecay: weightDecay,
                        warmupSteps: warmupSteps, shuffleSeed: initSeed, questionEncoderLearningRate: questionLearningRate,
                        augmentation: augment ? ImageAugmentation(brightness: 0.2, contrast: 0.2, saturation: 0.2, maxShift: 3) : nil)
    }
}

/// Which encoder reads the questions: the models' own GRU, or a pretrained BERT folder.
struct QuestionEncoderArguments: ParsableArguments {
    @Option(help: "The question encoder: gru (trained from scratch) or bert (a pretrained Hugging Face folder, --question-weights).")
    var questionEncoder = "gru"
    @Option(help: "The BERT model folder (config.json, model.safetensors, vocab.txt), e.g. .models/all-MiniLM-L6-v2 after `make minilm`.")
    var questionWeights: String?
    @Option(help: "How many of BERT's top layers train (0: BERT frozen, its question vectors computed once).")
    var trainedQuestionLayers = 0

    func validate() throws {
        guard ["gru", "bert"].contains(questionEncoder) else {
            throw ValidationError("--question-encoder must be gru or bert, got \(questionEncoder)")
        }
        if questionEncoder == "bert" && questionWeights == nil {
            throw ValidationError("--question-encoder bert needs --question-weights DIR (a BERT model folder)")
        }
        if questionEncoder == "gru" && questionWeights != nil {
            throw ValidationError("--question-weights goes with --question-encoder bert")
        }
        guard trainedQuestionLayers >= 0 else { throw ValidationError("--trained-question-layers must be 0 or more") }
    }

    /// The settings stored in the model configuration; nil for the GRU.
    func settings() throws -> PretrainedQuestionSettings? {
        guard questionEncoder == "bert", let questionWeights else { return nil }
        return PretrainedQuestionSettings(folder: URL(fileURLWithPath: questionWeights).standardizedFileURL.path,
                                          trainedLayers: trainedQuestionLayers)
    }
}

/// The largest resident set this process has had, in bytes (Linux reports kilobytes).
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}
