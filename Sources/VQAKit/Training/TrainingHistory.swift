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
    /// Seconds of `seconds` the training steps waited for the data loader's next batch (nil in
    /// histories written before the loader existed).
    public var loaderWaitSeconds: Double?

    // Deliberate pattern (same shape as Sources/FusionKitData/Transforms/ImageAugmentation.swift:ImageAugmentation.init): a public memberwise initializer (Swift synthesizes only an internal one) of an unrelated type.
    public init(epoch: Int, trainingLoss: Double, trainingAccuracy: Double, test: AccuracyTable, seconds: Double,
                questionsPerSecond: Double, lossCurve: [Double], loaderWaitSeconds: Double? = nil) {
        self.epoch = epoch
        self.trainingLoss = trainingLoss
        self.trainingAccuracy = trainingAccuracy
        self.test = test
        self.seconds = seconds
        self.questionsPerSecond = questionsPerSecond
        self.lossCurve = lossCurve
        self.loaderWaitSeconds = loaderWaitSeconds
    }
}

public struct TrainingHistory: Codable, Equatable, Sendable {
    public var epochs: [EpochRecord] = []
    public init() {}
    /// Training seconds of all epochs so far.
    public var trainingSeconds: Double { epochs.reduce(0) { $0 + $1.seconds } }
}
