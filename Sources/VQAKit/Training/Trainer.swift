import Foundation
import FusionKit
import FusionKitData
import FusionKitDistributed

/// Trains a VQA model epoch by epoch: AdamW with warmup and cosine decay, gradient clipping, a
/// progress bar, evaluation after every epoch, and an atomic checkpoint after every epoch from
/// which `resume` continues to exactly the numbers of an uninterrupted run (the image order of
/// every epoch is recomputed from the seed; the model has no other randomness while training).
///
/// With a `ProcessGroup` of several processes (under `mpirun`) it trains data-parallel: each
/// rank takes its share of every batch of `options.batchSize` images, gradients are summed
/// across ranks (`DistributedDataParallel`, batch norm synchronised), so N ranks compute what
/// one process computes; evaluation is shared out too, and only rank 0 writes checkpoints and
/// calls `epochEnded`. Every rank can resume from the same checkpoint.
public final class Trainer {
    public let model: any VQAModel
    public let options: TrainingOptions
    public let optimizer: Optimizer
    /// Names the training data (seed and sizes, or a file), checked on resume.
    public let dataIdentity: String
    public private(set) var history = TrainingHistory()
    /// Draw a progress bar on standard error (rank 0 only).
    public var showsProgress = true
    /// The processes training together (`.single`: this one alone).
    public let group: ProcessGroup
    /// Start summing a bucket of gradients across ranks while backward goes on.
    public var overlapsCommunication = true
    /// Seconds the last `train` call spent summing gradients across ranks (0 for one process).
    public private(set) var communicationSeconds = 0.0
    /// The training steps of the last `train` call.
    public private(set) var stepsTrained = 0
    /// Images this rank loaded for training steps in the last `train` call (under data-parallel
    /// training, its share only).
    public private(set) var imagesLoaded = 0
    /// The steps of the last `train` call whose batch was not ready (waited at least a
    /// millisecond), with the wait in seconds.
    public private(set) var loaderLongWaits: [(position: LoaderPosition, seconds: Double)] = []
    /// Threads loading the next batches while a step trains (0: loaded between steps).
    public var loaderWorkers = 1
    /// Batches loaded ahead of the one training.
    public var loaderPrefetch = 8
    /// Also checkpoint every this many steps within an epoch (nil: only after each epoch).
    public var checkpointInterval: Int?
    /// Called after every step with the position of the next batch (a place to stop a run early).
    public var stepEnded: (LoaderPosition) throws -> Void = { _ in }
    /// The partly trained epoch a mid-epoch checkpoint held, continued by the next `train`.
    private var resumedProgress: EpochProgress?

    public init(model: any VQAModel, options: TrainingOptions, dataIdentity: String, group: ProcessGroup = .single) {
        self.model = model
        self.options = options
        self.dataIdentity = dataIdentity
        self.group = group
        // A pretrained question encoder's trained layers form a group of their own, whose learning
        // rate follows the schedule scaled by questionEncoderLearningRate / learningRate.
        let pretrained = (model.namedChildren().compactMap { $0.1 as? PretrainedQuestionEncoder }.first?
            .pretrainedTrainableParameters ?? [])
        let identities = Set(pretrained.map(ObjectIdentifier.init))
        let rest = model.trainableParameters().filter { !identities.contains(ObjectIdentifier($0)) }
        var groups = [ParameterGroup(rest, learningRate: options.learningRate, weightDecay: options.weightDecay)]
        groupScales = [1]
        if !pretrained.isEmpty {
            let rate = options.questionEncoderLearningRate ?? options.learningRate
            groups.append(ParameterGroup(pretrained, learningRate: rate, weightDecay: options.weightDecay))
            groupScales.append(rate / options.learningRate)
        }
        optimizer = AdamW(groups: groups)
    }

    /// Each optimizer group's learning rate relative to `options.learningRate`.
    private var groupScales: [Float] = []

    /// The epochs finished so far.
    public var completedEpochs: Int { history.epochs.count }

