import FusionKit

extension SortOfCLEVRDataset {
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

extension Scene {
    /// Images `indices` of `pixels` (RGB bytes, NHWC, ``imageByteCount`` per image — a data set's
    /// `images` or one `render()`) as a `[indices.count, 3, 75, 75]` tensor (NCHW), each byte
    /// divided by 255, in one pass over the pixels.
    ///
    /// - Precondition: every image lies inside `pixels`.
    public static func imageTensor(pixels: [UInt8], images indices: [Int]) -> Tensor {
        let plane = imageSize * imageSize
        var tensor = Tensor(repeating: 0, shape: [indices.count, channelCount, imageSize, imageSize])
        tensor.withUnsafeMutableBufferPointer { out in
            pixels.withUnsafeBufferPointer { bytes in
                for (batch, index) in indices.enumerated() {
                    precondition(index >= 0 && (index + 1) * imageByteCount <= bytes.count,
                                 "Scene.imageTensor: image \(index) is outside \(bytes.count) bytes of pixels")
                    let source = index * imageByteCount
                    let target = batch * channelCount * plane
                    for pixel in 0 ..< plane {
                        out[target + pixel] = byteToUnit[Int(bytes[source + 3 * pixel])]
                        out[target + plane + pixel] = byteToUnit[Int(bytes[source + 3 * pixel + 1])]
                        out[target + 2 * plane + pixel] = byteToUnit[Int(bytes[source + 3 * pixel + 2])]
                    }
                }
            }
        }
        return tensor
    }
}

/// `Float(byte) / 255` for every byte value, exactly rounded.
private let byteToUnit: [Float] = (0 ... 255).map { Float($0) / 255 }
