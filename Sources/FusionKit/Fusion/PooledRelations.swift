/// The relation network's g_θ summed over all pairs, as one graph node that never holds the
/// pair tensors whole.
///
/// With N objects, g_θ runs on N² pairs per example: for Sort-of-CLEVR's 25 cells, a batch of
/// 1,280 questions and 128 hidden units, each layer's activations are [1280·625, 128] = 410 MB,
/// and the composed version (broadcast add, relu, Linear, relu, …, sum) keeps every one of them
/// for backward and streams each through memory several times. This node works through the batch
/// in chunks of a few thousand pairs, small enough to stay in cache between the GEMM and the
/// element-wise passes around it, and shares the chunks out among the cores (each with its own
/// scratch buffers and single-threaded GEMMs, as `conv2d` does with images):
///
/// - forward: r₀ = relu(A_i + B_j + Q) for the chunk's pairs, then each Linear (bias written
///   first, sgemm adds the product) and relu in place, then the chunk's rows summed into the
///   output. It keeps for backward only the hidden layers r₁ … r_{L−1} (the next layer's GEMM
///   input) and one byte per element of r_L (where it is positive); r₀ is recomputed from A, B, Q.
/// - backward, chunk by chunk: g_L = scale·G·[r_L > 0]; for each layer, dW += gᵀ·input,
///   db += Σ g, g ← (g·W)·[input > 0]; finally dA_i = Σ_j g₀, dB_j = Σ_i g₀, dQ = Σ_ij g₀.
///
/// Memory: (L − 1) float tensors and one byte tensor of the pairs' size instead of 2L + 1 or
/// more; inference keeps nothing but three chunk buffers.
enum PooledRelations {
    /// Pairs per chunk (rounded to whole examples): 4,096 rows of 128 floats = 2 MiB a buffer.
    static let targetChunkRows = 4096

    /// scale · Σ_{i,j} g(A[:, i] + B[:, j] + Q) with g = (relu ∘ Linear_L) ∘ … ∘ (relu ∘ Linear_1) ∘ relu.
    /// `a`, `b`: [batch, N, h₀]; `q`: [batch, h₀]; `weights[l]`: [h_{l+1}, h_l]; `biases[l]`: [h_{l+1}].
    /// Returns [batch, h_L]. `chunkExamples` overrides the chunk size (for tests).
    static func apply(a: Tensor, b: Tensor, q: Tensor, weights: [Tensor], biases: [Tensor], scale: Float,
                      chunkExamples: Int? = nil) -> Tensor {
        let (batch, n, width0) = (a.shape[0], a.shape[1], a.shape[2])
        precondition(a.rank == 3 && b.shape == a.shape && q.shape == [batch, width0] && weights.count == biases.count,
                     "pooledRelations: A \(a.shape), B \(b.shape), Q \(q.shape) do not match")
        var widths = [width0]
        for (weight, bias) in zip(weights, biases) {
            precondition(weight.rank == 2 && weight.shape[1] == widths.last! && bias.shape == [weight.shape[0]],
                         "pooledRelations: layer weight \(weight.shape) and bias \(bias.shape) after width \(widths.last!)")
            widths.append(weight.shape[0])
        }
        let layerCount = weights.count, pairs = n * n, outputWidth = widths.last!
        let inputs = [a, b, q] + zip(weights, biases).flatMap { [$0, $1] }
        let recording = Autograd.shouldRecord(inputs)

        let tape = recording ? Tape(batch: batch, pairs: pairs, widths: widths) : nil
        let output = Tensor(repeating: 0, shape: [batch, outputWidth])
        let plan = ChunkPlan(batch: batch, pairs: pairs, examplesPerChunk: chunkExamples)
        // The tape's hidden layers r₁ … r_{L−1} when recording (fresh, written below), else none.
        let hidden = tape?.hidden ?? []
        withPointers(a, b, q) { pa, pb, pq in
            withPointers(weights) { weightPointers in withPointers(biases) { biasPointers in
                withFreshPointers(hidden) { hiddenPointers in output.withFreshPointer { out in
                    // Chunks are shared out among the cores, each with its own scratch buffers and
                    // single-threaded GEMMs; every chunk writes only its own examples' rows.
                    plan.run { chunkIndices in
                        ChunkBuffers.with(rows: plan.examplesPerChunk * pairs, width: widths.max()!) { buffers in
                            for chunkIndex in chunkIndices {
                                let examples = plan.examples(chunkIndex)
                                let rows = examples.count * pairs
                                var input = buffers.first
                                fillFirstLayer(a: pa, b: pb, q: pq, examples: examples, n: n, width: width0, into: input)
                                for layer in 0..<layerCount {
                                    let target = layer < hiddenPointers.count
                                        ? hiddenPointers[layer] + examples.lowerBound * pairs * widths[layer + 1]
                                        : buffers.other(than: input)
                                    affine(input, weight: weightPointers[layer], bias: biasPointers[layer], rows: rows,
                                           inputWidth: widths[layer], outputWidth: widths[layer + 1], into: target)
                                    if layer < layerCount - 1 { reluInPlace(target, count: rows * widths[layer + 1]) }
                                    input = target
                                }
                                let mask = layerCount > 0 ? tape.map { $0.mask + examples.lowerBound * pairs * outputWidth } : nil
                                poolRelu(input, examples: examples, pairs: pairs, width: outputWidth, scale: scale,
                                         applyRelu: layerCount > 0, mask: mask, into: out)
                            }
                        }
                    }
                } }
            } }
        }
        guard let tape else { return output }
        return output.recorded("pooledRelations", inputs: inputs) { g in
            backward(g, a: a, b: b, q: q, weights: weights, biases: biases, scale: scale, plan: plan, tape: tape)
        }
    }

