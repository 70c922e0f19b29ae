import Foundation

/// The JSON of the report and of the records the child processes print: snake_case keys
/// (`fusionkit_seconds`, `peak_bytes`, …), as Benchmarks/scripts/table.py and earlier reports read
/// them, from the fields' names, for every record alike.
enum ReportJSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}

/// One benchmark row: FusionKit's time for a workload beside a reference's on the same machine
/// in the same run.
struct Record: Codable {
    var name: String
    var fusionkitSeconds: Double
    /// What FusionKit is compared with: "cblas_sgemm", "memcpy" or "pytorch".
    var reference: String?
    var referenceSeconds: Double?
    /// fusionkitSeconds / referenceSeconds: below 1 means FusionKit is faster.
    var ratio: Double?
    /// PyTorch's time for the same workload when the peer ran.
    var pytorchSeconds: Double?
    var pytorchRatio: Double?
    /// ONNX Runtime's time for the same workload (the VQA inference rows), when installed.
    var onnxruntimeSeconds: Double?
    var onnxruntimeRatio: Double?
    /// Throughput of FusionKit's run: GFLOP/s for products, GB/s for memory-bound ops.
    var throughput: Double?
    var throughputUnit: String?
    /// How many rounds the row's times and ratios summarise (see `RoundSamples`), and the range
    /// (min, max) of each per-round ratio.
    var rounds: Int?
    var ratioRange: [Double]?
    var pytorchRatioRange: [Double]?
    var onnxruntimeRatioRange: [Double]?
    /// The row's own matrix products, as `BLAS.recordingProducts` listed them for one call, timed
    /// alone in the same process (`ProductFloor`), and their floating-point operations.
    var floorSeconds: Double?
    var operations: Double?

    /// Achieved GFLOP/s: the products' operations over the whole row's time.
    var gflops: Double?
}

/// Resident memory that loading a model folder adds to a fresh process, against the file's size.
struct LoadingRecord: Encodable {
    let model: String
    let fileBytes: Int
    let growthBytes: Int?
    /// growthBytes / fileBytes, a field so that the report's JSON holds it too.
    let ratio: Double?

    init(model: String, fileBytes: Int, growthBytes: Int?) {
        (self.model, self.fileBytes, self.growthBytes) = (model, fileBytes, growthBytes)
        ratio = growthBytes.map { Double($0) / Double(Swift.max(fileBytes, 1)) }
    }

    var line: String {
        "| \(model) | \(String(format: "%.1f MB", Double(fileBytes) / 1e6)) | "
            + "\(growthBytes.map { String(format: "%.1f MB", Double($0) / 1e6) } ?? "") | \(ratio.map { String(format: "%.3f", $0) } ?? "") |"
    }
}

/// Peak resident bytes of one model's training run in FusionKit and in PyTorch.
struct MemoryRecord: Encodable {
    let model: String
    let fusionkitBytes: Int?
    let pytorchBytes: Int?
    /// fusionkitBytes / pytorchBytes when both sides ran, a field so that the report's JSON holds it too.
    let ratio: Double?

    init(model: String, fusionkitBytes: Int?, pytorchBytes: Int?) {
        (self.model, self.fusionkitBytes, self.pytorchBytes) = (model, fusionkitBytes, pytorchBytes)
        guard let fusionkitBytes, let pytorchBytes, pytorchBytes > 0 else { ratio = nil; return }
        ratio = Double(fusionkitBytes) / Double(pytorchBytes)
    }

    /// "FusionKit | PyTorch | ratio" cells.
    var line: String {
        func megabytes(_ bytes: Int?) -> String { bytes.map { String(format: "%.0f MB", Double($0) / 1e6) } ?? "" }
        return "\(megabytes(fusionkitBytes)) | \(megabytes(pytorchBytes)) | \(ratio.map { String(format: "%.3f", $0) } ?? "")"
    }
}

/// The whole run: machine facts and the rows.
struct Report: Encodable {
    var date: String
    var blas: String
    var threads: Int
    var pytorch: String?
    var onnxruntime: String?
    var records: [Record]
    var memory: [MemoryRecord] = []
    var loading: [LoadingRecord] = []
    var loader: [LoaderRecord] = []

