/// How a loss combines its per-element values.
public enum Reduction: Sendable {
    /// The average over elements (over non-ignored targets for classification losses).
    case mean
    /// The total.
    case sum
    /// One value per element, unreduced.
    case none
}

/// Cross-entropy between logits [N, C] (or [N, C, d…]) and class indices [N] ([N, d…]), as
/// torch.nn.functional.cross_entropy: −log softmax(logits)[target], with optional label
/// smoothing ε (the target distribution puts 1 − ε on the class and ε/C on every class) and an
/// index whose targets are ignored (they add nothing and do not count in the mean).
public func crossEntropyLoss(logits: Tensor, targets: Tensor, labelSmoothing: Float = 0,
                             ignoreIndex: Int? = nil, reduction: Reduction = .mean) -> Tensor {
    precondition(logits.rank >= 2, "crossEntropyLoss: logits must be [N, C, …], got \(logits.shape)")
    precondition(labelSmoothing >= 0 && labelSmoothing <= 1, "crossEntropyLoss: label smoothing \(labelSmoothing) outside [0, 1]")
    return negativeLogLikelihoodLoss(logProbabilities: logits.logSoftmax(alongAxis: 1), targets: targets,
                                     labelSmoothing: labelSmoothing, ignoreIndex: ignoreIndex, reduction: reduction)
}

/// The negative log-likelihood of class indices under log-probabilities [N, C] (or [N, C, d…]),
/// as torch.nn.functional.nll_loss (with cross-entropy's label smoothing available too).
public func negativeLogLikelihoodLoss(logProbabilities: Tensor, targets: Tensor, labelSmoothing: Float = 0,
                                      ignoreIndex: Int? = nil, reduction: Reduction = .mean) -> Tensor {
    let classes = logProbabilities.shape[1]
    var expectedTargets = logProbabilities.shape
    expectedTargets.remove(at: 1)
    precondition(targets.shape == expectedTargets,
                 "negativeLogLikelihoodLoss: targets of shape \(targets.shape) for log-probabilities of shape \(logProbabilities.shape)")
    // Ignored targets pick class 0 and are then masked out.
    var keep = [Float](repeating: 1, count: targets.count)
    let safeTargets = targets.scalars.enumerated().map { position, value -> Float in
        let index = Int(exactly: value) ?? -1
        if let ignoreIndex, index == ignoreIndex { keep[position] = 0; return 0 }
        precondition(index >= 0 && index < classes,
                     "negativeLogLikelihoodLoss: target \(value) is not a class index in 0..<\(classes)")
        return Float(index)
    }
    let mask = Tensor(keep, shape: targets.shape)
    let picked = logProbabilities.gather(alongAxis: 1, indices: Tensor(safeTargets, shape: targets.shape).expandingShape(at: 1))
        .squeezingShape(at: [1])
    var perElement = -picked * (1 - labelSmoothing)
    if labelSmoothing > 0 {
        perElement = perElement - logProbabilities.mean(alongAxes: 1) * labelSmoothing
    }
    perElement = perElement * mask
    switch reduction {
    case .none: return perElement
    case .sum: return perElement.sum()
    case .mean: return perElement.sum() / Swift.max(keep.reduce(0, +), 1)
    }
}

/// Binary cross-entropy on logits, as torch.nn.functional.binary_cross_entropy_with_logits:
/// −[p·y·log σ(x) + (1 − y)·log(1 − σ(x))], computed stably as
/// (1 − y)·x + (1 + (p − 1)·y)·softplus(−x). `positiveWeight` p broadcasts over the last axis.
public func binaryCrossEntropyWithLogitsLoss(logits: Tensor, targets: Tensor, positiveWeight: Tensor? = nil,
                                             reduction: Reduction = .mean) -> Tensor {
    precondition(logits.shape == targets.shape,
                 "binaryCrossEntropyWithLogitsLoss: logits \(logits.shape) and targets \(targets.shape) differ")
    // softplus(−x) = log(1 + e^−x) = max(−x, 0) + log(1 + e^−|x|)
    let softplusOfNegative = (-logits).relu() + (logits.abs() * -1).exp().log1p()
    let weightOfLog = positiveWeight.map { 1 + ($0 - 1) * targets } ?? Tensor(1)
    return reduce((1 - targets) * logits + weightOfLog * softplusOfNegative, reduction)
}

/// The mean (or sum) of squared differences, as torch.nn.functional.mse_loss.
public func meanSquaredErrorLoss(predictions: Tensor, targets: Tensor, reduction: Reduction = .mean) -> Tensor {
    reduce((predictions - targets).square(), reduction)
}

/// The mean (or sum) of absolute differences, as torch.nn.functional.l1_loss.
public func l1Loss(predictions: Tensor, targets: Tensor, reduction: Reduction = .mean) -> Tensor {
    reduce((predictions - targets).abs(), reduction)
}

private func reduce(_ values: Tensor, _ reduction: Reduction) -> Tensor {
    switch reduction {
    case .none: return values
    case .sum: return values.sum()
    case .mean: return values.mean()
    }
}
