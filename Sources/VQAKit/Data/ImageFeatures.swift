import Foundation
import FusionKit
import FusionKitData

/// A pretrained image network whose feature maps stand in for the images: a torchvision ResNet
/// (weights from a safetensors state dict; the maps of one stage), or the vision tower of a Hugging
/// Face CLIP folder or a `ViTModel` folder (the last layer's patch tokens laid out on their grid,
/// the class token left out). Frozen, with its maps cached once per split by `vqa features`, or
/// inside a VQA model (`vqa train --image-encoder`): frozen, or for a ResNet with its last stages
/// fine-tuned. The VQA models then apply their own convolutions, with stride 1, to those maps.
public final class PretrainedImageBackbone: Module {
    public let settings: ImageFeatureSettings
    /// How many of the kept ResNet stages train (from the last one back); 0: frozen, batch norm in
    /// evaluation mode, no gradient.
    public let trainedStages: Int
    /// The network, one of three.
    public let resnet: ResNet?
    public let clipVision: CLIPVisionTower?
    public let vit: ViTModel?

    /// The encoders `init` knows.
    public static let encoders = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "clip", "vit"]

    /// Loads `encoder` from `weights`: for `resnet18` … `resnet152` a torchvision state dict as
    /// safetensors, keeping stage `stage` (1…4, strides 4 to 32) of images prepared at `imageSize`;
    /// for `clip` and `vit` a Hugging Face model folder (`CLIPModel`, `ViTModel`), at its own image
    /// size (a ViT also at other multiples of its patch size, its positions interpolated).
    public init(encoder: String, weights: URL, stage: Int = 4, imageSize: Int? = nil, trainedStages: Int = 0) throws {
        var resnet: ResNet?, clipVision: CLIPVisionTower?, vit: ViTModel?
        let channels: Int, side: Int, size: Int, fill: [Float], normalization: ImagePreprocessing.Normalization
        switch encoder {
        case "clip", "vit":
            guard trainedStages == 0 else {
                throw VQAError.invalidArgument("\(encoder) image encoders train frozen only; --trained-image-stages must be 0")
            }
            if encoder == "clip" {
                let vision = try CLIPModel(folder: weights).vision
                guard imageSize == nil || imageSize == vision.tower.imageSize else {
                    throw VQAError.invalidArgument("this CLIP folder takes \(vision.tower.imageSize) × \(vision.tower.imageSize) images, not \(imageSize!)")
                }
                (size, channels) = (vision.tower.imageSize, vision.tower.hiddenSize)
                side = size / vision.tower.patchSize
                normalization = ImagePreprocessing.clipNormalization
                clipVision = vision
            } else {
                let model = try ViTModel(folder: weights)
                size = imageSize ?? model.configuration.imageSize
                guard size % model.configuration.patchSize == 0 else {
                    throw VQAError.invalidArgument("--image-size \(size) is not a multiple of this ViT's patch size \(model.configuration.patchSize)")
                }
                (channels, side) = (model.configuration.hiddenSize, size / model.configuration.patchSize)
                // ViTImageProcessor's defaults: mean and standard deviation 0.5 per channel.
                normalization = ImagePreprocessing.Normalization(mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5])
                vit = model
            }
            fill = normalization.mean
        default:
            guard encoder.hasPrefix("resnet"), let depth = Int(encoder.dropFirst(6)), ResNet.architectures[depth] != nil else {
                throw VQAError.invalidArgument("unknown image encoder \(encoder): choose \(Self.encoders.joined(separator: ", "))")
            }
            guard (1...4).contains(stage) else { throw VQAError.invalidArgument("--image-stage must be 1, 2, 3 or 4, got \(stage)") }
            guard (0...stage).contains(trainedStages) else {
                throw VQAError.invalidArgument("--trained-image-stages must be in 0...\(stage), got \(trainedStages)")
            }
            let file: SafeTensorsFile
            do {
                file = try SafeTensors.read(contentsOf: weights)
            } catch {
                throw VQAError.invalidArgument("cannot read the image encoder's weights: \(error)")
            }
            var generator = RandomGenerator(seed: 0)
            let network = ResNet(depth: depth, classCount: file.tensors["fc.weight"]?.shape.first ?? 1000, generator: &generator)
            do {
                _ = try network.loadStateDict(file.tensors)
            } catch {
                throw VQAError.invalidArgument("\(weights.path) is not a torchvision \(encoder) state dict: \(error)")
            }
            size = imageSize ?? 224
            // Each stage halves the side: stride 4 after stage 1, 32 after stage 4 (rounding up).
            side = (0..<(stage + 1)).reduce(size) { value, _ in (value + 1) / 2 }
            channels = ResNetBlock.outputChannels(width: 64 << (stage - 1), bottleneck: ResNet.architectures[depth]!.bottleneck)
            normalization = ImagePreprocessing.imageNetNormalization
            fill = normalization.mean
            resnet = network
        }
        // Padded to a square with the mean colour (zero once normalised), so nothing is cut off.
        let preprocessing = ImagePreprocessing(resizing: .padToSquareThenResize(size: size, fill: fill), normalization: normalization)
        settings = ImageFeatureSettings(channels: channels, side: side, encoder: encoder, weights: weights.standardizedFileURL.path,
                                        stage: resnet == nil ? 0 : stage, preprocessing: preprocessing)
        (self.resnet, self.clipVision, self.vit) = (resnet, clipVision, vit)
        self.trainedStages = trainedStages
        super.init()
        freeze()
        if trainedStages > 0 {
            for stageIndex in (stage - trainedStages + 1)...stage {
                for block in stages[stageIndex - 1] { block.unfreeze() }
            }
        }
    }

    /// The backbone a model's settings name, loaded again.
    public convenience init(_ settings: ImageFeatureSettings, trainedStages: Int = 0) throws {
        guard let size = settings.preprocessing.outputSize?.height else {
            throw VQAError.invalidArgument("the image encoder's settings give no image size")
        }
        try self.init(encoder: settings.encoder, weights: URL(fileURLWithPath: settings.weights), stage: settings.stage,
                      imageSize: size, trainedStages: trainedStages)
    }

    private var stages: [[ResNetBlock]] { resnet.map { [$0.layer1, $0.layer2, $0.layer3, $0.layer4] } ?? [] }

    /// Feature maps [N, channels, side, side] of prepared images [N, 3, S, S]. Frozen parts run in
    /// evaluation mode without recording gradients, whatever mode the model is in.
    public func callAsFunction(_ images: Tensor) -> Tensor {
        if let resnet { return resnetMaps(resnet, images) }
        return withoutGradient {
            let tokens: Tensor
            if let clipVision {
                tokens = clipVision(images).lastHiddenState
            } else {
                tokens = vit!(images, interpolatingPositions: true).lastHiddenState
            }
            let (batch, count, width) = (tokens.shape[0], tokens.shape[1], tokens.shape[2])
            return tokens.slice(1..<count, alongAxis: 1).permuted([0, 2, 1])
                .reshaped([batch, width, settings.side, settings.side])
        }
    }

    private func resnetMaps(_ network: ResNet, _ images: Tensor) -> Tensor {
        let firstTrained = settings.stage - trainedStages + 1
        if trainedStages == 0 || !isTraining {
            if network.isTraining { network.eval() }
        } else {
            network.eval()
            for index in firstTrained...settings.stage { for block in stages[index - 1] { block.train() } }
        }
        var x = withoutGradient {
            var x = network.bn1(network.conv1(images)).relu().maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
            for index in 1..<firstTrained where index <= settings.stage {
                for block in stages[index - 1] { x = block(x) }
            }
            return x
        }
        if trainedStages > 0 {
            for index in firstTrained...settings.stage {
                for block in stages[index - 1] { x = block(x) }
            }
        }
        return x
    }
}

