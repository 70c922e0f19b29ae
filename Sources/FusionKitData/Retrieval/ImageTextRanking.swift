import Foundation
import FusionKit

/// Captions ranked for a picture with a CLIP model: the picture prepared as CLIP's image tower
/// expects (shorter side resized to its image size, centre crop, CLIP's mean and standard
/// deviation; the resize is antialiased bilinear where CLIP's own processor is bicubic), the
/// captions tokenised with its byte-pair tokenizer, and each caption scored by Hugging Face's
/// `logits_per_text`, exp(logit scale) · cos(caption, picture), then softmaxed over the captions.
public enum ImageTextRanking {
    /// One caption's score.
    public struct Ranked: Sendable, Equatable {
        public var caption: String
        public var logit: Float
        /// Softmax of the logits over the captions given.
        public var probability: Float
    }

    /// Why captions cannot be scored.
    public enum RankingError: DescribedError, Equatable {
        /// The tokenizer gives ids the model's text vocabulary does not have.
        case tokenizerMismatch(tokenizerMaximumID: Int, modelVocabularySize: Int)
        case noCaptions

        public var description: String {
            switch self {
            case let .tokenizerMismatch(maximumID, size):
                return "the tokenizer gives token id \(maximumID), but the model's text vocabulary has \(size) tokens: "
                    + "the tokenizer files do not belong to this model"
            case .noCaptions: return "no captions to rank"
            }
        }
    }

    /// How `model` wants its pictures prepared.
    public static func preprocessing(for model: CLIPModel) -> ImagePreprocessing {
        .clip(size: model.configuration.vision.imageSize)
    }

    /// `logits_per_text` of prepared `pixels` [1, 3, S, S] and `captions`: one logit per caption.
    public static func logits(pixels: Tensor, captions: [String], model: CLIPModel, tokenizer: CLIPTokenizer) throws -> [Float] {
        guard !captions.isEmpty else { throw RankingError.noCaptions }
        let batch = tokenizer.encode(batch: captions, maximumLength: model.configuration.text.maximumPositions)
        let largest = batch.ids.joined().max() ?? 0
        guard largest < model.configuration.text.vocabularySize else {
            throw RankingError.tokenizerMismatch(tokenizerMaximumID: largest, modelVocabularySize: model.configuration.text.vocabularySize)
        }
        return withoutGradient {
            model.logitsPerText(images: pixels, ids: batch.idTensor, attentionMask: batch.attentionMaskTensor)
        }.scalars
    }

    /// `captions` ranked for the picture in `imageFile` (PNG or JPEG), best first.
    public static func rank(imageFile: URL, captions: [String], model: CLIPModel, tokenizer: CLIPTokenizer) throws -> [Ranked] {
        let planes = preprocessing(for: model)(try ImageFile.decode(contentsOf: imageFile).planes())
        let logits = try logits(pixels: Tensor(stacking: [planes]), captions: captions, model: model, tokenizer: tokenizer)
        let largest = logits.max() ?? 0
        let weights = logits.map { Foundation.exp($0 - largest) }
        let total = weights.reduce(0, +)
        return zip(captions, zip(logits, weights)).map { Ranked(caption: $0, logit: $1.0, probability: $1.1 / total) }
            .sorted { $0.logit > $1.logit }
    }
}