    /// How the batch is cut into chunks: about `targetChunkRows` pairs each, and at least one
    /// chunk per core, in a count that shares out evenly among the cores.
    struct ChunkPlan {
        let batch: Int, examplesPerChunk: Int, count: Int
        /// Whether the chunks are shared out among the cores (each chunk's GEMMs and element-wise
        /// passes on one core) rather than walked on this thread with each GEMM split: from one
        /// chunk per core up, since the element-wise passes then run in parallel too (Docs/
        /// Benchmarks.md, "Relation pairs on both cores at batch 1").
        let sharedOut: Bool

        init(batch: Int, pairs: Int, examplesPerChunk requested: Int?) {
            self.batch = batch
            let workers = Swift.max(1, Swift.min(BLAS.threadCount, Parallel.threadCount))
            if let requested {
                examplesPerChunk = Swift.max(1, requested)
            } else {
                let bySize = Swift.max(1, targetChunkRows / Swift.max(pairs, 1))
                var chunks = Swift.max(workers, (batch + bySize - 1) / bySize)
                chunks = (chunks + workers - 1) / workers * workers
                examplesPerChunk = Swift.max(1, (batch + chunks - 1) / chunks)
            }
            count = (batch + examplesPerChunk - 1) / examplesPerChunk
            sharedOut = count >= workers
        }

        /// Calls `body` with ranges of chunk indices covering all chunks: one per core when the
        /// chunks are shared out (BLAS single-threaded inside), else one range on this thread.
        func run(_ body: (Range<Int>) -> Void) {
            if sharedOut { BLAS.parallelChunks(count: count, body) } else { body(0..<count) }
        }

        /// `run` for bodies that return partial sums (weight gradients), added up across cores.
        func runSumming(_ body: (Range<Int>) -> [Tensor?]) -> [Tensor?] {
            sharedOut ? BLAS.parallelPartialSums(count: count, body) : body(0..<count)
        }

        func examples(_ index: Int) -> Range<Int> {
            (index * examplesPerChunk)..<Swift.min((index + 1) * examplesPerChunk, batch)
        }
    }

