import Foundation
import FusionKit
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
    }

    /// Writes the model, optimizer and history to `url` atomically (in a data-parallel job only
    /// rank 0 should).
    public func saveCheckpoint(to url: URL) throws {
        try VQACheckpoint(configuration: model.configuration, options: options, dataIdentity: dataIdentity, history: history)
            .save(model: model, optimizer: optimizer, to: url)
    }

    /// Trains the remaining epochs. After each one: evaluates on `test`, saves `checkpoint` (when
    /// given) and calls `epochEnded`. `timeLimit` (seconds of training) stops early, before an
    /// epoch that would end past it (judged by the length of the last epoch). In a data-parallel
    /// job every rank calls it; only rank 0 saves and calls `epochEnded`.
    public func train(on data: VQAData, test: VQAData, types: QuestionTypes, checkpoint: URL?,
                      timeLimit: Double? = nil, epochEnded: (EpochRecord) throws -> Void = { _ in }) throws {
        let sampler = try DistributedSampler(count: data.imageCount, globalBatchSize: options.batchSize,
                                             rank: group.rank, worldSize: group.size, seed: options.shuffleSeed)
        let parallel = try DistributedDataParallel(model, group: group, overlapsCommunication: overlapsCommunication)
        let stepsPerEpoch = sampler.stepsPerEpoch
        let totalSteps = stepsPerEpoch * options.epochs
        let parameters = model.trainableParameters()
        let isReporter = group.rank == 0
        while completedEpochs < options.epochs {
            // Stop when another epoch as long as the last one would pass the time limit (the
            // history is the same on every rank, so they all stop together).
            if let timeLimit, history.trainingSeconds + (history.epochs.last?.seconds ?? 0) > timeLimit { break }
            let epoch = completedEpochs
            model.train()
            let order = sampler.order(epoch: epoch)
            var progress = ProgressBar(total: data.imageCount * data.questionsPerImage,
                                       label: "epoch \(epoch + 1)/\(options.epochs)")
            var lossSum = 0.0, correct = 0.0, seen = 0.0
            var curve: [Double] = [], curveSum = 0.0, curveSteps = 0
            let start = Date()
            for step in 0..<stepsPerEpoch {
                let batch = sampler.globalBatch(step: step, of: order)
                if epoch == 0 && step == 0 {
                    model.prepare(forTrainingOn: data.images(Array(batch)))
                    try parallel.broadcastState()
                }
                let images = Array(sampler.localShare(of: batch))
                let rows = data.questionRows(images)
                let targets = data.answers(rows: rows)
                let rate = options.learningRate(atStep: epoch * stepsPerEpoch + step, totalSteps: totalSteps)
                for index in optimizer.groups.indices { optimizer.groups[index].learningRate = rate * groupScales[index] }
                optimizer.zeroGradients()
                let logits = model(images: data.images(images), questions: data.questions(rows: rows))
                let loss = crossEntropyLoss(logits: logits, targets: targets)
                try parallel.backward(loss, share: Float(images.count) / Float(batch.count))
                _ = clipGradientNorm(parameters, maxNorm: options.maximumGradientNorm)
                optimizer.step()

                let predictions = logits.detached().argmax(alongAxis: 1).scalars
                let localCorrect = zip(predictions, targets.scalars).filter { $0 == $1 }.count
                // This step over the global batch: summed loss, correct answers, questions.
                let totals = try group.allReduce([Double(loss.scalar) * Double(rows.count), Double(localCorrect),
                                                  Double(rows.count)])
                lossSum += totals[0]
                correct += totals[1]
                seen += totals[2]
                curveSum += totals[0] / totals[2]
                curveSteps += 1
                if (step + 1) * 10 / stepsPerEpoch > curve.count || step == stepsPerEpoch - 1 {
                    curve.append(curveSum / Double(curveSteps))
                    curveSum = 0
                    curveSteps = 0
                }
                if showsProgress && isReporter { progress.update(done: Int(seen), loss: Float(lossSum / seen)) }
            }
            // The slowest rank's time, so every rank keeps the same history.
            let seconds = try group.allReduce([Date().timeIntervalSince(start)], maximum: true)[0]
            let table = try evaluateShared(on: test, types: types)
            let record = EpochRecord(epoch: epoch + 1, trainingLoss: lossSum / seen,
                                     trainingAccuracy: correct / seen, test: table, seconds: seconds,
                                     questionsPerSecond: seen / seconds, lossCurve: curve)
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
    private func evaluateShared(on test: VQAData, types: QuestionTypes) throws -> AccuracyTable {
        let share = DistributedSampler.shareRange(count: test.imageCount, rank: group.rank, worldSize: group.size)
        var table = evaluate(model, on: test, types: types, images: Array(share))
        let counts = try group.allReduce((table.correct + table.total).map(Double.init))
        table.correct = counts[..<table.correct.count].map { Int($0) }
        table.total = counts[table.correct.count...].map { Int($0) }
        return table
    }
}
