/// One tensor of a set of pretrained weights, not necessarily read yet: its shape, and either the
/// tensor itself or where its bytes lie in an open safetensors file. Loading a module from sources
/// reads each file's bytes straight into the parameter's existing storage, so a model loaded from
/// a folder is never held twice in memory.
public struct WeightSource: @unchecked Sendable {
    /// The tensor's shape.
    public let shape: [Int]
    private let stored: Tensor?
    private let reader: SafeTensorsFileReader?
    private let entry: SafeTensors.Entry?

    /// A tensor already in memory.
    public init(_ tensor: Tensor) {
        (shape, stored, reader, entry) = (tensor.shape, tensor, nil, nil)
    }

    /// Tensor `entry` of the file `reader` reads.
    init(_ entry: SafeTensors.Entry, in reader: SafeTensorsFileReader) {
        (shape, stored, self.reader, self.entry) = (entry.shape, nil, reader, entry)
    }

    /// The tensor, read from its file if need be.
    public func load() throws -> Tensor {
        if let stored { return stored }
        return try reader!.tensor(entry!)
    }

    /// Replaces `tensor` (of the same shape) with this weight, writing into its storage when the
    /// weight comes from a file.
    func read(into tensor: inout Tensor) throws {
        if let stored { tensor = stored } else { try reader!.read(entry!, into: &tensor) }
    }
}
