import FusionKit

/// A Sort-of-CLEVR data set (Santoro et al. 2017, "A simple neural network module for relational
/// reasoning"): rendered scenes with ten non-relational and ten relational questions each.
///
/// Generation uses integer arithmetic only and the framework's ``RandomGenerator``, so a seed
/// gives byte-identical data on every machine. Scenes and their questions come from one stream,
/// image after image: the first `n` images of a seed do not depend on how many are generated.
///
/// ```swift
/// let (training, test) = SortOfCLEVRDataset.paperSplit(seed: 1)      // 9,800 and 200 images
/// let images = training.imageTensor(images: [0, 1, 2])               // [3, 3, 75, 75] in [0, 1]
/// print(training.questions[0].text, training.questions[0].answer.text)
/// ```
// Deliberate pattern (same shape as Sources/SortOfCLEVR/Harder/HarderSortOfCLEVR.swift:HarderSortOfCLEVR): each set's own stored types, split names and checked init (this one also encodes token ids); the shared logic is SortOfCLEVRGeneration and SortOfCLEVRImageSet.
public struct SortOfCLEVRDataset: SortOfCLEVRImageSet, Equatable, Sendable {
    /// Questions per image: ten non-relational, then ten relational.
    public static let questionsPerImage = 2 * SceneGenerator.questionsPerKind
    /// The training images of the paper's split.
    public static let paperTrainingImageCount = 9_800
    /// The test images of the paper's split.
    public static let paperTestImageCount = 200

    /// The seed the data set was generated from.
    public let seed: UInt64
    /// The scenes, one per image.
    public let scenes: [Scene]
    /// The rendered images, `imageCount × 75 × 75 × 3` bytes (NHWC, RGB; see ``Scene/render(into:)``).
    public let images: [UInt8]
    /// The questions with their answers: those of image `i` are at
    /// `i * questionsPerImage ..< (i + 1) * questionsPerImage`.
    public let questions: [Question]
    /// The questions' word ids, each padded with ``QuestionVocabulary/paddingID`` to
    /// ``QuestionVocabulary/maximumQuestionLength``: `questions.count × maximumQuestionLength` ids.
    public let tokenIDs: [Int32]

    /// A data set of the given scenes and questions, rendering the images and encoding the questions.
    ///
    /// - Precondition: there are ``questionsPerImage`` questions per scene.
    public init(seed: UInt64, scenes: [Scene], questions: [Question]) {
        precondition(questions.count == scenes.count * Self.questionsPerImage,
                     "SortOfCLEVRDataset: \(questions.count) questions for \(scenes.count) scenes")
        self.seed = seed
        self.scenes = scenes
        self.questions = questions
        images = SortOfCLEVRGeneration.images(of: scenes)
        let length = QuestionVocabulary.maximumQuestionLength
        var tokenIDs = [Int32](repeating: Int32(QuestionVocabulary.paddingID), count: questions.count * length)
        for (index, question) in questions.enumerated() {
            for (position, id) in question.filled.ids.enumerated() {
                tokenIDs[index * length + position] = id
            }
        }
        self.tokenIDs = tokenIDs
    }

    /// Generates `imageCount` scenes with their questions from `seed`.
    ///
    /// For each image in turn, the scene is drawn, then its 20 questions (see ``SceneGenerator``),
    /// all from one `RandomGenerator(seed: seed)`.
    ///
    /// - Precondition: `imageCount >= 0`.
    // Deliberate pattern (same shape as Sources/SortOfCLEVR/Harder/HarderSortOfCLEVR.swift:generate and paperSplit): public entry points of one line each, over SortOfCLEVRGeneration with this set's generator and split seeds.
    public static func generate(seed: UInt64, imageCount: Int) -> SortOfCLEVRDataset {
        let (scenes, questions) = SortOfCLEVRGeneration.generate(
            seed: seed, imageCount: imageCount, questionsPerImage: questionsPerImage, caller: "SortOfCLEVRDataset.generate",
            scene: SceneGenerator.scene(using:), questions: SceneGenerator.questions(about:using:))
        return SortOfCLEVRDataset(seed: seed, scenes: scenes, questions: questions)
    }

    /// The paper's split from one seed: `trainingImageCount` (9,800) training images generated
    /// from `seed`, and `testImageCount` (200) test images generated from ``testSeed(for:)``, an
    /// independent stream, so the test set does not change with the size of the training set.
    public static func paperSplit(seed: UInt64, trainingImageCount: Int = paperTrainingImageCount,
                                  testImageCount: Int = paperTestImageCount)
        -> (training: SortOfCLEVRDataset, test: SortOfCLEVRDataset) {
        (generate(seed: seed, imageCount: trainingImageCount),
         generate(seed: testSeed(for: seed), imageCount: testImageCount))
    }

    /// The seed of the test set that ``paperSplit(seed:trainingImageCount:testImageCount:)``
    /// derives from `seed`: the first output of a generator seeded with `seed` mixed with a constant.
    public static func testSeed(for seed: UInt64) -> UInt64 {
        SortOfCLEVRGeneration.derivedSeed(seed, mixedWith: 0x5445_5354_5345_5421)   // "TESTSET!"
    }

    /// The padded word ids of question `index`.
    public func tokenIDs(ofQuestion index: Int) -> ArraySlice<Int32> {
        let length = QuestionVocabulary.maximumQuestionLength
        return tokenIDs[index * length ..< (index + 1) * length]
    }
}
