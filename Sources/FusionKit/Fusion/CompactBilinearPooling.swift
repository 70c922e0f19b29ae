/// Multimodal compact bilinear pooling (MCB, Fukui et al. 2016): the outer product x ⊗ y is
/// approximated in D dimensions by count sketches (Charikar et al. 2002) whose circular
/// convolution equals the sketch of the outer product:
///
///     Ψ(v)[h(j)] += s(j)·v[j]  (h random in 0..<D, s random ±1, fixed per modality)
///     z = Ψ(x) ⊛ Ψ(y) = IFFT(FFT(Ψ(x)) ⊙ FFT(Ψ(y)))
///     optionally z ← sign(z)·√|z| and z ← z / ‖z‖₂, as in the paper
///
/// The hashes and signs are buffers (keys `hash_x`, `sign_x`, `hash_y`, `sign_y`), so a checkpoint
/// restores the same projection. The FFTs run on FFTW (Debian's libfftw3-dev).
public final class CompactBilinearPooling: Module, FusionStrategy {
    public let widths: [Int]
    public let dimension: Int
    public let normalize: Bool
    let hashX: Buffer, signX: Buffer, hashY: Buffer, signY: Buffer

    public init(widths: [Int], dimension: Int, normalize: Bool = true, generator: inout RandomGenerator) {
        precondition(widths.count == 2 && dimension > 0, "CompactBilinearPooling: two modalities and a positive dimension")
        self.widths = widths
        self.dimension = dimension
        self.normalize = normalize
        func hashes(_ count: Int) -> Tensor { Tensor((0..<count).map { _ in Float(generator.next() % UInt64(dimension)) }) }
        func signs(_ count: Int) -> Tensor { Tensor((0..<count).map { _ in generator.next() & 1 == 0 ? Float(1) : -1 }) }
        hashX = Buffer(hashes(widths[0]))
        signX = Buffer(signs(widths[0]))
        hashY = Buffer(hashes(widths[1]))
        signY = Buffer(signs(widths[1]))
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(widths: [Int], dimension: Int, normalize: Bool = true) {
        var generator = Random.splitGenerator()
        self.init(widths: widths, dimension: dimension, normalize: normalize, generator: &generator)
    }

    public override func namedOwnBuffers() -> [(String, Buffer)] {
        [("hash_x", hashX), ("sign_x", signX), ("hash_y", hashY), ("sign_y", signY)]
    }

    public func fuse(_ inputs: [Tensor]) -> Tensor {
        checkWidths(inputs, widths, op: "CompactBilinearPooling")
        precondition(inputs.allSatisfy { $0.rank == 2 }, "CompactBilinearPooling: expected [batch, width] inputs, got \(inputs.map(\.shape))")
        let sketchX = inputs[0].countSketch(hash: hashX.value, sign: signX.value, dimension: dimension)
        let sketchY = inputs[1].countSketch(hash: hashY.value, sign: signY.value, dimension: dimension)
        var z = sketchX.circularConvolution(sketchY)
        if normalize {
            z = z.sign() * (z.abs() + 1e-8).sqrt()
            z = z / (z.square().sum(alongAxes: 1, keepingDimensions: true) + 1e-12).sqrt()
        }
        return z
    }
}

extension Tensor {
    /// The count sketch of each row of [rows, d] into D buckets: out[·, hash[j]] += sign[j]·x[·, j].
    /// Linear, so its backward is dx[·, j] = sign[j]·g[·, hash[j]].
    public func countSketch(hash: Tensor, sign: Tensor, dimension: Int) -> Tensor {
        precondition(rank == 2 && hash.shape == [shape[1]] && sign.shape == [shape[1]],
                     "countSketch: input \(shape) with hash \(hash.shape) and sign \(sign.shape)")
        let rows = shape[0], width = shape[1]
        let buckets = hash.scalars.map { value -> Int in
            let bucket = Int(exactly: value) ?? -1
            precondition(bucket >= 0 && bucket < dimension, "countSketch: hash \(value) outside 0..<\(dimension)")
            return bucket
        }
        let signs = sign.scalars
        var result = Tensor.zeros([rows, dimension])
        withPointer { source in
            result.withUnsafeMutablePointer { out in
                for r in 0..<rows { for j in 0..<width { out[r * dimension + buckets[j]] += signs[j] * source[r * width + j] } }
            }
        }
        return recordUnary("countSketch", result) { g in
            let gradient = Tensor(uninitializedShape: [rows, width])
            g.withPointer { from in
                gradient.withFreshPointer { into in
                    for r in 0..<rows { for j in 0..<width { into[r * width + j] = signs[j] * from[r * dimension + buckets[j]] } }
                }
            }
            return gradient
        }
    }
}
