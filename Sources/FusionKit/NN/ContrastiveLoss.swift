/// CLIP's symmetric contrastive loss (InfoNCE) over a batch of matching pairs: `logitsPerText`
/// [N, N] holds temperature-scaled similarities of text i and image j, the matching pairs on the
/// diagonal. The loss is the mean of the cross-entropy of each text over the images (rows) and of
/// each image over the texts (columns), as Hugging Face's `clip_loss`:
///
///     L = ½ (CE(S, diag) + CE(Sᵀ, diag))
///
/// The temperature is learned when it is part of the logits (as `CLIPModel.logitScale` is).
public func contrastiveLoss(logitsPerText: Tensor) -> Tensor {
    precondition(logitsPerText.rank == 2 && logitsPerText.shape[0] == logitsPerText.shape[1],
                 "contrastiveLoss: expected square logits [N, N], got \(logitsPerText.shape)")
    let targets = Tensor.arange(Float(logitsPerText.shape[0]))
    return (crossEntropyLoss(logits: logitsPerText, targets: targets)
            + crossEntropyLoss(logits: logitsPerText.transposed(), targets: targets)) * 0.5
}

/// Retrieval metrics over a similarity matrix whose matching pairs lie on the diagonal.
public enum Retrieval {
    /// The fraction of queries (rows of `similarities` [queries, candidates], queries ≤ candidates)
    /// whose matching candidate (the same index) is among the `k` most similar. A tie with the
    /// match counts against it (the match must beat every candidate outside the top k).
    /// Image→text recall uses `logitsPerImage`, text→image `logitsPerText`.
    public static func recall(similarities: Tensor, k: Int) -> Float {
        precondition(similarities.rank == 2 && similarities.shape[0] <= similarities.shape[1] && k > 0,
                     "Retrieval.recall: similarities \(similarities.shape) and k \(k): expected [queries ≤ candidates] and k > 0")
        let (queries, candidates) = (similarities.shape[0], similarities.shape[1])
        guard queries > 0 else { return 0 }
        let values = similarities.scalars
        var hits = 0
        for row in 0..<queries {
            let match = values[row * candidates + row]
            let better = (0..<candidates).filter { $0 != row && values[row * candidates + $0] >= match }.count
            if better < k { hits += 1 }
        }
        return Float(hits) / Float(queries)
    }
}