/// The files `vqa features` writes: one safetensors file per split holding `features`
/// [images, channels, side, side] (F32) and, in its metadata, the settings and the image paths
/// in row order.
public enum ImageFeatureCache {
    static let tensorName = "features", settingsKey = "fusionkit.image_features", imagesKey = "fusionkit.images"

    /// Runs `encoder` over every image of `split` (`batchSize` at a time, decoded by a background
    /// thread) and writes the features to `url` row by row, never holding them all.
    public static func write(split: VQASplit, encoder: PretrainedImageBackbone, to url: URL, batchSize: Int = 16,
                             progress: (Int, Int) -> Void = { _, _ in }) throws {
        let images = split.groupedByImage().images
        struct Pictures: Dataset {
            let split: VQASplit, images: [String], preprocessing: ImagePreprocessing
            var count: Int { images.count }
            func example(at index: Int) throws -> ImagePlanes {
                let url = images[index].hasPrefix("/") ? URL(fileURLWithPath: images[index]) : split.imageFolder.appendingPathComponent(images[index])
                return preprocessing(try ImageFile.decode(contentsOf: url).planes())
            }
        }
        let settings = encoder.settings
        let loader = try DataLoader(Pictures(split: split, images: images, preprocessing: settings.preprocessing),
                                    batchSize: batchSize, shuffle: false) { examples, _ in Tensor(stacking: examples) }
        let metadata = [settingsKey: String(decoding: try JSONEncoder().encode(settings), as: UTF8.self),
                        imagesKey: String(decoding: try JSONEncoder().encode(images), as: UTF8.self)]
        let writer = try SafeTensorsRowWriter(url: url, name: tensorName, shape: [images.count, settings.channels, settings.side, settings.side],
                                              metadata: metadata)
        let batches = loader.batches(epoch: 0)
        while let batch = try batches.next() {
            let features = withoutGradient { encoder(batch) }
            precondition(features.shape == [batch.shape[0], settings.channels, settings.side, settings.side],
                         "ImageFeatureCache: \(settings.encoder) gave \(features.shape), expected [N, \(settings.channels), \(settings.side), \(settings.side)]")
            try writer.append(features.scalars)
            progress(writer.rowsWritten, images.count)
        }
        try writer.finish()
    }
}

