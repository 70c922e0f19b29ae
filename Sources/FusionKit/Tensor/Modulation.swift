/// Feature-wise modulation, the arithmetic of FiLM: every channel of every example scaled and
/// shifted by its own pair of numbers,
///
///     y[n, c, …] = x[n, c, …] · (scale[n, c] + scaleOffset) + shift[n, c]
///
/// with backward dx = g · (scale + scaleOffset), dscale[n, c] = Σ g·x, dshift[n, c] = Σ g (sums
/// over the positions "…" of the channel).
public enum ModulationPath: String, CaseIterable, Sendable {
    /// Broadcast multiply and add, as recorded operations: the definition, which every other path
    /// is tested against.
    case reference
    /// One pass over x forward, one node, and one pass over g and x backward (the composed
    /// version makes two passes forward and keeps a broadcast intermediate).
    case fused
}

extension Tensor {
    /// x·(scale + scaleOffset) + shift per channel of each example: x is [batch, channels, …],
    /// `scale` and `shift` are [batch, channels]. `scaleOffset` 1 gives FiLM's residual form
    /// (1 + γ).
    public func modulated(scale: Tensor, shift: Tensor, scaleOffset: Float = 0) -> Tensor {
        precondition(rank >= 2 && scale.shape == [shape[0], shape[1]] && shift.shape == scale.shape,
                     "modulated: input \(shape) needs scale and shift [\(rank >= 2 ? "\(shape[0]), \(shape[1])" : "batch, channels")], got \(scale.shape) and \(shift.shape)")
        let path = Tensor.forcedModulationPath ?? .fused
        KernelPathLog.record("modulated", path.rawValue)
        switch path {
        case .reference:
            let broadcastShape = [shape[0], shape[1]] + [Int](repeating: 1, count: rank - 2)
            let factors = scaleOffset == 0 ? scale : scale + scaleOffset
            return self * factors.reshaped(broadcastShape) + shift.reshaped(broadcastShape)
        case .fused:
            return fusedModulation(scale: scale, shift: shift, scaleOffset: scaleOffset)
        }
    }

    /// A path to run instead of the fused one, for tests (`Tensor.$forcedModulationPath.withValue(.reference) { … }`).
    @TaskLocal public static var forcedModulationPath: ModulationPath?

    private func fusedModulation(scale: Tensor, shift: Tensor, scaleOffset: Float) -> Tensor {
        let runs = shape[0] * shape[1], spatial = count / Swift.max(runs, 1)
        let result = Tensor(uninitializedShape: shape)
        withPointers(self, scale, shift) { x, s, t in
            result.withFreshPointer { y in
                // Runs of one channel of one example.
                Parallel.forEachChunk(count: runs, elementsEach: spatial) { range in
                    for run in range {
                        NormalizationKernels.affine(x + run * spatial, y + run * spatial, spatial,
                                                    factor: s[run] + scaleOffset, shift: t[run])
                    }
                }
            }
        }
        let inputs = [self, scale, shift]
        guard Autograd.shouldRecord(inputs) else { return result }
        let input = detached(), factors = scale.detached()
        let (wantInput, wantScale, wantShift) = (requiresGradient, scale.requiresGradient, shift.requiresGradient)
        return result.recorded("modulated", inputs: inputs) { gradient in
            let wantParameters = wantScale || wantShift
            let inputGradient = wantInput ? Tensor(uninitializedShape: input.shape) : nil
            let scaleGradient = Tensor(uninitializedShape: factors.shape), shiftGradient = Tensor(uninitializedShape: factors.shape)
            withPointers(gradient, input, factors) { g, x, s in
                withFreshPointers(scaleGradient, shiftGradient) { ds, dt in
                    inputGradient.withFreshPointer { dx in
                        Parallel.forEachChunk(count: runs, elementsEach: spatial) { range in
                            for run in range {
                                let offset = run * spatial
                                if let dx {
                                    NormalizationKernels.affine(g + offset, dx + offset, spatial, factor: s[run] + scaleOffset, shift: 0)
                                }
                                if wantParameters {
                                    let sums = NormalizationKernels.gradientSums(x + offset, g + offset, spatial, mean: 0)
                                    (ds[run], dt[run]) = (sums.product, sums.gradient)
                                }
                            }
                        }
                    }
                }
            }
            return [inputGradient, wantScale ? scaleGradient : nil, wantShift ? shiftGradient : nil]
        }
    }
}
