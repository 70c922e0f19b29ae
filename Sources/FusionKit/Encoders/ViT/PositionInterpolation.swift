import Foundation

/// Position embeddings of a vision transformer resized to another grid of patches, as Hugging
/// Face's `interpolate_pos_encoding` does it: the patch positions form a square grid that is
/// resampled bicubically (PyTorch's `interpolate(mode="bicubic", align_corners=False)`), the class
/// position is kept.
enum PositionInterpolation {
    /// The matrix M [output, input] of 1-D bicubic resampling from `input` to `output` samples, as
    /// PyTorch computes it: source coordinate (o + ½)·input/output − ½, cubic convolution with
    /// A = −0.75 over the four nearest samples, indices outside the input clamped to its ends.
    static func bicubicMatrix(from input: Int, to output: Int) -> Tensor {
        let a = -0.75
        func near(_ x: Double) -> Double { ((a + 2) * x - (a + 3)) * x * x + 1 }          // |x| ≤ 1
        func far(_ x: Double) -> Double { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }     // 1 < |x| < 2
        var values = [Float](repeating: 0, count: output * input)
        let scale = Double(input) / Double(output)
        for o in 0..<output {
            let source = (Double(o) + 0.5) * scale - 0.5
            let floorSource = source.rounded(.down)
            let t = source - floorSource
            let weights = [far(t + 1), near(t), near(1 - t), far(2 - t)]
            for (k, weight) in weights.enumerated() {
                let index = Swift.min(Swift.max(Int(floorSource) - 1 + k, 0), input - 1)
                values[o * input + index] += Float(weight)
            }
        }
        return Tensor(values, shape: [output, input])
    }

    /// `positions` [1, side·side + 1, width] (class position first) for a grid of `rows` × `columns`
    /// patches: [1, rows·columns + 1, width]. Differentiable: two matrix products.
    static func resize(_ positions: Tensor, rows: Int, columns: Int) -> Tensor {
        let width = positions.shape[2], count = positions.shape[1] - 1
        let side = Int(Double(count).squareRoot().rounded())
        precondition(side * side == count, "PositionInterpolation: \(count) patch positions do not form a square grid")
        if rows == side && columns == side { return positions }
        let classPosition = positions.slice(0..<1, alongAxis: 1)
        let grid = positions.slice(1..<(count + 1), alongAxis: 1).reshaped([side, side * width])
        // Rows first: [rows, side·width]; then columns, with the column axis brought to the front.
        let resizedRows = bicubicMatrix(from: side, to: rows).matmul(grid).reshaped([rows, side, width])
        let byColumn = resizedRows.permuted([1, 0, 2]).reshaped([side, rows * width])
        let resized = bicubicMatrix(from: side, to: columns).matmul(byColumn).reshaped([columns, rows, width])
            .permuted([1, 0, 2]).reshaped([1, rows * columns, width])
        return Tensor.concatenate([classPosition, resized], alongAxis: 1)
    }
}
