/// A collection of examples read by index, as PyTorch's map-style `torch.utils.data.Dataset`:
/// `count` examples, example `i` produced by `example(at: i)`, which may read and decode files.
///
/// A `DataLoader` calls `example(at:)` from background threads, several at once, so it must be
/// safe to call concurrently (a value type holding paths and immutable tables is; a class must
/// guard any cache it keeps). It should throw a typed error that names the file when an
/// example's data is unreadable, rather than returning a placeholder.
public protocol Dataset: Sendable {
    associatedtype Example: Sendable
    /// The number of examples; indices run over `0..<count`.
    var count: Int { get }
    /// Example `index`, in `0..<count`.
    func example(at index: Int) throws -> Example
}

/// A data set of examples already in memory.
public struct ArrayDataset<Example: Sendable>: Dataset {
    public let examples: [Example]
    public init(_ examples: [Example]) { self.examples = examples }
    public var count: Int { examples.count }
    public func example(at index: Int) throws -> Example { examples[index] }
}

/// The examples `indices` of `base`, in that order (a split, or one rank's part of a data set).
public struct DatasetSubset<Base: Dataset>: Dataset {
    public let base: Base
    public let indices: [Int]
    public init(_ base: Base, indices: [Int]) {
        precondition(indices.allSatisfy { (0..<base.count).contains($0) },
                     "DatasetSubset: an index lies outside the \(base.count) examples of the data set")
        self.base = base
        self.indices = indices
    }
    public var count: Int { indices.count }
    public func example(at index: Int) throws -> Base.Example { try base.example(at: indices[index]) }
}
