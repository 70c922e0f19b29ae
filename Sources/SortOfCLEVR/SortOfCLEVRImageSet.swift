import FusionKit

/// What the plain (``SortOfCLEVRDataset``) and the harder (``HarderSortOfCLEVR``) data sets both
/// are: scenes rendered to 75 × 75 RGB images, one after the other, with ``questionsPerImage``
/// questions each in image order. The accessors of this extension serve both.
public protocol SortOfCLEVRImageSet {
    associatedtype SceneType: SortOfCLEVRRendering
    associatedtype QuestionType
    /// Questions per image: ten non-relational, then ten relational.
    static var questionsPerImage: Int { get }
    /// The scenes, one per image.
    var scenes: [SceneType] { get }
    /// The rendered images, `imageCount × 75 × 75 × 3` bytes (NHWC, RGB).
    var images: [UInt8] { get }
    /// The questions with their answers: those of image `i` are at
    /// `i * questionsPerImage ..< (i + 1) * questionsPerImage`.
    var questions: [QuestionType] { get }
}

extension SortOfCLEVRImageSet {
    /// The number of images (and scenes).
    public var imageCount: Int { scenes.count }

    /// The number of questions: `imageCount × questionsPerImage`.
    public var questionCount: Int { questions.count }

    /// The bytes of image `index` (75 × 75 × 3, HWC).
    public func image(at index: Int) -> ArraySlice<UInt8> {
        images[index * SceneType.imageByteCount ..< (index + 1) * SceneType.imageByteCount]
    }

    /// The questions about image `index`.
    public func questions(aboutImage index: Int) -> ArraySlice<QuestionType> {
        questions[index * Self.questionsPerImage ..< (index + 1) * Self.questionsPerImage]
    }

    /// The image a question is about: `questionIndex / questionsPerImage`.
    public static func imageIndex(ofQuestion questionIndex: Int) -> Int {
        questionIndex / questionsPerImage
    }

    /// The images `indices` (repeats allowed) as a `[indices.count, 3, 75, 75]` tensor (NCHW, the
    /// layout of ``Conv2d``), each byte divided by 255, in one pass over the pixels.
    ///
    /// - Precondition: every index is in `0 ..< imageCount`.
    public func imageTensor(images indices: [Int]) -> Tensor {
        // Both sets render 75 × 75 RGB images, the layout `Scene.imageTensor` reads.
        precondition(SceneType.imageByteCount == Scene.imageByteCount,
                     "\(Self.self).imageTensor: \(SceneType.imageByteCount) bytes an image, expected \(Scene.imageByteCount)")
        for index in indices {
            precondition(index >= 0 && index < imageCount,
                         "\(Self.self).imageTensor: image \(index) out of range 0..<\(imageCount)")
        }
        return Scene.imageTensor(pixels: images, images: indices)
    }
}
