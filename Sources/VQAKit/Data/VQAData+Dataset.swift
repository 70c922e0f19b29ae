import FusionKit
import FusionKitData

extension VQAData: Dataset {
    public var count: Int { imageCount }

    /// Image `index` as planes in [0, 1] (each byte / 255, as `Scene.imageTensor` converts) with
    /// its `questionsPerImage` questions, each rewarding its one answer.
    public func example(at index: Int) throws -> VQAImageExample {
        let plane = imageSize * imageSize
        var values = [Float](repeating: 0, count: 3 * plane)
        let base = index * plane * 3
        for pixel in 0..<plane {
            for channel in 0..<3 { values[channel * plane + pixel] = Float(pixels[base + 3 * pixel + channel]) / 255 }
        }
        let questions = (index * questionsPerImage..<(index + 1) * questionsPerImage).map { row in
            VQAQuestionExample(tokens: Array(tokens[(row * questionLength)..<((row + 1) * questionLength)]),
                               targets: [AnswerTarget(answer: Int(answers[row]), score: 1)],
                               type: Int(subtypes[row]), record: row)
        }
        return VQAImageExample(image: ImagePlanes(channels: 3, height: imageSize, width: imageSize, values: values),
                               questions: questions)
    }
}
