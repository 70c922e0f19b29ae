/// The kernels `Attention.multiHead` can run. All compute softmax(scale·Q·Kᵀ + mask)·V per head
/// from rows [B, L, H·d] and return the same output and weights; they differ in how they walk
/// the heads.
public enum AttentionPath: String, CaseIterable, Sendable {
    /// The heads copied out into [B, H, L, d], `scaledDotProduct`'s batched products, and the
    /// result copied back. The plain path every other one is tested against, and the only one
    /// that draws dropout masks.
    case reference
    /// `interleavedHeads`: loops over every (element, head, query) in the rows' own layout. For
    /// a few query-key pairs per head, where even one GEMM call costs more than the work.
    case interleavedHeads
    /// `headGEMMs`: one GEMM per (element, head) for the scores and one for the output, reading
    /// and writing each head's columns in place through row strides. No copies of the rows.
    case headGEMMs
}

extension Attention {
    /// The path for `queries` over `keys` per head: pure, so tests can check the choice.
    public static func path(queries: Int, keys: Int, dropout: Float) -> AttentionPath {
        if dropout > 0 { return .reference }
        if queries * keys <= interleavedHeadsLimit { return .interleavedHeads }
        return .headGEMMs
    }

    /// A path to run instead of the chosen one, for tests and benchmarks comparing paths
    /// (`Attention.$forcedPath.withValue(.reference) { ... }`). A forced path that cannot honour
    /// the call's dropout falls back to `.reference`.
    @TaskLocal public static var forcedPath: AttentionPath?
}
