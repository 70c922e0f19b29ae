import ArgumentParser
import Foundation
import FusionKit
import FusionKitData
import VQAKit

/// `vqa features`: runs a frozen pretrained image encoder over one split of a data folder once
/// and writes its feature maps to a safetensors file, for `vqa train --features`.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Cache a frozen pretrained image encoder's feature maps of one split of a data folder.",
        discussion: "Then `vqa train --data DIR --features TRAIN.safetensors --eval-features VAL.safetensors` trains only "
            + "the part of a model after its image encoder, on those maps.")

    @OptionGroup var data: DataOptions
    @Option(help: "The split whose images to encode.") var split = "train"
    @Option(help: "The encoder: resnet18 … resnet152 (a torchvision state dict), clip or vit (a Hugging Face model folder).") var imageEncoder = "resnet18"
    @Option(help: "Its weights: a torchvision state dict saved as safetensors, or a Hugging Face CLIP or ViT folder.") var imageWeights: String
    @Option(help: "The stage whose output is kept (1…4; 4 is the last, stride 32).") var stage = 4
    @Option(help: "The file to write.") var output: String
    @Option(help: "Images per batch.") var batchSize = 16

    func validate() throws {
        guard data.data != nil, data.isLayoutFolder else { throw ValidationError("--data must name a folder in a standard layout") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
    }

    func run() throws {
        let start = Date()
        let folder = URL(fileURLWithPath: data.data!)
        let split = try VQALayout.read(root: folder, split: split, format: data.format.flatMap(VQAFormat.init(rawValue:)))
        let encoder = try PretrainedImageBackbone(encoder: imageEncoder, weights: URL(fileURLWithPath: imageWeights), stage: stage,
                                                  imageSize: data.imageSize)
        var bar = ProgressBar(total: split.groupedByImage().images.count, label: "features", unit: "images")
        try ImageFeatureCache.write(split: split, encoder: encoder, to: URL(fileURLWithPath: output), batchSize: batchSize) { done, _ in
            bar.update(done: done, loss: 0)
        }
        print(String(format: "%@: %@ of the %d images of split %@ in %.0f s, written to %@", imageEncoder, encoder.settings.source,
                     split.groupedByImage().images.count, split.name, Date().timeIntervalSince(start), output))
    }
}
