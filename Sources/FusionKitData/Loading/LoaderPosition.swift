/// Where a pass over the data stands: the epoch, and how many of its batches were handed out.
/// With the loader's seed this is all that resuming needs: the epoch's order is recomputed.
public struct LoaderPosition: Codable, Equatable, Hashable, Sendable {
    public var epoch: Int
    public var step: Int
    // Deliberate pattern (same shape as Sources/FusionKitData/VQA/VQAExample.swift:AnswerTarget.init): a public memberwise initializer (Swift synthesizes only an internal one) of an unrelated type.
    public init(epoch: Int, step: Int) {
        self.epoch = epoch
        self.step = step
    }
}

/// What a collate function learns about the batch it assembles, besides its examples.
public struct BatchContext: Sendable, Equatable {
    public let epoch: Int
    public let step: Int
    /// The data-set indices of the examples, in the order they are passed.
    public let indices: [Int]
}
