/// The pooling steps sentence-transformers puts after a transformer to turn token states into one
/// vector per sentence.
public enum SentenceEmbedding {
    /// The mean of `hidden` [batch, length, width] over the tokens whose `mask` [batch, length]
    /// is 1 (padding excluded), as sentence-transformers' `Pooling(pooling_mode_mean_tokens)`:
    /// Σ hᵢ·mᵢ / max(Σ mᵢ, 1e-9). Differentiable in `hidden`.
    public static func meanPooling(_ hidden: Tensor, mask: Tensor) -> Tensor {
        precondition(hidden.rank == 3 && mask.shape == Array(hidden.shape.prefix(2)),
                     "SentenceEmbedding.meanPooling: states \(hidden.shape) and mask \(mask.shape) do not fit [batch, length, width] and [batch, length]")
        let weights = mask.reshaped(mask.shape + [1])
        let counts = withoutGradient { mask.sum(alongAxes: 1, keepingDimensions: true).clamp(min: 1e-9) }
        return (hidden * weights).sum(alongAxes: 1) / counts
    }

    /// Each row of `x` [batch, width] divided by its Euclidean length (at least 1e-12), as
    /// `torch.nn.functional.normalize(x, p=2, dim=1)` and sentence-transformers' `Normalize`.
    public static func l2Normalized(_ x: Tensor) -> Tensor {
        precondition(x.rank == 2, "SentenceEmbedding.l2Normalized: expected [batch, width], got \(x.shape)")
        return x / x.square().sum(alongAxes: 1, keepingDimensions: true).sqrt().clamp(min: 1e-12)
    }

    /// Cosine similarities [a, b] between the rows of `a` [a, width] and of `b` [b, width].
    public static func cosineSimilarities(_ a: Tensor, _ b: Tensor) -> Tensor {
        l2Normalized(a).matmul(l2Normalized(b), transposeB: true)
    }
}
