import Foundation
import FusionKit
import FusionKitData

/// A VQA data set on disk in one of the standard layouts, ready to train on: the training and
/// evaluation splits as data sets of images with their questions, the vocabularies built from the
/// training split, and how images are prepared.
public struct FolderData: Sendable {
    public let root: URL
    public let training: VQADataset
    public let evaluation: VQADataset
    public let settings: VQADataSettings
    /// Names the data (checked when a run resumes).
    public let identity: String
    /// The side of the square images the models see.
    public var imageSide: Int { settings.preprocessing.outputSize?.height ?? 0 }

    /// The choices `vqa train` offers for a folder.
    public struct Options: Sendable {
        public var format: VQAFormat?
        public var trainingSplit = "train"
        public var evaluationSplit = "val"
        /// The side of the square model input; nil: the first training image's side when it is
        /// square and at most 128 pixels, else 128.
        public var imageSize: Int?
        /// Answer classes: the most frequent training answers.
        public var answerCount = 1000
        public var minimumWordCount = 1
        /// How to prepare images instead of `vqa`'s own (a pretrained backbone's, say).
        public var preprocessing: ImagePreprocessing?
        public init() {}
    }

    /// Reads both splits of `root`. `saved` (a checkpoint's settings) fixes the vocabularies and
    /// image preparation instead of building them from the training split.
    public init(root: URL, options: Options, saved: VQADataSettings? = nil) throws {
        let format = try options.format ?? VQALayout.detect(root: root)
        let trainingSplit = try VQALayout.read(root: root, split: options.trainingSplit, format: format)
        let evaluationSplit = try VQALayout.read(root: root, split: options.evaluationSplit, format: format)
        for split in [trainingSplit, evaluationSplit] where !split.hasAnswers {
            let missing = split.questions.filter { $0.answers.isEmpty }.count
            throw VQAError.invalidArgument("\(split.source): \(missing) of \(split.questions.count) questions of split "
                                           + "\(split.name) carry no answer (a test split?); train and evaluate on splits with answers, such as train and val")
        }
        let settings: VQADataSettings
        if let saved {
            settings = saved
        } else {
            let preprocessing = try options.preprocessing
                ?? Self.preprocessing(size: options.imageSize ?? Self.defaultImageSize(trainingSplit))
            settings = VQADataSettings(format: format,
                                       vocabularies: .build(from: trainingSplit, minimumWordCount: options.minimumWordCount,
                                                            answerCount: options.answerCount),
                                       preprocessing: preprocessing)
        }
        self.root = root
        self.settings = settings
        training = VQADataset(split: trainingSplit, vocabularies: settings.vocabularies, preprocessing: settings.preprocessing)
        evaluation = VQADataset(split: evaluationSplit, vocabularies: settings.vocabularies, preprocessing: settings.preprocessing)
        identity = "\(format.rawValue) folder \(root.standardizedFileURL.path) \(options.trainingSplit)=\(trainingSplit.questions.count) "
            + "\(options.evaluationSplit)=\(evaluationSplit.questions.count)"
    }

    /// How `vqa` prepares images for its models trained from scratch: padded to a square with
    /// black (keeping the whole image and its proportions, so left stays left) and resized to
    /// `size`, values left in [0, 1] as the models expect.
    public static func preprocessing(size: Int) -> ImagePreprocessing {
        ImagePreprocessing(resizing: .padToSquareThenResize(size: size, fill: [0, 0, 0]))
    }

    /// The first image's side when it is square and at most 128 pixels, else 128.
    static func defaultImageSize(_ split: VQASplit) throws -> Int {
        let first = try ImageFile.decode(contentsOf: split.imageURL(split.questions[0]))
        return first.width == first.height && first.width <= 128 ? first.width : 128
    }

    /// Model settings for this data: the vocabularies' sizes and the data settings.
    public func configuration(model: String, width: Int, seed: UInt64) -> VQAModelConfiguration {
        VQAModelConfiguration(model: model, vocabularySize: settings.vocabularies.words.count,
                              answerCount: settings.vocabularies.answers.count, width: width, seed: seed, data: settings)
    }

    /// Both splits with the cached feature maps in `trainingFeatures` and `evaluationFeatures`
    /// (from `vqa features`) in place of their images; the two files must come from one encoder.
    public func withFeatures(training trainingFeatures: URL, evaluation evaluationFeatures: URL) throws
        -> (training: CachedFeatureDataset, evaluation: CachedFeatureDataset) {
        let training = try CachedFeatureDataset(questions: self.training, features: trainingFeatures)
        let evaluation = try CachedFeatureDataset(questions: self.evaluation, features: evaluationFeatures)
        guard training.settings == evaluation.settings else {
            throw VQAError.invalidArgument("\(trainingFeatures.path) holds \(training.settings.source) but \(evaluationFeatures.path) "
                                           + "holds \(evaluation.settings.source): compute both splits' features with one encoder")
        }
        return (training, evaluation)
    }

    /// The evaluation split's question types.
    public var types: QuestionTypes {
        let relational = evaluation.split.relationalTypes
        return QuestionTypes(names: evaluation.typeNames, isRelational: evaluation.typeNames.map { relational.contains($0) })
    }
}