    /// What forward keeps for backward.
    final class Tape {
        /// r₁ … r_{L−1}, each [batch·N², h_l].
        let hidden: [Tensor]
        /// One byte per element of the last layer's output: 1 where it is positive.
        let mask: UnsafeMutablePointer<UInt8>

        init(batch: Int, pairs: Int, widths: [Int]) {
            hidden = widths.dropFirst().dropLast().map { Tensor(uninitializedShape: [batch * pairs, $0]) }
            // Without hidden layers the output is r₀ itself, which backward recomputes.
            mask = .allocate(capacity: widths.count > 1 ? Swift.max(1, batch * pairs * widths.last!) : 1)
        }

        deinit { mask.deallocate() }
    }

    /// Three scratch buffers of one chunk's rows at the widest layer. The pointers are valid
    /// only inside the closure given to `with`, which keeps the tensors behind them alive.
    struct ChunkBuffers {
        let first: UnsafeMutablePointer<Float>, second: UnsafeMutablePointer<Float>, third: UnsafeMutablePointer<Float>

        /// Calls `body` with three fresh buffers of `rows` × `width` floats.
        static func with<R>(rows: Int, width: Int, _ body: (ChunkBuffers) throws -> R) rethrows -> R {
            let scratch = (0..<3).map { _ in Tensor(uninitializedShape: [Swift.max(1, rows * width)]) }
            return try withFreshPointers(scratch[0], scratch[1], scratch[2]) { first, second, third in
                try body(ChunkBuffers(first: first, second: second, third: third))
            }
        }

        /// A buffer different from `buffer` and from `alsoNot`.
        func other(than buffer: UnsafeMutablePointer<Float>, alsoNot: UnsafeMutablePointer<Float>? = nil) -> UnsafeMutablePointer<Float> {
            for candidate in [first, second, third] where candidate != buffer && candidate != alsoNot { return candidate }
            preconditionFailure("pooledRelations: no free chunk buffer")
        }
    }

    /// r₀ rows of `examples`: relu(A[e, i] + B[e, j] + Q[e]) at row ((e − first)·N + i)·N + j.
    static func fillFirstLayer(a: UnsafePointer<Float>, b: UnsafePointer<Float>, q: UnsafePointer<Float>,
                               examples: Range<Int>, n: Int, width: Int, into target: UnsafeMutablePointer<Float>) {
        for group in 0..<(examples.count * n) {
            let example = examples.lowerBound + group / n, i = group % n
            let ai = a + (example * n + i) * width, qe = q + example * width
            for j in 0..<n {
                let bj = b + (example * n + j) * width
                let row = target + (group * n + j) * width
                for k in 0..<width { row[k] = Swift.max(0, ai[k] + bj[k] + qe[k]) }
            }
        }
    }

    /// target = input·Wᵀ + bias for `rows` rows.
    static func affine(_ input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                       rows: Int, inputWidth: Int, outputWidth: Int, into target: UnsafeMutablePointer<Float>) {
        for row in 0..<rows { (target + row * outputWidth).update(from: bias, count: outputWidth) }
        Tensor.gemm(input, weight, target, m: rows, n: outputWidth, k: inputWidth, transposeA: false, transposeB: true, beta: 1)
    }

    static func reluInPlace(_ values: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { values[i] = Swift.max(0, values[i]) }
    }

    /// out[e] += scale · Σ over example e's rows of relu(values) (or of values, without `applyRelu`),
    /// writing where the relu passed into `mask`.
    static func poolRelu(_ values: UnsafeMutablePointer<Float>, examples: Range<Int>, pairs: Int, width: Int, scale: Float,
                         applyRelu: Bool, mask: UnsafeMutablePointer<UInt8>?, into out: UnsafeMutablePointer<Float>) {
        var sums = [Float](repeating: 0, count: width)
        sums.withUnsafeMutableBufferPointer { sums in
            for local in 0..<examples.count {
                for k in 0..<width { sums[k] = 0 }
                for pair in 0..<pairs {
                    let offset = (local * pairs + pair) * width
                    let row = values + offset
                    if applyRelu {
                        for k in 0..<width { sums[k] += Swift.max(0, row[k]) }
                        if let mask {
                            let bits = mask + offset
                            for k in 0..<width { bits[k] = row[k] > 0 ? 1 : 0 }
                        }
                    } else {
                        for k in 0..<width { sums[k] += row[k] }
                    }
                }
                let target = out + (examples.lowerBound + local) * width
                for k in 0..<width { target[k] += scale * sums[k] }
            }
        }
    }
}

