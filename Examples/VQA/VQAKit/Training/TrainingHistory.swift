/// What happened in each epoch of a run, kept in every checkpoint so a resumed run's report shows
/// the whole run.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var trainingLoss: Double
    public var trainingAccuracy: Double
    public var test: AccuracyTable
    /// Wall-clock seconds of this epoch's training steps (evaluation excluded).
    public var seconds: Double
    /// Training questions per second.
    public var questionsPerSecond: Double
    /// The mean loss of each tenth of the epoch, for the loss curve.
    public var lossCurve: [Double]
}

public struct TrainingHistory: Codable, Equatable, Sendable {
    public var epochs: [EpochRecord] = []
    public init() {}
    /// Training seconds of all epochs so far.
    public var trainingSeconds: Double { epochs.reduce(0) { $0 + $1.seconds } }
}
