/// NL-gate fusion (Wang, Tran, Feiszli, "What Makes Training Multi-Modal Classification Networks
/// Hard?", CVPR 2020, mid-level fusion with a non-local gate): the visual features are the
/// queries and the other modality supplies the keys and values of a non-local (attention) block
/// whose output is added back to the visual features, then pooled.
///
/// Formulation used here, with V [batch, N, d] (visual positions) and A [batch, La, da] (the
/// other modality; a vector [batch, da] is one token, La = 1):
///
///     θ = V W_θᵀ + b_θ,  φ = A W_φᵀ + b_φ,  g = A W_gᵀ + b_g        (width k)
///     S = θ φᵀ / √k                                                 [batch, N, La]
///     G = softmax over the La keys of S    (`.softmax`, the embedded-Gaussian non-local block)
///       | σ(S)                             (`.sigmoid`, one independent gate per position and key)
///     Z = V + (G g) W_zᵀ + b_z                                       [batch, N, d]
///     y = mean over the N positions of Z                             [batch, d]
///
/// With a single audio token the softmax weight is always 1, so the block reduces to adding
/// W_z g(a) at every position; the default `.sigmoid` keeps a gate that depends on each visual
/// position. Inputs: [V, A]. Keys: `theta.*`, `phi.*`, `g.*`, `output.*` (W_z). `gated(_:_:)`
/// returns Z before pooling; `lastWeights` keeps G [batch, N, La].
public final class NonLocalGateFusion: Module, FusionStrategy {
    public enum Gate: Sendable { case softmax, sigmoid }

    public let visualWidth: Int, otherWidth: Int, innerWidth: Int
    public let gate: Gate
    public let theta: Linear, phi: Linear, g: Linear, output: Linear
    public private(set) var lastWeights: Tensor?

    public init(visualWidth: Int, otherWidth: Int, innerWidth: Int? = nil, gate: Gate = .sigmoid,
                generator: inout RandomGenerator) {
        self.visualWidth = visualWidth
        self.otherWidth = otherWidth
        let k = innerWidth ?? Swift.max(1, visualWidth / 2)
        self.innerWidth = k
        self.gate = gate
        theta = Linear(visualWidth, k, generator: &generator)
        phi = Linear(otherWidth, k, generator: &generator)
        g = Linear(otherWidth, k, generator: &generator)
        output = Linear(k, visualWidth, generator: &generator)
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(visualWidth: Int, otherWidth: Int, innerWidth: Int? = nil, gate: Gate = .sigmoid) {
        var generator = Random.splitGenerator()
        self.init(visualWidth: visualWidth, otherWidth: otherWidth, innerWidth: innerWidth, gate: gate,
                  generator: &generator)
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        precondition(inputs.count == 2, "NonLocalGateFusion: expected [visual, other], got \(inputs.count) inputs")
        return gated(inputs[0], inputs[1]).mean(alongAxes: 1)
    }

    /// Z = V + W_z(G·g(A)) + b_z, [batch, N, d].
    public func gated(_ visual: Tensor, _ other: Tensor) -> Tensor {
        let tokens = other.rank == 2 ? other.expandingShape(at: 1) : other
        precondition(visual.rank == 3 && visual.shape[2] == visualWidth && tokens.rank == 3 && tokens.shape[2] == otherWidth
                     && tokens.shape[0] == visual.shape[0],
                     "NonLocalGateFusion: visual \(visual.shape) and other \(other.shape) do not match widths \(visualWidth), \(otherWidth)")
        let scale = 1 / Float(innerWidth).squareRoot()
        let scores = theta(visual).matmul(phi(tokens), transposeB: true) * scale   // [batch, N, La]
        let weights = gate == .softmax ? scores.softmax(alongAxis: -1) : scores.sigmoid()
        lastWeights = weights.detached()
        return visual + output(weights.matmul(g(tokens)))
    }
}
