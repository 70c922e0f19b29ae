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
public struct SortOfCLEVRDataset: Equatable, Sendable {
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
    /// The rendered images, `imageCount × 75 × 75 × 3` bytes (NHWC, RGB; see ``Scene/render()``).
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
        var images = [UInt8](repeating: 0, count: scenes.count * Scene.imageByteCount)
        images.withUnsafeMutableBufferPointer { buffer in
            for (index, scene) in scenes.enumerated() {
                let start = index * Scene.imageByteCount
                scene.render(into: UnsafeMutableBufferPointer(rebasing: buffer[start ..< start + Scene.imageByteCount]))
            }
        }
        self.images = images
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
    public static func generate(seed: UInt64, imageCount: Int) -> SortOfCLEVRDataset {
        precondition(imageCount >= 0, "SortOfCLEVRDataset.generate: negative image count \(imageCount)")
        var generator = RandomGenerator(seed: seed)
        var scenes: [Scene] = []
        var questions: [Question] = []
        scenes.reserveCapacity(imageCount)
        questions.reserveCapacity(imageCount * questionsPerImage)
        for _ in 0 ..< imageCount {
            let scene = SceneGenerator.scene(using: &generator)
            scenes.append(scene)
            questions.append(contentsOf: SceneGenerator.questions(about: scene, using: &generator))
        }
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
        var generator = RandomGenerator(seed: seed ^ 0x5445_5354_5345_5421)   // "TESTSET!"
        return generator.next()
    }

    /// The number of images (and scenes).
    public var imageCount: Int { scenes.count }

    /// The number of questions: `imageCount × questionsPerImage`.
    public var questionCount: Int { questions.count }

    /// The bytes of image `index` (75 × 75 × 3, HWC).
    public func image(at index: Int) -> ArraySlice<UInt8> {
        images[index * Scene.imageByteCount ..< (index + 1) * Scene.imageByteCount]
    }

    /// The questions about image `index`.
    public func questions(aboutImage index: Int) -> ArraySlice<Question> {
        questions[index * Self.questionsPerImage ..< (index + 1) * Self.questionsPerImage]
    }

    /// The padded word ids of question `index`.
    public func tokenIDs(ofQuestion index: Int) -> ArraySlice<Int32> {
        let length = QuestionVocabulary.maximumQuestionLength
        return tokenIDs[index * length ..< (index + 1) * length]
    }

    /// The image a question is about: `questionIndex / questionsPerImage`.
    public static func imageIndex(ofQuestion questionIndex: Int) -> Int {
        questionIndex / questionsPerImage
    }
}