    /// Training runs on generated PNG files: peak memory and the steps' wait for images.
    func loaderTable() -> String {
        var lines = ["| one epoch of `film`, 480×320 PNG files → 128×128, batch 8, 1 loader thread | peak memory | steps | seconds | waited for images | steps that waited ≥ 1 ms | the first step's wait |",
                     "|---|---|---|---|---|---|---|"]
        for row in loader {
            lines.append(String(format: "| %d images | %.0f MB | %d | %.1f | %.3f s (%.1f%%) | %d | %.3f s |", row.images,
                                Double(row.peakBytes) / 1_048_576, row.steps, row.seconds, row.waitSeconds,
                                row.waitSeconds / Swift.max(row.seconds, 1e-9) * 100, row.stepsWaiting, row.firstStepWait))
        }
        if loader.count == 2 {
            lines.append(String(format: "\npeak memory, %d images / %d images: %.3f", loader[1].images, loader[0].images,
                                Double(loader[1].peakBytes) / Double(Swift.max(loader[0].peakBytes, 1))))
        }
        return lines.joined(separator: "\n")
    }

    /// Resident memory added by loading each pretrained model folder.
    func loadingTable() -> String {
        (["| loading a model folder | weights file | resident growth | growth / file |", "|---|---|---|---|"]
            + loading.map(\.line)).joined(separator: "\n")
    }

    /// Peak resident memory of a short training run of each VQA model, both sides.
    func memoryTable() -> String {
        (["| peak memory, 3 training steps on 64 images | FusionKit | PyTorch | FusionKit / PyTorch |", "|---|---|---|---|"]
            + memory.map { "| \($0.model) | \($0.line) |" }).joined(separator: "\n")
    }

    /// Every row: times are medians over the rounds, ratios the median of the per-round ratios
    /// with their range (min–max) after them; the row's own products timed alone and the GFLOP/s
    /// the row achieved where they were recorded.
    func markdownTable() -> String {
        var lines = ["| workload | FusionKit | throughput | reference | reference time | ratio | PyTorch | FusionKit / PyTorch | ONNX Runtime | FusionKit / ONNX Runtime | own products alone | products / row | GFLOP/s |",
                     "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        func ratio(_ value: Double?, _ range: [Double]?) -> String {
            guard let value else { return "" }
            guard let range, range.count == 2, range[0] != range[1] else { return String(format: "%.3f", value) }
            return String(format: "%.3f (%.3f–%.3f)", value, range[0], range[1])
        }
        for r in records {
            let throughput = r.throughput.map { String(format: "%.1f %@", $0, r.throughputUnit ?? "") } ?? ""
            let floorShare = r.floorSeconds.map { String(format: "%.3f", $0 / r.fusionkitSeconds) } ?? ""
            lines.append("| \(r.name) | \(Report.format(r.fusionkitSeconds)) | \(throughput) | \(r.reference ?? "") | "
                + "\(r.referenceSeconds.map(Report.format) ?? "") | \(ratio(r.ratio, r.ratioRange)) | "
                + "\(r.pytorchSeconds.map(Report.format) ?? "") | \(ratio(r.pytorchRatio, r.pytorchRatioRange)) | "
                + "\(r.onnxruntimeSeconds.map(Report.format) ?? "") | \(ratio(r.onnxruntimeRatio, r.onnxruntimeRatioRange)) | "
                + "\(r.floorSeconds.map(Report.format) ?? "") | \(floorShare) | \(r.gflops.map { String(format: "%.1f", $0) } ?? "") |")
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ seconds: Double) -> String {
        if seconds < 1e-6 { return String(format: "%.0f ns", seconds * 1e9) }
        if seconds < 1e-3 { return String(format: "%.2f µs", seconds * 1e6) }
        return String(format: "%.3f ms", seconds * 1e3)
    }

    /// Writes the report as JSON, atomically (temporary file, then rename).
    func write(to path: String) throws {
        let encoder = ReportJSON.encoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(self)
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
    }
}