extension PooledRelations {
    /// The gradients of [A, B, Q, W₁, b₁, …] for the output's gradient `g` [batch, h_L].
    static func backward(_ g: Tensor, a: Tensor, b: Tensor, q: Tensor, weights: [Tensor], biases: [Tensor], scale: Float,
                         plan: ChunkPlan, tape: Tape) -> [Tensor?] {
        let (n, width0) = (a.shape[1], a.shape[2])
        let pairs = n * n, layerCount = weights.count
        let widths = [width0] + weights.map { $0.shape[0] }
        let needsPairGradient = a.requiresGradient || b.requiresGradient || q.requiresGradient
        let gradientA = Tensor.zeros(a.shape), gradientB = Tensor.zeros(b.shape)
        let outputWidth = widths.last!
        let sums = withPointers(g, a, b, q) { upstream, pa, pb, pq in
            withPointers(weights) { weightPointers in withPointers(tape.hidden) { hiddenPointers in
                withFreshPointers(gradientA, gradientB) { intoA, intoB in
                    // Each core sums its chunks' weight and bias gradients on its own; they are
                    // added at the end. Object and question gradients are per example, so chunks
                    // write them directly.
                    plan.runSumming { chunkIndices in
                        let weightGradients = weights.map { Tensor.zeros($0.shape) }
                        let biasGradients = biases.map { Tensor.zeros($0.shape) }
                        ChunkBuffers.with(rows: plan.examplesPerChunk * pairs, width: widths.max()!) { buffers in
                            withFreshPointers(weightGradients) { weightGradientPointers in
                                withFreshPointers(biasGradients) { biasGradientPointers in
                                    for chunkIndex in chunkIndices {
                                        let examples = plan.examples(chunkIndex), first = examples.lowerBound
                                        let rows = examples.count * pairs
                                        // The last layer's gradient: scale·G[e] wherever its relu passed.
                                        var gradient = buffers.first
                                        let passed: (UnsafePointer<UInt8>)? =
                                            layerCount > 0 ? UnsafePointer(tape.mask + first * pairs * outputWidth) : nil
                                        var firstLayer: UnsafeMutablePointer<Float>?
                                        if layerCount == 0 {
                                            firstLayer = buffers.second
                                            fillFirstLayer(a: pa, b: pb, q: pq, examples: examples, n: n, width: width0, into: firstLayer!)
                                        }
                                        spreadUpstream(upstream, examples: examples, pairs: pairs, width: outputWidth, scale: scale,
                                                       passed: passed, positive: firstLayer.map { UnsafePointer($0) }, into: gradient)
                                        for layer in stride(from: layerCount - 1, through: 0, by: -1) {
                                            let inputWidth = widths[layer], width = widths[layer + 1]
                                            let input: UnsafePointer<Float>
                                            if layer == 0 {
                                                let buffer = buffers.other(than: gradient)
                                                fillFirstLayer(a: pa, b: pb, q: pq, examples: examples, n: n, width: width0, into: buffer)
                                                firstLayer = buffer
                                                input = UnsafePointer(buffer)
                                            } else {
                                                input = hiddenPointers[layer - 1] + first * pairs * inputWidth
                                            }
                                            if weights[layer].requiresGradient {
                                                Tensor.gemm(gradient, input, weightGradientPointers[layer], m: width, n: inputWidth, k: rows,
                                                            transposeA: true, transposeB: false, beta: 1)
                                            }
                                            if biases[layer].requiresGradient {
                                                addColumnSums(gradient, rows: rows, width: width, into: biasGradientPointers[layer])
                                            }
                                            if layer == 0 && !needsPairGradient { break }
                                            let next = buffers.other(than: gradient, alsoNot: layer == 0 ? firstLayer : nil)
                                            Tensor.gemm(gradient, weightPointers[layer], next, m: rows, n: inputWidth, k: width,
                                                        transposeA: false, transposeB: false)
                                            maskWherePositive(next, by: input, count: rows * inputWidth)
                                            gradient = next
                                        }
                                        if needsPairGradient {
                                            spreadToObjects(gradient, examples: examples, n: n, width: width0, intoA: intoA, intoB: intoB)
                                        }
                                    }
                                }
                            }
                        }
                        return weightGradients + biasGradients
                    }
                }
            } }
        }
        let weightGradients = Array(sums[..<layerCount]), biasGradients = Array(sums[layerCount...])
        // dQ[e] = Σ_ij g₀ = Σ_i dA[e, i].
        let gradientQ = q.requiresGradient ? gradientA.sum(alongAxes: 1) : nil
        var result: [Tensor?] = [a.requiresGradient ? gradientA : nil, b.requiresGradient ? gradientB : nil, gradientQ]
        for layer in 0..<layerCount {
            result.append(weights[layer].requiresGradient ? weightGradients[layer] : nil)
            result.append(biases[layer].requiresGradient ? biasGradients[layer] : nil)
        }
        return result
    }

