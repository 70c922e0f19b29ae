import FusionKit
import Foundation

/// BERT forward passes (MiniLM-L6-H384 and BERT-base shapes) at sequence length 32, beside the
/// same model in PyTorch (`transformers.BertModel` loading the folder written here, so both hold
/// the same weights) and beside the row's own GEMMs timed alone through `BLAS.gemm` (the kernel
/// FusionKit's layers use).
enum BertWorkloads {
    /// The folder of a benchmark model, written once with seeded random weights.
    static func folder(_ name: String) -> URL {
        benchFolder.appendingPathComponent("bert-\(name)")
    }

    /// Where `make bench` keeps its files (the JSON report's folder); the peer gets it too.
    nonisolated(unsafe) static var benchFolder = URL(fileURLWithPath: ".build/bench")

    static func configuration(_ name: String) -> BertConfiguration {
        var configuration = BertConfiguration()
        if name == "minilm" {
            (configuration.hiddenSize, configuration.layerCount, configuration.headCount, configuration.intermediateSize) = (384, 6, 12, 1536)
        }
        return configuration
    }

    /// Writes `config.json` and `model.safetensors` as `save_pretrained` would, unless present.
    static func writeFolder(_ name: String) throws {
        let url = folder(name)
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("model.safetensors").path) { return }
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let configuration = configuration(name)
        var generator = RandomGenerator(seed: 21)
        let model = BertModel(configuration, generator: &generator)
        let json: [String: Any] = [
            "model_type": "bert", "architectures": ["BertModel"], "vocab_size": configuration.vocabularySize,
            "hidden_size": configuration.hiddenSize, "num_hidden_layers": configuration.layerCount,
            "num_attention_heads": configuration.headCount, "intermediate_size": configuration.intermediateSize,
            "hidden_act": "gelu", "max_position_embeddings": configuration.maximumPositions,
            "type_vocab_size": configuration.tokenTypeCount, "layer_norm_eps": Double(configuration.layerNormEpsilon),
        ]
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).write(to: url.appendingPathComponent("config.json"))
        try model.save(to: url.appendingPathComponent("model.safetensors"))
    }

    /// Token ids both sides compute the same way: ids[b, t] = (31·b + 7·t) mod 30000 + 1000.
    static func ids(batch: Int, length: Int) -> Tensor {
        var values: [Float] = []
        for b in 0..<batch {
            for t in 0..<length { values.append(Float((31 * b + 7 * t) % 30_000 + 1_000)) }
        }
        return Tensor(values, shape: [batch, length])
    }

    static func forward(_ name: String, batch: Int, length: Int = 32) -> Workload {
        let label = "bert-forward \(name) b\(batch) s\(length)"
        return Workload(name: label, sizes: [batch, length]) {
            do { try writeFolder(name) } catch { fatalError("bench: cannot write \(folder(name).path): \(error)") }
            let model: BertModel
            do { model = try BertModel(folder: folder(name)) } catch { fatalError("bench: \(error)") }
            let input = ids(batch: batch, length: length)
            let mask = Tensor.ones([batch, length])
            let floor = GEMMFloor(model.configuration, rows: batch * length)
            let (seconds, gemms) = Timing.sideBySide({
                withoutGradient { _ = model(ids: input, attentionMask: mask) }
            }, { floor.run() })
            return Record(name: label, fusionkitSeconds: seconds, reference: "own GEMMs", referenceSeconds: gemms,
                          ratio: seconds / gemms, throughput: floor.flops / seconds / 1e9, throughputUnit: "GFLOP/s")
        }
    }

    /// The dense layers' products of one forward pass, on preallocated buffers: per layer the
    /// query, key, value and output projections (rows × E × E) and the feed-forward pair
    /// (rows × E × I, rows × I × E), each with a weight matrix of its own, as in the model (shared
    /// weights would stay in cache between layers and make the floor lower than any real model's).
    /// Attention's own small products are left out.
    final class GEMMFloor {
        let rows: Int, width: Int, inner: Int, layers: Int
        let input: [Float], hidden: [Float]
        /// Per layer: four E × E weights, then the E → I and I → E weights.
        let weights: [[[Float]]]
        var output: [Float]

        init(_ configuration: BertConfiguration, rows: Int) {
            (self.rows, width, inner, layers) = (rows, configuration.hiddenSize, configuration.intermediateSize, configuration.layerCount)
            input = [Float](repeating: 0.5, count: rows * width)
            hidden = [Float](repeating: 0.5, count: rows * inner)
            let (square, wide) = (width * width, width * inner)
            weights = (0..<layers).map { _ in
                [square, square, square, square, wide, wide].map { [Float](repeating: 0.01, count: $0) }
            }
            output = [Float](repeating: 0, count: rows * inner)
        }

        var flops: Double { Double(layers) * 2 * Double(rows) * Double(width) * (4 * Double(width) + 2 * Double(inner)) }

        func run() {
            let (m, e, i) = (rows, width, inner)
            for layer in weights {
                for square in layer[0..<4] {
                    BLAS.gemm(transposeA: false, transposeB: true, m: m, n: e, k: e, a: input, lda: e, b: square, ldb: e,
                              c: &output, ldc: e)
                }
                BLAS.gemm(transposeA: false, transposeB: true, m: m, n: i, k: e, a: input, lda: e, b: layer[4], ldb: e,
                          c: &output, ldc: i)
                BLAS.gemm(transposeA: false, transposeB: true, m: m, n: e, k: i, a: hidden, lda: i, b: layer[5], ldb: i,
                          c: &output, ldc: e)
            }
        }
    }

    /// Resident memory a fresh process gains by loading the folder, in a child process
    /// (`--bert-load-probe FOLDER`), against the weights file's size.
    static func loadingRecord(_ name: String) -> LoadingRecord {
        do { try writeFolder(name) } catch { fatalError("bench: cannot write \(folder(name).path): \(error)") }
        let file = folder(name).appendingPathComponent("model.safetensors")
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        let growth = MemoryProbe.peakBytes(of: "/proc/self/exe", ["--bert-load-probe", folder(name).path])
        return LoadingRecord(model: "bert \(name)", fileBytes: size, growthBytes: growth)
    }

    /// The child side of `loadingRecord`: loads the folder and reports the growth of resident memory.
    static func runLoadProbe(_ path: String) throws -> String {
        let before = MemoryProbe.residentBytes()
        let model = try BertModel(folder: URL(fileURLWithPath: path))
        let growth = MemoryProbe.residentBytes() - before
        withExtendedLifetime(model) {}
        return "{\"peak_bytes\": \(growth)}"
    }

    static let models = ["minilm", "base"]

    static func all() -> [Workload] {
        models.flatMap { name in [forward(name, batch: 1), forward(name, batch: 32)] }
    }
}
