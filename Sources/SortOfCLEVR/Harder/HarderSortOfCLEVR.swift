import FusionKit

/// A harder Sort-of-CLEVR data set: the plain set's 75 × 75 images and 10 + 10 questions per image,
/// but with ten colours (six per scene), four shapes, two size classes, jittered object colours
/// and a textured background, and nine question subtypes (see ``HarderQuestionSubtype``).
///
/// Generation uses integer arithmetic only and the framework's ``RandomGenerator``, so a seed
/// gives byte-identical data on every machine. Scenes and their questions come from one stream,
/// image after image: the first `n` images of a seed do not depend on how many are generated.
///
/// ```swift
/// let (training, validation) = HarderSortOfCLEVR.paperSplit(seed: 1)   // 9,800 and 200 images
/// let pixels = training.image(at: 0)                                     // 75 × 75 × 3 bytes, HWC
/// print(training.questions[0].text, training.questions[0].answer.text)
/// ```
// Deliberate pattern (same shape as Sources/SortOfCLEVR/SortOfCLEVRDataset.swift:SortOfCLEVRDataset): each set's own stored types, split names and checked init; the shared logic is SortOfCLEVRGeneration and SortOfCLEVRImageSet.
public struct HarderSortOfCLEVR: SortOfCLEVRImageSet, Equatable, Sendable {
    /// Questions per image: ten non-relational, then ten relational.
    public static let questionsPerImage = 2 * HarderSceneGenerator.questionsPerKind
    /// The training images of the paper-like split.
    public static let paperTrainingImageCount = 9_800
    /// The validation images of the paper-like split.
    public static let paperValidationImageCount = 200

    /// The seed the data set was generated from.
    public let seed: UInt64
    /// The scenes, one per image.
    public let scenes: [HarderScene]
    /// The rendered images, `imageCount × 75 × 75 × 3` bytes (NHWC, RGB; see ``HarderScene/render(into:)``).
    public let images: [UInt8]
    /// The questions with their answers: those of image `i` are at
    /// `i * questionsPerImage ..< (i + 1) * questionsPerImage`.
    public let questions: [HarderQuestion]

    /// A data set of the given scenes and questions, rendering the images.
    ///
    /// - Precondition: there are ``questionsPerImage`` questions per scene.
    public init(seed: UInt64, scenes: [HarderScene], questions: [HarderQuestion]) {
        precondition(questions.count == scenes.count * Self.questionsPerImage,
                     "HarderSortOfCLEVR: \(questions.count) questions for \(scenes.count) scenes")
        self.seed = seed
        self.scenes = scenes
        self.questions = questions
        images = SortOfCLEVRGeneration.images(of: scenes)
    }

    /// Generates `imageCount` scenes with their questions from `seed`.
    ///
    /// For each image in turn, the scene is drawn, then its 20 questions (see
    /// ``HarderSceneGenerator``), all from one `RandomGenerator(seed: seed)`; each image's noise
    /// comes from its scene's own noise seed.
    ///
    /// - Precondition: `imageCount >= 0`.
    // Deliberate pattern (same shape as Sources/SortOfCLEVR/SortOfCLEVRDataset.swift:generate and paperSplit): public entry points of one line each, over SortOfCLEVRGeneration with this set's generator and split seeds.
    public static func generate(seed: UInt64, imageCount: Int) -> HarderSortOfCLEVR {
        let (scenes, questions) = SortOfCLEVRGeneration.generate(
            seed: seed, imageCount: imageCount, questionsPerImage: questionsPerImage, caller: "HarderSortOfCLEVR.generate",
            scene: HarderSceneGenerator.scene(using:), questions: HarderSceneGenerator.questions(about:using:))
        return HarderSortOfCLEVR(seed: seed, scenes: scenes, questions: questions)
    }

    /// The paper-like split from one seed: `trainingImageCount` (9,800) training images generated
    /// from ``trainingSeed(for:)`` and `validationImageCount` (200) validation images generated from
    /// ``validationSeed(for:)``: two independent streams derived from `seed`, so the validation set
    /// does not change with the size of the training set, and neither stream is the plain set's
    /// for the same seed.
    public static func paperSplit(seed: UInt64, trainingImageCount: Int = paperTrainingImageCount,
                                  validationImageCount: Int = paperValidationImageCount)
        -> (training: HarderSortOfCLEVR, validation: HarderSortOfCLEVR) {
        (generate(seed: trainingSeed(for: seed), imageCount: trainingImageCount),
         generate(seed: validationSeed(for: seed), imageCount: validationImageCount))
    }

    /// The seed of the training set that ``paperSplit(seed:trainingImageCount:validationImageCount:)``
    /// derives from `seed`: the first output of a generator seeded with `seed` mixed with a constant.
    public static func trainingSeed(for seed: UInt64) -> UInt64 {
        SortOfCLEVRGeneration.derivedSeed(seed, mixedWith: 0x4841_5244_5452_4E21)   // "HARDTRN!"
    }

    /// The seed of the validation set that ``paperSplit(seed:trainingImageCount:validationImageCount:)``
    /// derives from `seed`: the first output of a generator seeded with `seed` mixed with another constant.
    public static func validationSeed(for seed: UInt64) -> UInt64 {
        SortOfCLEVRGeneration.derivedSeed(seed, mixedWith: 0x4841_5244_5641_4C21)   // "HARDVAL!"
    }
}
