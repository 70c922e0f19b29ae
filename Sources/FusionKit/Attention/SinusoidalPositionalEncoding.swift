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
