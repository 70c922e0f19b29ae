import FusionKit

/// Why batches cannot be made: the batching asked for is impossible, or an example failed to load.
public enum DataLoaderError: DescribedError, Equatable, Sendable {
    /// The set-up cannot work, for example a batch that would leave a rank without examples.
    case invalidSetup(String)
    /// Example `index` of the data set (in epoch `epoch`, batch `step`) could not be loaded;
    /// `reason` is its own error's message (which names the file).
    case exampleFailed(index: Int, epoch: Int, step: Int, reason: String)

    public var description: String {
        switch self {
        case let .invalidSetup(reason):
            return "data loader set-up: \(reason)"
        case let .exampleFailed(index, epoch, step, reason):
            return "example \(index) (epoch \(epoch), batch \(step)) could not be loaded: \(reason)"
        }
    }
}
