import Foundation
import FusionKit
import SortOfCLEVR

// Trains a small CLIP-style model from scratch on generated image-caption pairs: Sort-of-CLEVR
// scenes described in words ("red circle top left, green square middle right, …"), with CLIP's
// symmetric contrastive loss and learned temperature, and prints image→text and text→image
// recall@1/5/10 on held-out pairs after every epoch.
//
//   swift run -c release contrastive-scenes [epochs] [training pairs]

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let epochs = arguments.first ?? 20
let trainingCount = arguments.dropFirst().first ?? 8000
let testCount = 500, batchSize = 64
guard epochs > 0, trainingCount >= batchSize else {
    FileHandle.standardError.write(Data("contrastive-scenes: epochs must be positive and training pairs at least \(batchSize)\n".utf8))
    exit(2)
}

// Captions: every object as colour, shape, row third and column third, in colour order.
let rows = ["top", "middle", "bottom"], columns = ["left", "centre", "right"]
let words = ["<pad>", "<start>", "<end>"] + ObjectColor.allCases.map(\.name) + ObjectShape.allCases.map(\.name) + rows + columns
let wordIDs = Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, $0) })
func third(_ position: Int) -> Int { Swift.min(2, (position - Scene.centerRange.lowerBound) * 3 / Scene.centerRange.count) }
func caption(_ scene: Scene) -> [String] {
    scene.objects.flatMap { [$0.color.name, $0.shape.name, rows[third($0.y)], columns[third($0.x)]] }
}
let captionLength = 2 + 4 * ObjectColor.allCases.count
func captionIDs(_ scenes: [Scene], _ indices: [Int]) -> Tensor {
    Tensor(indices.flatMap { index in ([1] + caption(scenes[index]).map { wordIDs[$0]! } + [2]).map(Float.init) },
           shape: [indices.count, captionLength])
}

// A small CLIP: a vision transformer over 5 × 5 patches of 15 pixels, a causal text transformer.
var text = CLIPConfiguration.Tower(hiddenSize: 64, intermediateSize: 128, layerCount: 2, headCount: 4)
(text.vocabularySize, text.maximumPositions, text.endOfTextTokenID) = (words.count, captionLength, 2)
var vision = CLIPConfiguration.Tower(hiddenSize: 64, intermediateSize: 128, layerCount: 2, headCount: 4)
(vision.imageSize, vision.patchSize) = (Scene.imageSize, 15)
var configuration = CLIPConfiguration(text: text, vision: vision)
configuration.projectionSize = 64
var generator = RandomGenerator(seed: 1)
let model = CLIPModel(configuration, generator: &generator)
let optimizer = AdamW(model.parameters(), learningRate: 1e-3, weightDecay: 0.01)

let training = SortOfCLEVRDataset.generate(seed: 11, imageCount: trainingCount)
let test = SortOfCLEVRDataset.generate(seed: 12, imageCount: testCount)
func images(_ data: SortOfCLEVRDataset, _ indices: [Int]) -> Tensor {
    Scene.imageTensor(pixels: data.images, images: indices) - 0.5   // pixels in [0, 1] → centred
}
print("contrastive-scenes: \(model.parameterCount) parameters; \(trainingCount) training pairs, \(testCount) held-out; "
      + "chance recall@1 \(String(format: "%.1f", 100.0 / Double(testCount)))%")

for epoch in 1...epochs {
    let started = Date()
    model.train()
    var order = Array(0..<trainingCount)
    order.shuffle(using: &generator)
    var lossSum: Float = 0, steps = 0
    for start in stride(from: 0, to: trainingCount - batchSize + 1, by: batchSize) {
        let batch = Array(order[start..<(start + batchSize)])
        optimizer.zeroGradients()
        let loss = contrastiveLoss(logitsPerText: model.logitsPerText(images: images(training, batch),
                                                                      ids: captionIDs(training.scenes, batch)))
        loss.backward()
        optimizer.step()
        lossSum += loss.scalar
        steps += 1
    }
    model.eval()
    let similarities = withoutGradient {
        model.logitsPerText(images: images(test, Array(0..<testCount)), ids: captionIDs(test.scenes, Array(0..<testCount)))
    }
    let perImage = similarities.transposed()
    func recalls(_ matrix: Tensor) -> String {
        [1, 5, 10].map { String(format: "R@%d %5.1f%%", $0, 100 * Retrieval.recall(similarities: matrix, k: $0)) }
            .joined(separator: "  ")
    }
    print(String(format: "epoch %d  loss %.3f  temperature 1/%.1f  ", epoch, lossSum / Float(steps), model.logitScale.value.exp().scalar)
          + "image→text \(recalls(perImage))  text→image \(recalls(similarities))"
          + String(format: "  (%.0f s)", Date().timeIntervalSince(started)))
}
