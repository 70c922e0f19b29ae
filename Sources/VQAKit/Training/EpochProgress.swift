import FusionKitData

/// How far the current epoch has come: the batches done and the running totals its record is
/// made of. Saved in mid-epoch checkpoints, so a run killed in the middle of an epoch resumes at
/// the batch after the last checkpoint and ends with the numbers of an uninterrupted run.
public struct EpochProgress: Codable, Equatable, Sendable {
    public var epoch: Int
    /// Batches of the epoch already trained on.
    public var step: Int = 0
    /// Summed loss × questions, summed scores, questions, over the global batches so far.
    public var lossSum = 0.0, correct = 0.0, seen = 0.0
    /// The loss curve's finished points, and the current tenth's running sum and step count.
    public var curve: [Double] = []
    public var curveSum = 0.0
    public var curveSteps = 0
    /// Seconds of training steps, and of them the seconds spent waiting for the loader.
    public var seconds = 0.0
    public var loaderWaitSeconds = 0.0

    public init(epoch: Int) { self.epoch = epoch }

    /// The loader position of the next batch.
    public var position: LoaderPosition { LoaderPosition(epoch: epoch, step: step) }
}
