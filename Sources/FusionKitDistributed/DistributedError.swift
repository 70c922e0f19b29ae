import FusionKit

/// What can go wrong in a data-parallel job, with the rank it happened on.
public enum DistributedError: DescribedError, Equatable {
    /// An MPI call failed (`operation` such as "MPI_Allreduce", MPI's own message).
    case communication(operation: String, rank: Int, message: String)
    /// The job's set-up does not allow what was asked (for example fewer items in a batch than ranks).
    case invalidSetup(String)

    public var description: String {
        switch self {
        case let .communication(operation, rank, message): "rank \(rank): \(operation) failed: \(message)"
        case let .invalidSetup(reason): "data-parallel set-up: \(reason)"
        }
    }
}
