import Foundation
import FusionKit
import FusionKitData

/// A pretrained ResNet (torchvision's names and layout, weights from a safetensors file) whose
/// feature maps of one stage stand in for the images: frozen, with its maps cached once per
/// split by `vqa features`, or inside a VQA model (`vqa train --image-encoder`), frozen or with
/// its last stages fine-tuned. The VQA models then apply their own convolutions, with stride 1,
/// to those maps.
public final class PretrainedImageBackbone: Module {
    public let settings: ImageFeatureSettings
    /// How many of the kept stages train (from the last one back); 0: frozen, batch norm in
    /// evaluation mode, no gradient.
    public let trainedStages: Int
    public let network: ResNet

    /// Loads `weights` (a torchvision ResNet state dict as safetensors) into `encoder`
    /// (`resnet18`, `resnet34`, `resnet50`, `resnet101`, `resnet152`) and keeps stage `stage`
    /// (1…4, strides 4 to 32) of images prepared at `imageSize` × `imageSize`.
    public init(encoder: String, weights: URL, stage: Int = 4, imageSize: Int = 224, trainedStages: Int = 0) throws {
        guard encoder.hasPrefix("resnet"), let depth = Int(encoder.dropFirst(6)), ResNet.architectures[depth] != nil else {
            throw VQAError.invalidArgument("unknown image encoder \(encoder): choose resnet18, resnet34, resnet50, resnet101 or resnet152")
        }
        guard (1...4).contains(stage) else { throw VQAError.invalidArgument("--stage must be 1, 2, 3 or 4, got \(stage)") }
        guard (0...stage).contains(trainedStages) else {
            throw VQAError.invalidArgument("--trained-image-stages must be in 0...\(stage), got \(trainedStages)")
        }
        let file: SafeTensorsFile
        do {
            file = try SafeTensors.read(contentsOf: weights)
        } catch {
            throw VQAError.invalidArgument("cannot read the image encoder's weights: \(error)")
        }
        let classes = file.tensors["fc.weight"]?.shape.first ?? 1000
        var generator = RandomGenerator(seed: 0)
        network = ResNet(depth: depth, classCount: classes, generator: &generator)
        do {
            _ = try network.loadStateDict(file.tensors)
        } catch {
            throw VQAError.invalidArgument("\(weights.path) is not a torchvision \(encoder) state dict: \(error)")
        }
        // Each stage halves the side: stride 4 after stage 1, 32 after stage 4 (rounding up).
        let side = (0..<(stage + 1)).reduce(imageSize) { value, _ in (value + 1) / 2 }
        let channels = ResNetBlock.outputChannels(width: 64 << (stage - 1), bottleneck: ResNet.architectures[depth]!.bottleneck)
        let preprocessing = ImagePreprocessing(resizing: .padToSquareThenResize(size: imageSize, fill: [0.485, 0.456, 0.406]),
                                               normalization: ImagePreprocessing.imageNetNormalization)
        settings = ImageFeatureSettings(channels: channels, side: side, encoder: encoder, weights: weights.standardizedFileURL.path,
                                        stage: stage, preprocessing: preprocessing)
        self.trainedStages = trainedStages
        super.init()
        network.freeze()
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

    private var stages: [[ResNetBlock]] { [network.layer1, network.layer2, network.layer3, network.layer4] }

    /// Feature maps [N, channels, side, side] of prepared images [N, 3, S, S]. Frozen stages run
    /// in evaluation mode without recording gradients, whatever mode the model is in.
    public func callAsFunction(_ images: Tensor) -> Tensor {
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
