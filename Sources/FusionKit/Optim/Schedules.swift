import Foundation

/// A learning rate as a function of the step (or epoch) count, relative to a base rate, in the
/// closed forms of torch.optim.lr_scheduler. Each schedule below is a small struct of the same
/// shape (its settings, an initialiser that checks them, the closed form), one per PyTorch class.
public protocol LearningRateSchedule: Sendable {
    func learningRate(atStep step: Int, base: Float) -> Float
}

/// base·γ^⌊step / stepSize⌋ (StepLR).
public struct StepDecay: LearningRateSchedule {
    public var stepSize: Int
    public var gamma: Float
    public init(stepSize: Int, gamma: Float = 0.1) {
        precondition(stepSize > 0, "StepDecay: step size \(stepSize) must be positive")
        self.stepSize = stepSize
        self.gamma = gamma
    }
    public func learningRate(atStep step: Int, base: Float) -> Float {
        Float(Double(base) * Foundation.pow(Double(gamma), Double(step / stepSize)))
    }
}

/// min + (base − min)·(1 + cos(π·step / T)) / 2 (CosineAnnealingLR, Loshchilov & Hutter 2017).
public struct CosineAnnealing: LearningRateSchedule {
    public var period: Int
    public var minimum: Float
    public init(period: Int, minimum: Float = 0) {
        precondition(period > 0, "CosineAnnealing: period \(period) must be positive")
        self.period = period
        self.minimum = minimum
    }
    public func learningRate(atStep step: Int, base: Float) -> Float {
        let cosine = (1 + Foundation.cos(Double.pi * Double(step) / Double(period))) / 2
        return Float(Double(minimum) + (Double(base) - Double(minimum)) * cosine)
    }
}

/// A linear ramp of the factor from `startFactor` to `endFactor` over `steps`, then constant
/// (LinearLR; a warmup with the defaults).
public struct LinearWarmup: LearningRateSchedule {
    public var steps: Int
    public var startFactor: Float
    public var endFactor: Float
    public init(steps: Int, startFactor: Float = 1.0 / 3, endFactor: Float = 1) {
        precondition(steps > 0, "LinearWarmup: steps \(steps) must be positive")
        self.steps = steps
        self.startFactor = startFactor
        self.endFactor = endFactor
    }
    public func learningRate(atStep step: Int, base: Float) -> Float {
        let progress = Double(Swift.min(step, steps)) / Double(steps)
        return Float(Double(base) * (Double(startFactor) + (Double(endFactor) - Double(startFactor)) * progress))
    }
}

/// Schedules one after another (SequentialLR): schedule i runs from milestone i−1, counting its
/// own steps from 0.
public struct SequentialSchedule: LearningRateSchedule {
    public var schedules: [any LearningRateSchedule]
    public var milestones: [Int]
    public init(_ schedules: [any LearningRateSchedule], milestones: [Int]) {
        precondition(schedules.count == milestones.count + 1,
                     "SequentialSchedule: \(schedules.count) schedules need \(schedules.count - 1) milestones, got \(milestones.count)")
        self.schedules = schedules
        self.milestones = milestones
    }
    public func learningRate(atStep step: Int, base: Float) -> Float {
        let index = milestones.firstIndex { step < $0 } ?? milestones.count
        let start = index == 0 ? 0 : milestones[index - 1]
        return schedules[index].learningRate(atStep: step - start, base: base)
    }
}

/// Drives an optimizer's learning rates from a schedule, as a PyTorch scheduler: call `step()`
/// after each optimizer step (or epoch).
public final class LearningRateScheduler {
    public let optimizer: Optimizer
    public let schedule: any LearningRateSchedule
    /// The groups' learning rates when the scheduler was made.
    public let baseLearningRates: [Float]
    /// How many times `step()` has been called; save it to resume.
    public var stepCount: Int { didSet { apply() } }

    public init(_ optimizer: Optimizer, schedule: any LearningRateSchedule, stepCount: Int = 0) {
        self.optimizer = optimizer
        self.schedule = schedule
        baseLearningRates = optimizer.groups.map(\.learningRate)
        self.stepCount = stepCount
        apply()
    }

    public func step() { stepCount += 1 }

    private func apply() {
        for i in optimizer.groups.indices {
            optimizer.groups[i].learningRate = schedule.learningRate(atStep: stepCount, base: baseLearningRates[i])
        }
    }
}
