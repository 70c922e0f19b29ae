import CBLASBaseline
import FusionKit
import Foundation

/// A benchmark workload: its name (also the key the PyTorch peer uses), the sizes the peer
/// needs to build the same inputs, and how to time FusionKit and the local reference.
struct Workload {
    var name: String
    var sizes: [Int]
    var run: () -> Record
}

enum Workloads {
    /// Matrix products m×k×n: FusionKit's `matmul` against a raw `cblas_sgemm` call on
    /// preallocated buffers.
    static func matmul(m: Int, k: Int, n: Int) -> Workload {
        let name = "matmul \(m)x\(k)x\(n)"
        return Workload(name: name, sizes: [m, k, n]) {
            var generator = RandomGenerator(seed: 7)
            let a = Tensor.randomNormal([m, k], generator: &generator)
            let b = Tensor.randomNormal([k, n], generator: &generator)
            let rawA = a.scalars, rawB = b.scalars
            var rawC = [Float](repeating: 0, count: m * n)
            let (fusionKit, raw) = Timing.sideBySide({
                _ = a.matmul(b)
            }, {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                            rawA, Int32(k), rawB, Int32(n), 0, &rawC, Int32(n))
            })
            let flops = 2 * Double(m) * Double(k) * Double(n)
            return Record(name: name, fusionkitSeconds: fusionKit, reference: "cblas_sgemm", referenceSeconds: raw,
                          ratio: fusionKit / raw, throughput: flops / fusionKit / 1e9, throughputUnit: "GFLOP/s")
        }
    }

    /// An element-wise or reduction op on `count` elements, against a memcpy of the same
    /// number of bytes (the speed of memory for that traffic).
    static func memoryBound(_ op: String, count: Int, label: String) -> Workload {
        let name = "\(op) \(label)"
        return Workload(name: name, sizes: [count]) {
            var generator = RandomGenerator(seed: 8)
            let a = Tensor.randomNormal([count], generator: &generator)
            let b = Tensor.randomNormal([count], generator: &generator)
            let body: () -> Void
            let bytes: Int
            switch op {
            case "add": body = { _ = a + b }; bytes = 12 * count
            case "mul": body = { _ = a * b }; bytes = 12 * count
            case "exp": body = { _ = a.exp() }; bytes = 8 * count
            case "sum": body = { _ = a.sum() }; bytes = 4 * count
            default: fatalError("bench: unknown memory-bound op \(op)")
            }
            // The same traffic as a plain copy: read bytes/2 … write the rest (at least one read).
            let copyBytes = max(bytes / 2, 4)
            let source = UnsafeMutableRawPointer.allocate(byteCount: copyBytes, alignment: 64)
            let target = UnsafeMutableRawPointer.allocate(byteCount: copyBytes, alignment: 64)
            source.initializeMemory(as: UInt8.self, repeating: 1, count: copyBytes)
            defer { source.deallocate(); target.deallocate() }
            let (fusionKit, copy) = Timing.sideBySide(body, { memcpy(target, source, copyBytes); blackHole(target) })
            return Record(name: name, fusionkitSeconds: fusionKit, reference: "memcpy", referenceSeconds: copy,
                          ratio: fusionKit / copy, throughput: Double(bytes) / fusionKit / 1e9, throughputUnit: "GB/s")
        }
    }

    /// A tiny op where fixed costs (allocation, shape checks, dispatch) dominate.
    static func smallAdd(rows: Int, columns: Int) -> Workload {
        let name = "add \(rows)x\(columns)"
        return Workload(name: name, sizes: [rows, columns]) {
            var generator = RandomGenerator(seed: 9)
            let a = Tensor.randomNormal([rows, columns], generator: &generator)
            let b = Tensor.randomNormal([rows, columns], generator: &generator)
            let seconds = Timing.secondsPerCall { _ = a + b }
            return Record(name: name, fusionkitSeconds: seconds)
        }
    }

    /// A Linear layer's forward and backward (input, weight and bias gradients), as one
    /// training step of that layer would run it.
    static func linearTraining(batch: Int, inputs: Int, outputs: Int) -> Workload {
        let name = "linear fwd+bwd \(batch)x\(inputs)x\(outputs)"
        return Workload(name: name, sizes: [batch, inputs, outputs]) {
            var generator = RandomGenerator(seed: 10)
            let layer = Linear(inputs, outputs, generator: &generator)
            let x = Tensor.randomNormal([batch, inputs], generator: &generator).requiringGradient()
            let upstream = Tensor.randomNormal([batch, outputs], generator: &generator)
            let parameters = layer.parameters()  // as an optimizer holds them
            let (seconds, floor, operations) = ProductFloor.time {
                for parameter in parameters { parameter.zeroGradient() }
                x.gradient = nil
                layer(x).backward(upstream)
            }
            // Three GEMMs of batch·in·out multiply-adds each.
            let flops = 6 * Double(batch) * Double(inputs) * Double(outputs)
            return Record(name: name, fusionkitSeconds: seconds, throughput: flops / seconds / 1e9, throughputUnit: "GFLOP/s",
                          floorSeconds: floor, operations: operations, gflops: operations / seconds / 1e9)
        }
    }

    static func all(quick: Bool) -> [Workload] {
        var list: [Workload] = []
        let squares = quick ? [64, 256, 1024] : [64, 128, 256, 512, 1024, 2048]
        list += squares.map { matmul(m: $0, k: $0, n: $0) }
        list += [matmul(m: 64, k: 600, n: 256), matmul(m: 1600, k: 256, n: 256), matmul(m: 256, k: 512, n: 512),
                 matmul(m: 256, k: 1024, n: 1024)]
        // The relation network's hidden g_θ layer at batch-1 inference (20 questions × 625 pairs):
        // two of these are the floor under "vqa-infer1 relation-network" on both sides.
        list.append(matmul(m: 12_500, k: 128, n: 128))
        list += ["add", "mul", "exp", "sum"].map { memoryBound($0, count: 1 << 20, label: "1M") }
        list.append(smallAdd(rows: 16, columns: 16))
        list += [linearTraining(batch: 256, inputs: 512, outputs: 512), linearTraining(batch: 256, inputs: 1024, outputs: 1024)]
        list += [convolutionTraining(batch: 64, inputChannels: 3, outputChannels: 24, size: 75, stride: 2, inputGradient: false),
                 convolutionTraining(batch: 64, inputChannels: 24, outputChannels: 24, size: 38, stride: 2, inputGradient: true)]
        // The image encoder of the FiLM, cross-attention, MFB and transformer models (RGB plus two
        // coordinate planes, 32 and 64 channels): the larger part of their training steps.
        list += [convolutionTraining(batch: 64, inputChannels: 5, outputChannels: 32, size: 75, stride: 2, inputGradient: false),
                 convolutionTraining(batch: 64, inputChannels: 32, outputChannels: 64, size: 38, stride: 2, inputGradient: true),
                 convolutionTraining(batch: 64, inputChannels: 64, outputChannels: 64, size: 19, stride: 1, inputGradient: true)]
        list.append(gruTraining(batch: 64, time: 12, inputs: 32, hidden: 64))
        list += [attentionTraining(batch: 64, queries: 12, keys: 25, width: 64, heads: 4),
                 attentionTraining(batch: 32, queries: 128, keys: 128, width: 256, heads: 8)]
        return list
    }
}

/// Keeps the optimiser from deleting a computation whose result is otherwise unused.
@inline(never) @_optimize(none)
func blackHole(_ pointer: UnsafeMutableRawPointer) {
    _ = pointer.load(as: UInt8.self)
}
