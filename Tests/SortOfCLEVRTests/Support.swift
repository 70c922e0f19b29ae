import Testing
import SortOfCLEVR

/// A data set the check below can generate and compare: the plain and the harder one.
protocol GeneratedScenes: SortOfCLEVRImageSet where SceneType: Equatable, QuestionType: Equatable {
    static func generate(seed: UInt64, imageCount: Int) -> Self
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
