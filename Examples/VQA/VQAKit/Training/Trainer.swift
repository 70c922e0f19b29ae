import Foundation
import FusionKit

/// Trains a VQA model epoch by epoch: AdamW with warmup and cosine decay, gradient clipping, a
/// progress bar, evaluation after every epoch, and an atomic checkpoint after every epoch from
/// which `resume` continues to exactly the numbers of an uninterrupted run (the image order of
/// every epoch is recomputed from the seed; the model has no other randomness while training).
public final class Trainer {
    public let model: any VQAModel
    public let options: TrainingOptions
    public let optimizer: Optimizer
    /// Names the training data (seed and sizes, or a file), checked on resume.
    public let dataIdentity: String
    public private(set) var history = TrainingHistory()
    /// Draw a progress bar on standard error.
    public var showsProgress = true

    public init(model: any VQAModel, options: TrainingOptions, dataIdentity: String) {
        self.model = model
        self.options = options
        self.dataIdentity = dataIdentity
        optimizer = AdamW(model.trainableParameters(), learningRate: options.learningRate, weightDecay: options.weightDecay)
    }

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

    /// Writes the model, optimizer and history to `url` atomically.
    public func saveCheckpoint(to url: URL) throws {
        try VQACheckpoint(configuration: model.configuration, options: options, dataIdentity: dataIdentity, history: history)
            .save(model: model, optimizer: optimizer, to: url)
    }

    /// Trains the remaining epochs. After each one: evaluates on `test`, saves `checkpoint` (when
    /// given) and calls `epochEnded`. `timeLimit` (seconds of training) stops early, before an
    /// epoch that would end past it (judged by the length of the last epoch).
    public func train(on data: VQAData, test: VQAData, types: QuestionTypes, checkpoint: URL?,
                      timeLimit: Double? = nil, epochEnded: (EpochRecord) throws -> Void = { _ in }) throws {
        let stepsPerEpoch = options.stepsPerEpoch(imageCount: data.imageCount)
        let totalSteps = stepsPerEpoch * options.epochs
        let parameters = model.trainableParameters()
        while completedEpochs < options.epochs {
            // Stop when another epoch as long as the last one would pass the time limit.
            if let timeLimit, history.trainingSeconds + (history.epochs.last?.seconds ?? 0) > timeLimit { break }
            let epoch = completedEpochs
            model.train()
            let order = epochOrder(count: data.imageCount, seed: options.shuffleSeed, epoch: epoch)
            var progress = ProgressBar(total: data.imageCount * data.questionsPerImage,
                                       label: "epoch \(epoch + 1)/\(options.epochs)")
            var lossSum = 0.0, correct = 0, seen = 0
            var curve: [Double] = [], curveSum = 0.0, curveSteps = 0
            let start = Date()
            for step in 0..<stepsPerEpoch {
                let images = Array(order[(step * options.batchSize)..<Swift.min((step + 1) * options.batchSize, data.imageCount)])
                if epoch == 0 && step == 0 { model.prepare(forTrainingOn: data.images(images)) }
                let rows = data.questionRows(images)
                let targets = data.answers(rows: rows)
                optimizer.setLearningRate(options.learningRate(atStep: epoch * stepsPerEpoch + step, totalSteps: totalSteps))
                optimizer.zeroGradients()
                let logits = model(images: data.images(images), questions: data.questions(rows: rows))
                let loss = crossEntropyLoss(logits: logits, targets: targets)
                loss.backward()
                _ = clipGradientNorm(parameters, maxNorm: options.maximumGradientNorm)
                optimizer.step()

                let value = Double(loss.scalar)
                lossSum += value * Double(rows.count)
                let predictions = logits.detached().argmax(alongAxis: 1).scalars
                correct += zip(predictions, targets.scalars).filter { $0 == $1 }.count
                seen += rows.count
                curveSum += value
                curveSteps += 1
                if (step + 1) * 10 / stepsPerEpoch > curve.count || step == stepsPerEpoch - 1 {
                    curve.append(curveSum / Double(curveSteps))
                    curveSum = 0
                    curveSteps = 0
                }
                if showsProgress { progress.update(done: seen, loss: Float(lossSum / Double(seen))) }
            }
            let seconds = Date().timeIntervalSince(start)
            let table = evaluate(model, on: test, types: types)
            let record = EpochRecord(epoch: epoch + 1, trainingLoss: lossSum / Double(seen),
                                     trainingAccuracy: Double(correct) / Double(seen), test: table, seconds: seconds,
                                     questionsPerSecond: Double(seen) / seconds, lossCurve: curve)
            history.epochs.append(record)
            if let checkpoint { try saveCheckpoint(to: checkpoint) }
            try epochEnded(record)
        }
    }
}