    /// Continues from a checkpoint written by this trainer for the same model, options and data.
    public func resume(from url: URL) throws {
        let saved = try VQACheckpoint.describe(url)
        if saved.configuration.model != model.configuration.model {
            throw VQAError.modelMismatch(path: url.path, expected: model.configuration.model, found: saved.configuration.model)
        }
        if saved.configuration != model.configuration {
            throw VQAError.settingsMismatch(path: url.path, reason: "the model was built with \(saved.configuration.json)")
        }
        if saved.options != options {
            throw VQAError.settingsMismatch(path: url.path, reason: "it was trained with other options (\(saved.options))")
        }
        if saved.dataIdentity != dataIdentity {
            throw VQAError.settingsMismatch(path: url.path, reason: "it was trained on \(saved.dataIdentity), not \(dataIdentity)")
        }
        try VQACheckpoint.restore(model: model, optimizer: optimizer, from: url)
        history = saved.history
        resumedProgress = saved.progress
    }

    /// The position the next `train` call starts from.
    public var nextPosition: LoaderPosition { resumedProgress?.position ?? LoaderPosition(epoch: completedEpochs, step: 0) }

    /// Writes the model, optimizer and history to `url` atomically (in a data-parallel job only
    /// rank 0 should).
    public func saveCheckpoint(to url: URL) throws {
        try saveCheckpoint(to: url, progress: nil)
    }

    private func saveCheckpoint(to url: URL, progress: EpochProgress?) throws {
        try VQACheckpoint(configuration: model.configuration, options: options, dataIdentity: dataIdentity, history: history,
                          progress: progress)
            .save(model: model, optimizer: optimizer, to: url)
    }

