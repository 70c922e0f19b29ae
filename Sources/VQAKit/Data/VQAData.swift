import FusionKit
import SortOfCLEVR

/// Images with their questions, in the arrays training reads batches from: images uint8 NHWC,
/// `questionsPerImage` questions per image (image-major), token ids padded to `questionLength`.
public struct VQAData: Sendable {
    public let imageCount: Int
    /// The side of the square images (Sort-of-CLEVR's 75).
    public let imageSize: Int
    public let questionsPerImage: Int
    public let questionLength: Int
    /// [imageCount · size · size · 3] RGB bytes.
    public let pixels: [UInt8]
    /// [imageCount · questionsPerImage · questionLength] token ids, 0 = padding.
    public let tokens: [Int32]
    /// [imageCount · questionsPerImage] answer indices.
    public let answers: [Int32]
    /// [imageCount · questionsPerImage]: 0 non-relational, 1 relational.
    public let kinds: [Int32]
    /// [imageCount · questionsPerImage]: the question subtype index.
    public let subtypes: [Int32]

    public init(imageCount: Int, imageSize: Int, questionsPerImage: Int, questionLength: Int, pixels: [UInt8],
                tokens: [Int32], answers: [Int32], kinds: [Int32], subtypes: [Int32]) {
        precondition(imageSize == Scene.imageSize && pixels.count == imageCount * imageSize * imageSize * 3
                     && tokens.count == imageCount * questionsPerImage * questionLength
                     && answers.count == imageCount * questionsPerImage && kinds.count == answers.count
                     && subtypes.count == answers.count, "VQAData: array sizes do not match \(imageCount) images")
        self.imageCount = imageCount
        self.imageSize = imageSize
        self.questionsPerImage = questionsPerImage
        self.questionLength = questionLength
        self.pixels = pixels
        self.tokens = tokens
        self.answers = answers
        self.kinds = kinds
        self.subtypes = subtypes
    }

    /// The first `count` images and their questions.
    public func prefix(_ count: Int) -> VQAData {
        let n = Swift.min(count, imageCount), q = n * questionsPerImage
        return VQAData(imageCount: n, imageSize: imageSize, questionsPerImage: questionsPerImage,
                       questionLength: questionLength, pixels: Array(pixels[0..<(n * imageSize * imageSize * 3)]),
                       tokens: Array(tokens[0..<(q * questionLength)]), answers: Array(answers[0..<q]),
                       kinds: Array(kinds[0..<q]), subtypes: Array(subtypes[0..<q]))
    }

    /// Images [B, 3, S, S] with values in [0, 1] (Sort-of-CLEVR's conversion, `Scene.imageTensor`).
    public func images(_ indices: [Int]) -> Tensor {
        Scene.imageTensor(pixels: pixels, images: indices)
    }

    /// The question rows of `images`, image-major.
    public func questionRows(_ images: [Int]) -> [Int] {
        images.flatMap { image in (image * questionsPerImage)..<((image + 1) * questionsPerImage) }
    }

    /// Token ids [rows, L] as floats.
    public func questions(rows: [Int]) -> Tensor {
        var values = [Float](repeating: 0, count: rows.count * questionLength)
        for (slot, row) in rows.enumerated() {
            for position in 0..<questionLength {
                values[slot * questionLength + position] = Float(tokens[row * questionLength + position])
            }
        }
        return Tensor(values, shape: [rows.count, questionLength])
    }

    /// Answer indices [rows] as floats.
    public func answers(rows: [Int]) -> Tensor {
        Tensor(rows.map { Float(answers[$0]) }, shape: [rows.count])
    }
}
