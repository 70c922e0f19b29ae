import FusionKit

extension SortOfCLEVRDataset {
    /// The images `indices` (repeats allowed) as a `[indices.count, 3, 75, 75]` tensor (NCHW, the
    /// layout of ``Conv2d``), each byte divided by 255, in one pass over the pixels.
    ///
    /// - Precondition: every index is in `0 ..< imageCount`.
    public func imageTensor(images indices: [Int]) -> Tensor {
        let size = Scene.imageSize, plane = size * size
        var tensor = Tensor(repeating: 0, shape: [indices.count, Scene.channelCount, size, size])
        tensor.withUnsafeMutableBufferPointer { out in
            images.withUnsafeBufferPointer { pixels in
                for (batch, index) in indices.enumerated() {
                    precondition(index >= 0 && index < imageCount,
                                 "SortOfCLEVRDataset.imageTensor: image \(index) out of range 0..<\(imageCount)")
                    let source = index * Scene.imageByteCount
                    let target = batch * Scene.channelCount * plane
                    for pixel in 0 ..< plane {
                        out[target + pixel] = byteToUnit[Int(pixels[source + 3 * pixel])]
                        out[target + plane + pixel] = byteToUnit[Int(pixels[source + 3 * pixel + 1])]
                        out[target + 2 * plane + pixel] = byteToUnit[Int(pixels[source + 3 * pixel + 2])]
                    }
                }
            }
        }
        return tensor
    }

    /// The padded word ids of the questions `indices` as a `[indices.count, maximumQuestionLength]`
    /// tensor of ids (the input of ``Embedding``).
    ///
    /// - Precondition: every index is in `0 ..< questionCount`.
    public func questionTensor(questions indices: [Int]) -> Tensor {
        let length = QuestionVocabulary.maximumQuestionLength
        var ids = [Float](repeating: 0, count: indices.count * length)
        for (row, index) in indices.enumerated() {
            precondition(index >= 0 && index < questionCount,
                         "SortOfCLEVRDataset.questionTensor: question \(index) out of range 0..<\(questionCount)")
            for position in 0 ..< length {
                ids[row * length + position] = Float(tokenIDs[index * length + position])
            }
        }
        return Tensor(ids, shape: [indices.count, length])
    }

    /// The answer indices (see ``Answer``) of the questions `indices` as a `[indices.count]`
    /// tensor: the targets of `crossEntropyLoss(logits:targets:)`.
    ///
    /// - Precondition: every index is in `0 ..< questionCount`.
    public func answerTensor(questions indices: [Int]) -> Tensor {
        Tensor(indices.map { Float(questions[$0].answer.rawValue) })
    }
}

/// `Float(byte) / 255` for every byte value, exactly rounded.
private let byteToUnit: [Float] = (0 ... 255).map { Float($0) / 255 }
