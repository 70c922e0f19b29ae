/// One cross-modal transformer block: a target sequence attends over a source sequence, then a
/// feed-forward block, each with a residual connection and post-norm:
///
///     Z = norm1(X_target + MHA(q = X_target, k = v = X_source));  Z ← norm2(Z + W₂ relu(W₁ Z + b₁) + b₂)
///
/// Keys: `attention.*`, `linear1.*`, `linear2.*`, `norm1.*`, `norm2.*`.
public final class CrossModalTransformerBlock: Module {
    public let attention: MultiheadAttention
    public let linear1: Linear, linear2: Linear
    public let norm1: LayerNorm, norm2: LayerNorm

    public init(width: Int, headCount: Int, feedForwardWidth: Int, dropout: Float = 0, generator: inout RandomGenerator) {
        attention = MultiheadAttention(embedDimension: width, headCount: headCount, dropout: dropout, generator: &generator)
        linear1 = Linear(width, feedForwardWidth, generator: &generator)
        linear2 = Linear(feedForwardWidth, width, generator: &generator)
        norm1 = LayerNorm(width)
        norm2 = LayerNorm(width)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(width: Int, headCount: Int, feedForwardWidth: Int, dropout: Float = 0) {
        var generator = Random.splitGenerator()
        self.init(width: width, headCount: headCount, feedForwardWidth: feedForwardWidth, dropout: dropout,
                  generator: &generator)
    }

    /// `target` [batch, Lt, width] attending over `source` [batch, Ls, width] → [batch, Lt, width].
    public func callAsFunction(target: Tensor, source: Tensor) -> Tensor {
        let attended = norm1(target + attention(query: target, key: source, value: source, needWeights: false).output)
        return norm2(attended + linear2(linear1(attended).relu()))
    }
}

/// The multimodal transformer (MulT; Tsai, Bai, Liang, Kolter, Morency, Salakhutdinov,
/// "Multimodal Transformer for Unaligned Multimodal Language Sequences", ACL 2019): each modality
/// is projected to a common width d and given sinusoidal positions, and for every ordered pair
/// (target m, source n ≠ m) a cross-modal block lets the target's sequence attend over the
/// source's, so unaligned sequences of different lengths can be fused:
///
///     Z_m = X_m P_mᵀ + b_m + PE,                     [batch, L_m, d]
///     Z_{n→m} = Block_{n→m}^{(D)} ∘ … ∘ Block_{n→m}^{(1)}(Z_m; Z_n)   (target Z_m, source Z_n)
///     h_m = mean_t [Z_{n₁→m}; Z_{n₂→m}; …]_t        [batch, (M−1)·d]
///     y = [h_1; h_2; …; h_M]                         [batch, M·(M−1)·d]
///
/// Differences from the paper, kept simple on purpose: blocks are post-norm (the paper uses
/// pre-norm), the projections are Linear layers (the paper's kernel-1 temporal convolutions are the
/// same map), and the per-target self-attention transformer after the concatenation is left out;
/// the time mean replaces taking the last element.
///
/// Inputs: one [batch, L_m, d_m] tensor per modality (at least two). Keys: `projections.m.*`,
/// `positions.pe`, and `blocks.p.*` for the ordered pairs in `pairs` order (target-major: (0,1),
/// (0,2), …, (1,0), (1,2), …), with `depth` consecutive blocks per pair.
public final class CrossModalTransformerFusion: Module, FusionStrategy {
    public let widths: [Int]
    public let width: Int
    public let depth: Int
    public let projections: [Linear]
    public let positions: SinusoidalPositionalEncoding
    public let blocks: [CrossModalTransformerBlock]
    /// The ordered (target, source) pairs, in the order of `blocks`.
    public let pairs: [(target: Int, source: Int)]

    public init(widths: [Int], width: Int, headCount: Int, depth: Int = 1, feedForwardWidth: Int? = nil,
                dropout: Float = 0, maximumLength: Int = 512, generator: inout RandomGenerator) {
        precondition(widths.count >= 2 && depth > 0, "CrossModalTransformerFusion: needs two modalities and one block per pair")
        self.widths = widths
        self.width = width
        self.depth = depth
        projections = makeProjections(widths, to: width, generator: &generator)
        positions = SinusoidalPositionalEncoding(width: width, maximumLength: maximumLength)
        pairs = widths.indices.flatMap { target in widths.indices.filter { $0 != target }.map { (target: target, source: $0) } }
        blocks = (0..<(pairs.count * depth)).map { _ in
            CrossModalTransformerBlock(width: width, headCount: headCount, feedForwardWidth: feedForwardWidth ?? 4 * width,
                                       dropout: dropout, generator: &generator)
        }
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], width: Int, headCount: Int, depth: Int = 1, feedForwardWidth: Int? = nil,
                            dropout: Float = 0, maximumLength: Int = 512) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, width: width, headCount: headCount, depth: depth,
                  feedForwardWidth: feedForwardWidth, dropout: dropout, maximumLength: maximumLength,
                  generator: &generator)
    }

    /// The output width M·(M−1)·d.
    public var outputWidth: Int { pairs.count * width }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        precondition(inputs.count == widths.count && inputs.allSatisfy({ $0.rank == 3 }),
                     "CrossModalTransformerFusion: expected \(widths.count) inputs [batch, L, width], got \(inputs.map(\.shape))")
        checkWidths(inputs, widths, op: "CrossModalTransformerFusion")
        let z = inputs.indices.map { positions(projections[$0](inputs[$0])) }
        var perTarget: [[Tensor]] = Array(repeating: [], count: widths.count)
        for (index, pair) in pairs.enumerated() {
            var x = z[pair.target]
            for block in blocks[(index * depth)..<((index + 1) * depth)] { x = block(target: x, source: z[pair.source]) }
            perTarget[pair.target].append(x)
        }
        let pooled = perTarget.map { Tensor.concatenate($0, alongAxis: 2).mean(alongAxes: 1) }
        return Tensor.concatenate(pooled, alongAxis: 1)
    }
}
