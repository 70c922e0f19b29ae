import Foundation
import FusionKit
import FusionKitData
import SortOfCLEVR

// Trains a small CLIP-style model from scratch on image-caption pairs read through the data layer
// (a JSON lines file of {"image", "caption"} and the image files), with CLIP's symmetric contrastive
// loss and learned temperature, and prints image→text and text→image recall@1/5/10 on held-out
// pairs after every epoch. Without --pairs it first writes generated pairs: Sort-of-CLEVR scenes
// as PNG files, described in words ("red circle top left green square middle right …").
//
//   swift run -c release --package-path Examples contrastive-scenes [epochs] [training pairs] [--pairs DIR]
//
// DIR holds train.jsonl and test.jsonl; images are padded to a square and resized to 75 × 75.

var arguments = Array(CommandLine.arguments.dropFirst())
var pairsFolder: URL?
if let index = arguments.firstIndex(of: "--pairs") {
    guard index + 1 < arguments.count else {
        FileHandle.standardError.write(Data("contrastive-scenes: --pairs needs a folder\n".utf8))
        exit(2)
    }
    pairsFolder = URL(fileURLWithPath: arguments[index + 1])
    arguments.removeSubrange(index...(index + 1))
}
let numbers = arguments.compactMap { Int($0) }
let epochs = numbers.first ?? 20
let trainingCount = numbers.dropFirst().first ?? 8000
let testCount = 500, batchSize = 64, imageSize = Scene.imageSize
guard epochs > 0, trainingCount >= batchSize else {
    FileHandle.standardError.write(Data("contrastive-scenes: epochs must be positive and training pairs at least \(batchSize)\n".utf8))
    exit(2)
}

/// Writes generated scenes and their descriptions as PNG files and JSON lines in `folder`.
func writeGeneratedPairs(to folder: URL) throws {
    let rows = ["top", "middle", "bottom"], columns = ["left", "centre", "right"]
    func third(_ position: Int) -> Int { Swift.min(2, (position - Scene.centerRange.lowerBound) * 3 / Scene.centerRange.count) }
    for (split, seed, count) in [("train", UInt64(11), trainingCount), ("test", UInt64(12), testCount)] {
        let scenes = SortOfCLEVRDataset.generate(seed: seed, imageCount: count)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(split), withIntermediateDirectories: true)
        var pairs: [(image: String, caption: String)] = []
        for index in 0..<count {
            let name = "\(split)/\(index).png"
            try ImageFile.writePNG(rgb: Array(scenes.image(at: index)), width: imageSize, height: imageSize,
                                   to: folder.appendingPathComponent(name))
            let words = scenes.scenes[index].objects.flatMap { [$0.color.name, $0.shape.name, rows[third($0.y)], columns[third($0.x)]] }
            pairs.append((name, words.joined(separator: " ")))
        }
        try ImageCaptionDataset.write(pairs, to: folder.appendingPathComponent("\(split).jsonl"))
    }
}

