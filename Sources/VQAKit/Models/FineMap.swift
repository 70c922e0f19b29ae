import FusionKit

/// Attention scored over the positions of a fine feature map and read through coarser cells
/// (`pixel-attention`): the scores see nearly per-pixel features, the cells carry what a deeper
/// network made of the image.
struct FineMap {
    /// [B, P, C + 2]: each position's features and centre (x, y) in [−1, 1].
    let tokens: Tensor
    /// [B, P, 2]: each position's centre.
    let centres: Tensor
    let side: Int, cellSide: Int, heads: Int
    let pooling: CellPooling

    /// `tokens` of a square map of P = side² positions (`ImageEncoder.tokens`), read through
    /// `cellSide`² cells by `heads` heads.
    init(_ tokens: Tensor, cellSide: Int, heads: Int) {
        let side = Int(Double(tokens.shape[1]).squareRoot().rounded())
        precondition(tokens.rank == 3 && side * side == tokens.shape[1] && tokens.shape[2] > 2,
                     "FineMap: tokens \(tokens.shape) are not [B, side², C + 2]")
        self.tokens = tokens
        centres = tokens.slice((tokens.shape[2] - 2)..<tokens.shape[2], alongAxis: 2)
        (self.side, self.cellSide, self.heads) = (side, cellSide, heads)
        pooling = CellPooling(fineSide: side, cellSide: cellSide)
    }

    /// Softmax weights [B, H, Q, P] of multi-head scaled dot-product scores of `queries`
    /// [B, Q, d] against `keys` [B, P, d] (head h: columns h·d/H ..< (h + 1)·d/H of both, as
    /// `Attention.multiHead` splits them), plus an additive `bias` [B, H, Q, P].
    func attention(queries: Tensor, keys: Tensor, bias: Tensor?) -> Tensor {
        let (batch, width, positions) = (queries.shape[0], queries.shape[2], keys.shape[1])
        precondition(width % heads == 0 && keys.shape == [batch, positions, width] && positions == side * side,
                     "FineMap.attention: queries \(queries.shape) and keys \(keys.shape) do not fit [B, Q, d], [B, \(side * side), d] with \(heads) heads")
        return multiHeadScores(queries: queries, keys: keys, heads: heads, bias: bias).softmax(alongAxis: 3)
    }

    /// Weights over the positions [B, H, Q, P] summed over each cell's positions: [B, H, Q, cells].
    func cellWeights(_ weights: Tensor) -> Tensor {
        let (batch, heads, asked) = (weights.shape[0], weights.shape[1], weights.shape[2])
        return pooling.sum(weights.reshaped([batch * heads * asked, 1, side, side]))
            .reshaped([batch, heads, asked, cellSide * cellSide])
    }

    /// Each head's reading of `values` [B, N, d] with `weights` [B, H, Q, N], the heads'
    /// readings side by side: [B, Q, d] (head h reads columns h·d/H ..< (h + 1)·d/H).
    static func read(_ values: Tensor, weights: Tensor) -> Tensor {
        let (batch, count, width, heads, asked) = (values.shape[0], values.shape[1], values.shape[2], weights.shape[1], weights.shape[2])
        precondition(values.rank == 3 && weights.rank == 4 && weights.shape[0] == batch && weights.shape[3] == count && width % heads == 0,
                     "FineMap.read: values \(values.shape) and weights \(weights.shape) do not fit [B, N, H·d] and [B, H, Q, N]")
        let split = values.reshaped([batch, count, heads, width / heads]).permuted([0, 2, 1, 3])   // [B, H, N, dₕ]
        return weights.matmul(split).permuted([0, 2, 1, 3]).reshaped([batch, asked, width])
    }
}

/// How the positions of a fine square map [N, 1, S, S] fall into the cells of a coarser one of side
/// s: non-overlapping windows of ⌈S / s⌉ positions a side, zero-padded evenly at the edges (the
/// 38 positions of Sort-of-CLEVR's first map into 10 cells: windows of 4, one padding position
/// each side), so that every position lies in exactly one cell.
public struct CellPooling: Sendable {
    /// The side of each cell's window of positions, and the zero padding before the first.
    public let window: Int, padding: Int

    /// - Precondition: the windows tile the fine map into exactly `cellSide` cells a side.
    public init(fineSide: Int, cellSide: Int) {
        window = (fineSide + cellSide - 1) / cellSide
        padding = (cellSide * window - fineSide + 1) / 2
        precondition(cellSide > 0 && fineSide >= cellSide && (fineSide + 2 * padding - window) / window + 1 == cellSide,
                     "CellPooling: a \(fineSide)-side map does not fall into \(cellSide) cells")
    }

    /// The sum over each cell's positions: [N, 1, s, s] (position p of a side lies in cell
    /// (p + padding) / window).
    public func sum(_ fine: Tensor) -> Tensor {
        fine.avgPool2d(kernel: (window, window), stride: (window, window), padding: (padding, padding))
            * Float(window * window)
    }
}

/// A [1, heads, 1, 1] parameter with `even` in the even heads and `odd` in the odd ones: the
/// distance-biased hops start their even heads near and their odd heads far.
func alternatingHeads(_ heads: Int, even: Float, odd: Float) -> Parameter {
    Parameter(Tensor((0..<heads).map { $0 % 2 == 0 ? even : odd }, shape: [1, heads, 1, 1]))
}

/// A dip around a place: e^(−d²/w) of squared distances `d²`, with log w given per head
/// (`logWidths` [1, H, 1, 1]); 1 at the place, 1/e at distance √w.
func dip(_ squaredDistances: Tensor, logWidths: Tensor) -> Tensor {
    (squaredDistances * (logWidths * -1).exp() * -1).exp()
}

/// Squared distances [B, H, Q, N] from places [B, H, Q, 2] (each head's, or one shared with
/// H = 1) to `points` [B, N, 2]: ‖p‖² + ‖c‖² − 2 p·c, clamped at 0 against rounding.
func squaredDistances(from places: Tensor, to points: Tensor) -> Tensor {
    let pointSquares = points.square().sum(alongAxes: [2], keepingDimensions: true).transposed(1, 2).expandingShape(at: 1)   // [B, 1, 1, N]
    return (places.square().sum(alongAxes: [3], keepingDimensions: true) + pointSquares
        - places.matmul(points.expandingShape(at: 1), transposeB: true) * 2).relu()
}

/// Multi-head scaled dot-product scores [B, H, Q, N] of `queries` [B, Q, d] against `keys`
/// [B, N, d] (head h: columns h·d/H ..< (h + 1)·d/H of both, as `Attention.multiHead` splits
/// them), plus an additive `bias` broadcast to [B, H, Q, N].
func multiHeadScores(queries: Tensor, keys: Tensor, heads: Int, bias: Tensor?) -> Tensor {
    let (batch, asked, width, count) = (queries.shape[0], queries.shape[1], queries.shape[2], keys.shape[1])
    precondition(queries.rank == 3 && width % heads == 0 && keys.shape == [batch, count, width],
                 "multiHeadScores: queries \(queries.shape) and keys \(keys.shape) do not fit [B, Q, d], [B, N, d] with \(heads) heads")
    let headWidth = width / heads
    let splitQueries = queries.reshaped([batch, asked, heads, headWidth]).permuted([0, 2, 1, 3])   // [B, H, Q, dₕ]
    let splitKeys = keys.reshaped([batch, count, heads, headWidth]).permuted([0, 2, 3, 1])         // [B, H, dₕ, N]
    let scores = splitQueries.matmul(splitKeys) * (1 / Float(headWidth).squareRoot())
    return bias.map { scores + $0 } ?? scores
}
