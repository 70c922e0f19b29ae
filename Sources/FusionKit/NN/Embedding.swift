/// A lookup table from token ids to vectors, as torch.nn.Embedding: weight [count, dimensions],
/// initialised from N(0, 1). The row at `paddingIndex` starts at zero and never receives a
/// gradient, so padded positions do not train it.
public final class Embedding: Module, UnaryLayer {
    public let weight: Parameter
    public let paddingIndex: Int?

    public init(_ count: Int, _ dimensions: Int, paddingIndex: Int? = nil, generator: inout RandomGenerator) {
        if let paddingIndex { precondition(paddingIndex >= 0 && paddingIndex < count, "Embedding: padding index \(paddingIndex) outside 0..<\(count)") }
        var table = Tensor.randomNormal([count, dimensions], generator: &generator)
        if let paddingIndex {
            table.withUnsafeMutableBufferPointer { rows in
                for d in 0..<dimensions { rows[paddingIndex * dimensions + d] = 0 }
            }
        }
        weight = Parameter(table)
        self.paddingIndex = paddingIndex
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(_ count: Int, _ dimensions: Int, paddingIndex: Int? = nil) {
        var generator = Random.splitGenerator()
        self.init(count, dimensions, paddingIndex: paddingIndex, generator: &generator)
    }

    /// The vectors of the token ids in `ids` (whole numbers, any shape): shape ids.shape + [dimensions].
    public func callAsFunction(_ ids: Tensor) -> Tensor {
        let table = weight.value
        let count = table.shape[0], dimensions = table.shape[1]
        let indices = ids.scalars.map { value -> Int in
            let index = Int(exactly: value) ?? -1
            precondition(index >= 0 && index < count, "Embedding: token id \(value) outside 0..<\(count)")
            return index
        }
        let rows = withoutGradient { table.indexSelect(indices, alongAxis: 0) }.reshaped(ids.shape + [dimensions])
        guard Autograd.shouldRecord(table) else { return rows }
        let padding = paddingIndex
        return rows.recorded("embedding", inputs: [table]) { g in
            let kept = padding.map { pad in indices.map { $0 == pad ? -1 : $0 } } ?? indices
            let used = kept.enumerated().filter { $0.element >= 0 }
            let gradients = g.reshaped([indices.count, dimensions]).indexSelect(used.map(\.offset), alongAxis: 0)
            return [Tensor.indexAdd(gradients, alongAxis: 0, indices: used.map(\.element), intoShape: [count, dimensions])]
        }
    }
}