do {
    let folder = pairsFolder ?? URL(fileURLWithPath: "runs/contrastive-scenes/pairs-\(trainingCount)")
    if pairsFolder == nil && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("test.jsonl").path) {
        let started = Date()
        try writeGeneratedPairs(to: folder)
        print(String(format: "wrote %d + %d generated pairs to %@ in %.1f s", trainingCount, testCount, folder.path,
                     Date().timeIntervalSince(started)))
    }
    let preparation = ImagePreprocessing(resizing: .padToSquareThenResize(size: imageSize, fill: [1, 1, 1]))
    let training = try ImageCaptionDataset(file: folder.appendingPathComponent("train.jsonl"), preprocessing: preparation)
    let test = try ImageCaptionDataset(file: folder.appendingPathComponent("test.jsonl"), preprocessing: preparation)

    // Words of the training captions (ids 0 padding, 1 unknown), then a start and an end token.
    let vocabulary = WordVocabulary(building: training.entries.map(\.caption))
    let (startID, endID) = (vocabulary.count, vocabulary.count + 1)
    let captionLength = Swift.min(77, 2 + (training.entries.map { WordVocabulary.tokenize($0.caption).count }.max() ?? 1))
    @Sendable func ids(_ captions: [String]) -> Tensor {
        Tensor(captions.flatMap { caption -> [Float] in
            let words = vocabulary.encode(caption, length: captionLength - 2).ids.filter { $0 != WordVocabulary.paddingID }
            let row = [Int32(startID)] + words + [Int32(endID)]
            return (row + Array(repeating: WordVocabulary.paddingID, count: captionLength - row.count)).map(Float.init)
        }, shape: [captions.count, captionLength])
    }
    @Sendable func collate(_ pairs: [ImageCaptionDataset.Pair], _ context: BatchContext) -> (images: Tensor, ids: Tensor) {
        (Tensor(stacking: pairs.map(\.image)) - 0.5, ids(pairs.map(\.caption)))   // pixels in [0, 1] → centred
    }

    // A small CLIP: a vision transformer over 5 × 5 patches of 15 pixels, a causal text transformer.
    var text = CLIPConfiguration.Tower(hiddenSize: 64, intermediateSize: 128, layerCount: 2, headCount: 4)
    (text.vocabularySize, text.maximumPositions, text.endOfTextTokenID) = (vocabulary.count + 2, captionLength, endID)
    var vision = CLIPConfiguration.Tower(hiddenSize: 64, intermediateSize: 128, layerCount: 2, headCount: 4)
    (vision.imageSize, vision.patchSize) = (imageSize, 15)
    var configuration = CLIPConfiguration(text: text, vision: vision)
    configuration.projectionSize = 64
    var generator = RandomGenerator(seed: 1)
    let model = CLIPModel(configuration, generator: &generator)
    let optimizer = AdamW(model.parameters(), learningRate: 1e-3, weightDecay: 0.01)

    let loader = try DataLoader(training, batchSize: batchSize, seed: 1, workers: 1, collate: collate)
    let heldOut = try DataLoader(test, batchSize: test.count, shuffle: false, workers: 0, collate: collate).loadBatch(epoch: 0, step: 0)
    print("contrastive-scenes: \(model.parameterCount) parameters; \(training.count) training pairs, \(test.count) held-out "
          + "(\(folder.path)); \(vocabulary.count - 2) words; chance recall@1 \(String(format: "%.1f", 100.0 / Double(test.count)))%")

    for epoch in 1...epochs {
        let started = Date()
        model.train()
        var lossSum: Float = 0, steps = 0
        let batches = loader.batches(epoch: epoch - 1)
        while let batch = try batches.next() {
            optimizer.zeroGradients()
            let loss = contrastiveLoss(logitsPerText: model.logitsPerText(images: batch.images, ids: batch.ids))
            loss.backward()
            optimizer.step()
            lossSum += loss.scalar
            steps += 1
        }
        model.eval()
        let similarities = withoutGradient { model.logitsPerText(images: heldOut.images, ids: heldOut.ids) }
        func recalls(_ matrix: Tensor) -> String {
            [1, 5, 10].map { String(format: "R@%d %5.1f%%", $0, 100 * Retrieval.recall(similarities: matrix, k: $0)) }
                .joined(separator: "  ")
        }
        print(String(format: "epoch %d  loss %.3f  temperature 1/%.1f  ", epoch, lossSum / Float(steps), model.logitScale.value.exp().scalar)
              + "image→text \(recalls(similarities.transposed()))  text→image \(recalls(similarities))"
              + String(format: "  (%.0f s, %.2f s waiting for images)", Date().timeIntervalSince(started), batches.waitingSeconds))
    }
} catch {
    FileHandle.standardError.write(Data("contrastive-scenes: \(error.localizedDescription)\n".utf8))
    exit(1)
}