/// A split's questions with the cached feature maps of their images in place of the images: the
/// file is memory-mapped and each example reads its image's row, so it is never read whole.
public struct CachedFeatureDataset: Dataset {
    public let questions: VQADataset
    public let settings: ImageFeatureSettings
    public let file: URL
    private let reader: SafeTensorsRowReader
    private let rowOfImage: [Int]

    /// `questions` (a split with its vocabularies) and the features of its images in `file`; an
    /// image of the split missing from the file is an error naming both.
    public init(questions: VQADataset, features file: URL) throws {
        reader = try SafeTensorsRowReader(contentsOf: file, tensor: ImageFeatureCache.tensorName)
        guard let settingsJSON = reader.metadata[ImageFeatureCache.settingsKey],
              let settings = try? JSONDecoder().decode(ImageFeatureSettings.self, from: Data(settingsJSON.utf8)),
              let imagesJSON = reader.metadata[ImageFeatureCache.imagesKey],
              let images = try? JSONDecoder().decode([String].self, from: Data(imagesJSON.utf8)), images.count == reader.rowCount,
              reader.shape == [images.count, settings.channels, settings.side, settings.side] else {
            throw VQAError.invalidArgument("\(file.path) is not a feature file written by `vqa features`")
        }
        let row = Dictionary(images.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        rowOfImage = try questions.images.map { image in
            guard let index = row[image] else {
                throw VQAError.invalidArgument("\(file.path) holds no features of \(image) (split \(questions.split.name) of "
                                               + "\(questions.split.source)); run `vqa features` on this split")
            }
            return index
        }
        self.questions = questions
        self.settings = settings
        self.file = file
    }

    public var count: Int { questions.count }

    public func example(at index: Int) throws -> VQAImageExample {
        VQAImageExample(image: ImagePlanes(channels: settings.channels, height: settings.side, width: settings.side,
                                           values: reader.row(rowOfImage[index])),
                        questions: questions.questionsOfImage[index].map(questions.question))
    }
}
