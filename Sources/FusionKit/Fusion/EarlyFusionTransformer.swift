/// Early fusion with one transformer over all tokens (single-stream, as VisualBERT, Li et al.
/// 2019, and ViLT, Kim, Son, Kim 2021): the token sequences of each modality, [batch, L_m, d_m],
/// are projected to a common width d, tagged with a learned modality embedding, concatenated
/// along the sequence, and encoded together, so every layer attends across modalities:
///
///     T_m = X_m P_mᵀ + b_m + E[m]
///     H = Encoder([cls; T_1; …; T_M])   (cls only with `.classToken`)
///     y = mean_t H_t  (`.mean`)  or  y = H_0  (`.classToken`)   ∈ [batch, d]
///
/// Inputs: one [batch, L_m, d_m] tensor per modality (the lengths may differ). Keys:
/// `projections.m.*`, `embedding.weight` [M, d], `encoder.layers.k.*` (torch.nn.TransformerEncoder
/// names), and `token` [1, 1, d] with `.classToken`.
public final class EarlyFusionTransformer: Module, FusionStrategy {
    /// How the encoded tokens become one vector.
    public enum Pooling: Sendable { case mean, classToken }

    public let widths: [Int]
    public let width: Int
    public let pooling: Pooling
    public let projections: [Linear]
    public let embedding: ModalityEmbedding
    public let encoder: TransformerEncoder
    /// The learned class token [1, 1, d] (`.classToken` only).
    public let token: Parameter?

    public init(widths: [Int], width: Int, headCount: Int, layerCount: Int = 1, feedForwardWidth: Int? = nil,
                dropout: Float = 0, pooling: Pooling = .mean, generator: inout RandomGenerator) {
        precondition(!widths.isEmpty && layerCount > 0, "EarlyFusionTransformer: needs a modality and a layer")
        self.widths = widths
        self.width = width
        self.pooling = pooling
        projections = makeProjections(widths, to: width, generator: &generator)
        embedding = ModalityEmbedding(modalities: widths.count, width: width, generator: &generator)
        encoder = TransformerEncoder(layers: (0..<layerCount).map { _ in
            TransformerEncoderLayer(width: width, headCount: headCount, feedForwardWidth: feedForwardWidth ?? 4 * width,
                                    dropout: dropout, generator: &generator)
        })
        token = pooling == .classToken
            ? Parameter(Tensor.randomNormal([1, 1, width], standardDeviation: 0.02, generator: &generator)) : nil
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], width: Int, headCount: Int, layerCount: Int = 1,
                            feedForwardWidth: Int? = nil, dropout: Float = 0, pooling: Pooling = .mean) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, width: width, headCount: headCount, layerCount: layerCount,
                  feedForwardWidth: feedForwardWidth, dropout: dropout, pooling: pooling, generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        precondition(inputs.count == widths.count && inputs.allSatisfy({ $0.rank == 3 }),
                     "EarlyFusionTransformer: expected \(widths.count) inputs [batch, L, width], got \(inputs.map(\.shape))")
        checkWidths(inputs, widths, op: "EarlyFusionTransformer")
        let batch = inputs[0].shape[0]
        var tokens = inputs.indices.map { embedding(projections[$0](inputs[$0]), modality: $0) }
        if let token { tokens.insert(token.value.broadcast(to: [batch, 1, width]), at: 0) }
        let encoded = encoder(Tensor.concatenate(tokens, alongAxis: 1))
        switch pooling {
        case .mean: return encoded.mean(alongAxes: 1)
        case .classToken: return encoded.slice(0..<1, alongAxis: 1).squeezingShape(at: [1])
        }
    }
}