    /// Trains the remaining epochs. After each one: evaluates on `test`, saves `checkpoint` (when
    /// given) and calls `epochEnded`; with `checkpointInterval`, also saves every that many steps
    /// within an epoch, so a killed run loses at most that many steps. `timeLimit` (seconds of
    /// training) stops early, before an epoch that would end past it (judged by the length of the
    /// last epoch). In a data-parallel job every rank calls it, each loading only its share of
    /// every batch; only rank 0 saves and calls `epochEnded`.
    public func train<Training: Dataset, Test: Dataset>(
        on data: Training, test: Test, types: QuestionTypes, checkpoint: URL?, timeLimit: Double? = nil,
        epochEnded: (EpochRecord) throws -> Void = { _ in }
    ) throws where Training.Example == VQAImageExample, Test.Example == VQAImageExample {
        let sampler = try BatchSampler(count: data.count, globalBatchSize: options.batchSize,
                                       rank: group.rank, worldSize: group.size, seed: options.shuffleSeed)
        let answerCount = model.configuration.answerCount
        let options = options
        let loader = try DataLoader(data, sampler: sampler, workers: loaderWorkers, prefetch: loaderPrefetch) { examples, context in
            guard let augmentation = options.augmentation else { return VQABatch(collating: examples, answerCount: answerCount) }
            var changed = examples
            for (slot, index) in context.indices.enumerated() {
                changed[slot].image = augmentation(examples[slot].image, seed: options.augmentationSeed(epoch: context.epoch, index: index))
            }
            return VQABatch(collating: changed, answerCount: answerCount)
        }
        let parallel = try DistributedDataParallel(model, group: group, overlapsCommunication: overlapsCommunication)
        imagesLoaded = 0
        loaderLongWaits = []
        let stepsPerEpoch = sampler.stepsPerEpoch
        let totalSteps = stepsPerEpoch * options.epochs
        let parameters = model.trainableParameters()
        let isReporter = group.rank == 0
        // The next epoch's batches, started before this epoch's evaluation so that its first
        // images are loaded while the test set is scored.
        var nextEpoch: EpochBatches<VQABatch>?
        while completedEpochs < options.epochs {
            // Stop when another epoch as long as the last one would pass the time limit (the
            // history is the same on every rank, so they all stop together).
            if let timeLimit, history.trainingSeconds + (history.epochs.last?.seconds ?? 0) > timeLimit { break }
            let epoch = completedEpochs
            model.train()
            var progress = resumedProgress.flatMap { $0.epoch == epoch ? $0 : nil } ?? EpochProgress(epoch: epoch)
            resumedProgress = nil
            let batches = nextEpoch.flatMap { $0.position == progress.position ? $0 : nil } ?? loader.batches(from: progress.position)
            nextEpoch = nil
            var bar = ProgressBar(total: data.count, label: "epoch \(epoch + 1)/\(options.epochs)", unit: "images")
            var stepStart = Date()
            if epoch == 0 && progress.step == 0 {
                // A data-dependent initialisation sees the whole global batch on every rank; it
                // loads it here while the loader's threads load the first step's share.
                if model.needsPreparation {
                    let global = sampler.globalBatch(step: 0, of: sampler.order(epoch: 0))
                    let examples = try global.map { try data.example(at: $0) }
                    model.prepare(forTrainingOn: VQABatch(collating: examples, answerCount: answerCount).images)
                }
                try parallel.broadcastState()
            }
            let waitBefore = progress.loaderWaitSeconds
            while let batch = try batches.next() {
                let step = progress.step
                imagesLoaded += batch.images.shape[0]
                let globalCount = Swift.min(options.batchSize, data.count - step * options.batchSize)
                let rate = options.learningRate(atStep: epoch * stepsPerEpoch + step, totalSteps: totalSteps)
                for index in optimizer.groups.indices { optimizer.groups[index].learningRate = rate * groupScales[index] }
                optimizer.zeroGradients()
                let logits = model(images: batch.images, questions: batch.questions)
                let answerLoss = batch.loss(logits)
                let loss = model.auxiliaryLoss.map { answerLoss + $0 } ?? answerLoss
                try parallel.backward(loss, share: Float(batch.images.shape[0]) / Float(globalCount))
                _ = clipGradientNorm(parameters, maxNorm: options.maximumGradientNorm)
                optimizer.step()

                let predictions = logits.detached().argmax(alongAxis: 1).scalars
                var score = 0.0
                for (row, question) in batch.rows.enumerated() {
                    if let question { score += question.score(ofPredicting: Int(predictions[row])) }
                }
                let questions = Double(batch.questionCount)
                // This step over the global batch: summed loss, summed scores, questions.
                let totals = try group.allReduce([Double(loss.scalar) * questions, score, questions])
                progress.lossSum += totals[0]
                progress.correct += totals[1]
                progress.seen += totals[2]
                progress.curveSum += totals[0] / Swift.max(totals[2], 1)
                progress.curveSteps += 1
                if (step + 1) * 10 / stepsPerEpoch > progress.curve.count || step == stepsPerEpoch - 1 {
                    progress.curve.append(progress.curveSum / Double(progress.curveSteps))
                    progress.curveSum = 0
                    progress.curveSteps = 0
                }
                progress.step += 1
                let now = Date()
                progress.seconds += now.timeIntervalSince(stepStart)
                stepStart = now
                progress.loaderWaitSeconds = waitBefore + batches.waitingSeconds
                if showsProgress && isReporter {
                    bar.update(done: Swift.min(progress.step * options.batchSize, data.count), loss: Float(progress.lossSum / Swift.max(progress.seen, 1)))
                }
                if let checkpoint, let interval = checkpointInterval, progress.step % interval == 0, progress.step < stepsPerEpoch {
                    if isReporter { try saveCheckpoint(to: checkpoint, progress: progress) }
                }
                try stepEnded(progress.position)
            }
            loaderLongWaits += batches.longWaits.map { (LoaderPosition(epoch: epoch, step: $0.step), $0.seconds) }
            // The slowest rank's time, so every rank keeps the same history.
            let seconds = try group.allReduce([progress.seconds], maximum: true)[0]
            if epoch + 1 < options.epochs { nextEpoch = loader.batches(epoch: epoch + 1) }
            let table = try evaluateShared(on: test, types: types)
            let record = EpochRecord(epoch: epoch + 1, trainingLoss: progress.lossSum / progress.seen,
                                     trainingAccuracy: progress.correct / progress.seen, test: table, seconds: seconds,
                                     questionsPerSecond: progress.seen / seconds, lossCurve: progress.curve,
                                     loaderWaitSeconds: progress.loaderWaitSeconds)
            history.epochs.append(record)
            communicationSeconds = parallel.communicationSeconds
            stepsTrained += stepsPerEpoch
            if isReporter {
                if let checkpoint { try saveCheckpoint(to: checkpoint) }
                try epochEnded(record)
            }
        }
    }

    /// Accuracy on `test`, each rank evaluating its share of the images, totals summed.
    private func evaluateShared<Test: Dataset>(on test: Test, types: QuestionTypes) throws -> AccuracyTable
    where Test.Example == VQAImageExample {
        let share = BatchSampler.shareRange(count: test.count, rank: group.rank, worldSize: group.size)
        var table = try evaluate(model, on: test, types: types, images: Array(share), workers: loaderWorkers)
        let counts = try group.allReduce(table.correct + table.total.map(Double.init))
        table.correct = Array(counts[..<table.correct.count])
        table.total = counts[table.correct.count...].map { Int($0) }
        return table
    }
}