    /// target row r of example e = scale·G[e] where the last relu passed (`passed` bytes, or
    /// `positive` > 0 when g has no hidden layers), else 0.
    static func spreadUpstream(_ upstream: UnsafePointer<Float>, examples: Range<Int>, pairs: Int, width: Int, scale: Float,
                               passed: UnsafePointer<UInt8>?, positive: UnsafePointer<Float>?,
                               into target: UnsafeMutablePointer<Float>) {
        var scaled = [Float](repeating: 0, count: width)
        scaled.withUnsafeMutableBufferPointer { scaled in
            for local in 0..<examples.count {
                let source = upstream + (examples.lowerBound + local) * width
                for k in 0..<width { scaled[k] = scale * source[k] }
                for pair in 0..<pairs {
                    let offset = (local * pairs + pair) * width
                    let row = target + offset
                    if let passed {
                        let bits = passed + offset
                        for k in 0..<width { row[k] = bits[k] != 0 ? scaled[k] : 0 }
                    } else if let positive {
                        let values = positive + offset
                        for k in 0..<width { row[k] = values[k] > 0 ? scaled[k] : 0 }
                    }
                }
            }
        }
    }

    /// gradient[i] = 0 where activation[i] ≤ 0 (relu's backward from its output).
    static func maskWherePositive(_ gradient: UnsafeMutablePointer<Float>, by activation: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { gradient[i] = activation[i] > 0 ? gradient[i] : 0 }
    }

    /// sums[k] += Σ_rows values[row, k].
    static func addColumnSums(_ values: UnsafePointer<Float>, rows: Int, width: Int, into sums: UnsafeMutablePointer<Float>) {
        for row in 0..<rows {
            let source = values + row * width
            for k in 0..<width { sums[k] += source[k] }
        }
    }

    /// dA[e, i] += Σ_j g₀[e, i, j], dB[e, j] += Σ_i g₀[e, i, j] for the chunk's examples.
    static func spreadToObjects(_ gradient: UnsafePointer<Float>, examples: Range<Int>, n: Int, width: Int,
                                intoA: UnsafeMutablePointer<Float>, intoB: UnsafeMutablePointer<Float>) {
        for local in 0..<examples.count {
            let example = examples.lowerBound + local
            for i in 0..<n {
                let ai = intoA + (example * n + i) * width
                for j in 0..<n {
                    let row = gradient + ((local * n + i) * n + j) * width
                    let bj = intoB + (example * n + j) * width
                    for k in 0..<width {
                        ai[k] += row[k]
                        bj[k] += row[k]
                    }
                }
            }
        }
    }
}
