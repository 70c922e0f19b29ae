import Foundation
import FusionKit
import FusionKitData
import SortOfCLEVR

/// Where `pixel-attention`'s or `word-attention`'s two hops look on a harder Sort-of-CLEVR split
/// (for `word-attention`, hop 1 and the relational hop over positions, not ``SlotHop``), measured
/// against the scenes that drew it (`vqa hops`): per question family and head, the share of hop
/// 1's weights on the object the question names, the share of hop 2's on that object, on the object a closest
/// or furthest question asks about, on the scene's other objects and on the background, and how
/// far the place hop 2's head measures from (hop 1's head-h centroid) is from the named object's
/// centre. A research tool: it says which hop fails
/// when a family is not learned (Docs/VQA.md, "Where the hops look").
public struct HopDiagnostics: Sendable {
    /// One family's means over its questions, for one head.
    public struct Row: Sendable {
        public var family: String
        public var head: Int
        public var questions: Int
        /// Shares of the weights, each in [0, 1]; the four hop-2 shares sum to 1.
        public var firstOnNamed: Double, secondOnNamed: Double, secondOnTarget: Double, secondOnOthers: Double, secondOnBackground: Double
        /// Pixels from the place hop 2's head measures from to the named object's centre.
        public var placeError: Double
    }
    public private(set) var rows: [Row]

