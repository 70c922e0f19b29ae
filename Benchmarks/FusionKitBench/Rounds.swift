/// What one row measured in each round of a run, and what the row reports from it. Each round
/// times FusionKit and, right after, its peers, so a ratio within one round compares two times
/// taken under the same machine conditions; the row reports each side's median time and the
/// median of its per-round ratios, with their range (min, max) beside it, so that one quiet or
/// busy spell on this shared machine neither flatters nor sinks a row.
struct RoundSamples {
    private(set) var rounds: [(fusionkit: Double, reference: Double?, pytorch: Double?, onnxruntime: Double?, floor: Double?)] = []

    mutating func add(_ record: Record, pytorch: Double?, onnxruntime: Double?) {
        rounds.append((record.fusionkitSeconds, record.referenceSeconds, pytorch, onnxruntime, record.floorSeconds))
    }

    /// `record` (the first round's, for its names and units) with the medians and ranges filled in.
    func summary(of record: Record) -> Record {
        var row = record
        let fusionkit = rounds.map(\.fusionkit)
        row.rounds = rounds.count
        row.fusionkitSeconds = Self.median(fusionkit) ?? record.fusionkitSeconds
        if let throughput = record.throughput {
            // Throughput scales inversely with time: the median round's.
            row.throughput = throughput * record.fusionkitSeconds / row.fusionkitSeconds
        }
        row.floorSeconds = Self.median(rounds.compactMap(\.floor))
        row.gflops = row.operations.map { $0 / row.fusionkitSeconds / 1e9 }
        (row.referenceSeconds, row.ratio, row.ratioRange) = Self.compare(rounds.map { ($0.fusionkit, $0.reference) })
        (row.pytorchSeconds, row.pytorchRatio, row.pytorchRatioRange) = Self.compare(rounds.map { ($0.fusionkit, $0.pytorch) })
        (row.onnxruntimeSeconds, row.onnxruntimeRatio, row.onnxruntimeRatioRange) = Self.compare(rounds.map { ($0.fusionkit, $0.onnxruntime) })
        if row.pytorchSeconds != nil, row.reference == nil || row.reference == "pytorch" {
            // Rows without a local reference are judged against PyTorch.
            (row.reference, row.referenceSeconds, row.ratio, row.ratioRange) = ("pytorch", row.pytorchSeconds, row.pytorchRatio, row.pytorchRatioRange)
        }
        return row
    }

    /// The peer's median time, and the median and range of FusionKit / peer over the rounds in
    /// which the peer was timed (nil when it never was).
    static func compare(_ pairs: [(Double, Double?)]) -> (Double?, Double?, [Double]?) {
        let timed = pairs.compactMap { fusionkit, peer in peer.map { (fusionkit, $0) } }
        guard !timed.isEmpty else { return (nil, nil, nil) }
        let ratios = timed.map { $0.0 / $0.1 }
        return (median(timed.map { $0.1 }), median(ratios), [ratios.min()!, ratios.max()!])
    }

    /// The middle value (the mean of the two middle ones for an even count); nil when empty.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted(), middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
