import Foundation

/// Fixed sinusoidal position codes (Vaswani et al. 2017) added to a sequence [batch, L, width]:
/// PE[p, 2i] = sin(p / 10000^(2i/width)), PE[p, 2i+1] = cos(p / 10000^(2i/width)). The table is a
/// buffer (key `pe`), not trained.
public final class SinusoidalPositionalEncoding: Module, UnaryLayer {
    public let table: Buffer

    public init(width: Int, maximumLength: Int = 512) {
        table = Buffer(SinusoidalPositionalEncoding.makeTable(length: maximumLength, width: width))
        super.init()
    }

    public override func namedOwnBuffers() -> [(String, Buffer)] { [("pe", table)] }

    /// The table [length, width], computed in double precision.
    public static func makeTable(length: Int, width: Int) -> Tensor {
        var values = [Float](repeating: 0, count: length * width)
        for position in 0..<length {
            for i in stride(from: 0, to: width, by: 2) {
                let angle = Double(position) / Foundation.pow(10000, Double(i) / Double(width))
                values[position * width + i] = Float(Foundation.sin(angle))
                if i + 1 < width { values[position * width + i + 1] = Float(Foundation.cos(angle)) }
            }
        }
        return Tensor(values, shape: [length, width])
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let length = x.shape[x.rank - 2]
        precondition(length <= table.value.shape[0] && x.shape[x.rank - 1] == table.value.shape[1],
                     "SinusoidalPositionalEncoding: input \(x.shape) exceeds the table \(table.value.shape)")
        return x + table.value.slice(0..<length, alongAxis: 0)
    }
}

/// Learned position embeddings added to a sequence [batch, L, width] (BERT style); key `weight`
/// [maximumLength, width], initialised from N(0, 0.02²).
public final class LearnedPositionalEmbedding: Module, UnaryLayer {
    public let weight: Parameter

    public init(maximumLength: Int, width: Int, generator: inout RandomGenerator) {
        weight = Parameter(Tensor.randomNormal([maximumLength, width], standardDeviation: 0.02, generator: &generator))
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(maximumLength: Int, width: Int) {
        var generator = Random.splitGenerator()
        self.init(maximumLength: maximumLength, width: width, generator: &generator)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        let length = x.shape[x.rank - 2]
        precondition(length <= weight.shape[0] && x.shape[x.rank - 1] == weight.shape[1],
                     "LearnedPositionalEmbedding: input \(x.shape) exceeds the table \(weight.shape)")
        return x + weight.value.slice(0..<length, alongAxis: 0)
    }
}

/// One learned vector per modality (or segment) added to every token of that modality, so a
/// transformer over concatenated text and image tokens can tell them apart (VisualBERT, ViLT);
/// key `weight` [modalities, width].
public final class ModalityEmbedding: Module {
    public let weight: Parameter

    public init(modalities: Int, width: Int, generator: inout RandomGenerator) {
        weight = Parameter(Tensor.randomNormal([modalities, width], standardDeviation: 0.02, generator: &generator))
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(modalities: Int, width: Int) {
        var generator = Random.splitGenerator()
        self.init(modalities: modalities, width: width, generator: &generator)
    }

    /// `tokens` [batch, L, width] of modality `index`.
    public func callAsFunction(_ tokens: Tensor, modality index: Int) -> Tensor {
        precondition(index >= 0 && index < weight.shape[0], "ModalityEmbedding: modality \(index) outside 0..<\(weight.shape[0])")
        return tokens + weight.value.slice(index..<(index + 1), alongAxis: 0)
    }
}