    /// Runs `model` over every image of `split` and compares its hops with `truth`, the same
    /// images regenerated from their seed.
    ///
    /// - Throws: `VQAError.invalidArgument` when the model is not `pixel-attention`, or when an
    ///   image or question of `split` differs from `truth` (the folder was not made from that seed,
    ///   or was changed since).
    public static func measure(_ model: any VQAModel, on split: VQADataset, truth: HarderSortOfCLEVR,
                               imagesPerBatch: Int = 10) throws -> HopDiagnostics {
        guard let recording = model as? any HopRecording, recording.recordsHops else {
            throw VQAError.invalidArgument("hops are measured for pixel-attention and word-attention only, not \(model.configuration.model)")
        }
        let families = HarderQuestionSubtype.allCases
        let heads = recording.headCount
        var sums = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: 6), count: heads), count: families.count)
        var counts = [Int](repeating: 0, count: families.count)
        let wasTraining = model.isTraining
        model.eval()
        defer { if wasTraining { model.train() } }
        for start in stride(from: 0, to: split.count, by: imagesPerBatch) {
            let examples = try (start..<min(start + imagesPerBatch, split.count)).map { try split.example(at: $0) }
            let batch = VQABatch(collating: examples, answerCount: model.configuration.answerCount)
            _ = withoutGradient { model(images: batch.images, questions: batch.questions) }
            guard let hops = recording.lastHops else {
                preconditionFailure("HopDiagnostics.measure: \(model.configuration.model) recorded no hop weights in evaluation mode")
            }
            let side = Int(Double(hops.first.shape[3]).squareRoot().rounded())
            let (places, first, second) = (hops.places.scalars, hops.first.scalars, hops.second.scalars)
            let perImage = batch.questionsPerImage, positions = side * side
            for (row, question) in batch.rows.enumerated() {
                guard let question else { continue }
                let (image, asked) = (start + row / perImage, row % perImage)
                let (truthQuestion, scene) = try matching(question, of: split, image: image, batch: batch, row: row, truth: truth)
                let named = scene[truthQuestion.color]!
                let target = scene.relatedObject(truthQuestion.subtype, of: named)
                let family = truthQuestion.subtype.rawValue
                counts[family] += 1
                // Which object each position of the first map (a 3×3, stride-2 convolution's
                // output: position j looks at pixels around 2j) falls on.
                let covers = { (object: HarderObject, position: Int) -> Bool in
                    abs(2 * (position % side) - object.x) <= object.halfSize && abs(2 * (position / side) - object.y) <= object.halfSize
                }
                for head in 0..<heads {
                    let base = (((row / perImage) * heads + head) * perImage + asked) * positions
                    var shares = [Double](repeating: 0, count: 6)
                    for position in 0..<positions {
                        let (w1, w2) = (Double(first[base + position]), Double(second[base + position]))
                        if covers(named, position) {
                            shares[0] += w1
                            shares[1] += w2
                        } else if let target, covers(target, position) {
                            shares[2] += w2
                        } else if scene.objects.contains(where: { covers($0, position) }) {
                            shares[3] += w2
                        } else {
                            shares[4] += w2
                        }
                    }
                    // The place in [−1, 1] back to pixels: centre of position j is (j + 0.5)/side·2 − 1.
                    let placeIndex = (((row / perImage) * heads + head) * perImage + asked) * 2
                    let x = ((Double(places[placeIndex]) + 1) * Double(side) / 2 - 0.5) * 2
                    let y = ((Double(places[placeIndex + 1]) + 1) * Double(side) / 2 - 0.5) * 2
                    shares[5] = ((x - Double(named.x)) * (x - Double(named.x)) + (y - Double(named.y)) * (y - Double(named.y))).squareRoot()
                    for index in 0..<6 { sums[family][head][index] += shares[index] }
                }
            }
        }
        var rows: [Row] = []
        for family in families where counts[family.rawValue] > 0 {
            for head in 0..<heads {
                let mean = sums[family.rawValue][head].map { $0 / Double(counts[family.rawValue]) }
                rows.append(Row(family: family.name, head: head, questions: counts[family.rawValue], firstOnNamed: mean[0],
                                secondOnNamed: mean[1], secondOnTarget: mean[2], secondOnOthers: mean[3],
                                secondOnBackground: mean[4], placeError: mean[5]))
            }
        }
        return HopDiagnostics(rows: rows)
    }

    /// The regenerated question and scene behind `row` of `batch`, after checking that the folder
    /// holds the same question text and (at the image's first row) the same image.
    private static func matching(_ question: VQAQuestionExample, of split: VQADataset, image: Int, batch: VQABatch, row: Int,
                                 truth: HarderSortOfCLEVR) throws -> (HarderQuestion, HarderScene) {
        let record = question.record
        guard truth.questions.indices.contains(record),
              split.split.questions[record].question == truth.questions[record].text else {
            throw VQAError.invalidArgument("question \(record) of \(split.split.source) is not the one its seed generates")
        }
        let sceneIndex = record / HarderSortOfCLEVR.questionsPerImage
        guard row % batch.questionsPerImage == 0 else { return (truth.questions[record], truth.scenes[sceneIndex]) }
        // An image's first question row compares its pixels, once per image.
        let drawn = truth.image(at: sceneIndex)
        let side = HarderScene.imageSize, planeSize = side * side
        let pixels = batch.images.slice((row / batch.questionsPerImage)..<(row / batch.questionsPerImage + 1), alongAxis: 0).scalars
        guard pixels.count == 3 * planeSize else {
            throw VQAError.invalidArgument("image \(image) of \(split.split.source) is not \(side)×\(side)")
        }
        for channel in 0..<3 {
            for pixel in 0..<planeSize where abs(pixels[channel * planeSize + pixel] * 255 - Float(drawn[drawn.startIndex + pixel * 3 + channel])) > 0.5 {
                throw VQAError.invalidArgument("image \(split.images[image]) of \(split.split.source) differs from the scene its seed draws")
            }
        }
        return (truth.questions[record], truth.scenes[sceneIndex])
    }

    /// The rows as a Markdown table.
    public var markdown: String {
        var lines = ["| family | head | questions | hop 1 on named | hop 2 on named | hop 2 on target | hop 2 on others | hop 2 on background | place error (px) |",
                     "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for row in rows {
            let shares = [row.firstOnNamed, row.secondOnNamed, row.secondOnTarget, row.secondOnOthers, row.secondOnBackground]
                .map { String(format: "%.3f", $0) }.joined(separator: " | ")
            lines.append("| \(row.family) | \(row.head) | \(row.questions) | \(shares) | \(String(format: "%.1f", row.placeError)) |")
        }
        return lines.joined(separator: "\n")
    }
}

/// A model that records, after each evaluation-mode call, where its two hops looked
/// (``HopWeights``, every tensor with ``headCount`` heads).
public protocol HopRecording: VQAModel {
    var headCount: Int { get }
    /// Whether this instance records them (`spatial-attention`, the same class, does not).
    var recordsHops: Bool { get }
    var lastHops: HopWeights? { get }
}

extension SpatialAttentionModel: HopRecording {
    public var recordsHops: Bool { scoring == .firstMap }
}

extension WordAttentionModel: HopRecording {
    public var recordsHops: Bool { true }
}
