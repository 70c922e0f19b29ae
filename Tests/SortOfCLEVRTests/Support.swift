import Testing
import SortOfCLEVR

/// What the plain and the harder generator have in common, so that one check serves both.
protocol GeneratedScenes {
    associatedtype SceneType: Equatable
    associatedtype QuestionType: Equatable
    static func generate(seed: UInt64, imageCount: Int) -> Self
    var scenes: [SceneType] { get }
    var questions: [QuestionType] { get }
    var images: [UInt8] { get }
}

extension SortOfCLEVRDataset: GeneratedScenes {}
extension HarderSortOfCLEVR: GeneratedScenes {}

/// The first five images of a seed, their scenes and their questions (twenty an image) are the
/// same whether five or twelve images are generated.
func expectImagesDoNotDependOnTheCount<Generated: GeneratedScenes>(_: Generated.Type,
                                                                    sourceLocation: SourceLocation = #_sourceLocation) {
    let short = Generated.generate(seed: 3, imageCount: 5)
    let long = Generated.generate(seed: 3, imageCount: 12)
    #expect(Array(long.scenes.prefix(5)) == short.scenes, sourceLocation: sourceLocation)
    #expect(Array(long.questions.prefix(100)) == short.questions, sourceLocation: sourceLocation)
    #expect(Array(long.images.prefix(short.images.count)) == short.images, sourceLocation: sourceLocation)
}
