import Foundation

/// A sentence-transformers model folder (a BERT encoder, its WordPiece vocabulary and the
/// pooling after it) turned into a function from sentences to vectors, as
/// `SentenceTransformer(folder).encode(sentences)` computes them for mean-pooling models such as
/// all-MiniLM-L6-v2: tokens cut at `max_seq_length`, the last layer's states averaged over the
/// attention mask, then divided by their length when the folder's `modules.json` ends in a
/// `Normalize` module.
///
/// ```swift
/// let encoder = try SentenceEncoder(folder: URL(fileURLWithPath: ".models/all-MiniLM-L6-v2"))
/// let vectors = encoder.encode(["A man is playing a guitar.", "Someone plays an instrument."])
/// let similarity = SentenceEmbedding.cosineSimilarities(vectors, vectors)   // [2, 2]
/// ```
public final class SentenceEncoder {
    public let model: BertModel
    public let tokenizer: WordPieceTokenizer
    /// Tokens per sentence, [CLS] and [SEP] included (sentence-transformers' `max_seq_length`).
    public let maximumLength: Int
    /// Whether the vectors are divided by their Euclidean length.
    public let normalizes: Bool

    public init(model: BertModel, tokenizer: WordPieceTokenizer, maximumLength: Int = 256, normalizes: Bool = true) {
        precondition(maximumLength >= 2, "SentenceEncoder: maximum length \(maximumLength) leaves no room for [CLS] and [SEP]")
        self.model = model
        self.tokenizer = tokenizer
        self.maximumLength = Swift.min(maximumLength, model.configuration.maximumPositions)
        self.normalizes = normalizes
    }

    /// The folder's model, tokenizer and settings. `sentence_bert_config.json` gives the maximum
    /// length (otherwise the model's positions); `modules.json` whether to normalise (otherwise
    /// yes); `1_Pooling/config.json`, when present, must ask for mean pooling, the only mode here.
    public convenience init(folder url: URL) throws {
        let folder = ModelFolder(url)
        let model = try BertModel(folder: url)
        let tokenizer = try WordPieceTokenizer(folder: url)
        var maximumLength = model.configuration.maximumPositions
        if folder.contains("sentence_bert_config.json") {
            maximumLength = try Self.decode(SentenceSettings.self, folder, "sentence_bert_config.json").maximumLength
                ?? maximumLength
        }
        var normalizes = true
        if folder.contains("modules.json") {
            let modules = try Self.decode([SentenceModule].self, folder, "modules.json")
            normalizes = modules.contains { $0.type.hasSuffix(".Normalize") }
        }
        if folder.contains("1_Pooling/config.json") {
            let pooling = try Self.decode(PoolingSettings.self, folder, "1_Pooling/config.json")
            guard pooling.meanTokens == true, pooling.clsToken != true, pooling.maxTokens != true else {
                throw ModelFolderError.invalidConfiguration(path: folder.file("1_Pooling/config.json").path,
                                                            reason: "only mean pooling (pooling_mode_mean_tokens) is supported")
            }
        }
        guard maximumLength >= 2 else {
            throw ModelFolderError.invalidConfiguration(path: folder.file("sentence_bert_config.json").path,
                                                        reason: "max_seq_length \(maximumLength) leaves no room for [CLS] and [SEP]")
        }
        self.init(model: model, tokenizer: tokenizer, maximumLength: maximumLength, normalizes: normalizes)
    }

    /// One vector per sentence, [sentences, hidden], encoded `batchSize` sentences at a time
    /// (each batch padded to its longest sentence).
    public func encode(_ sentences: [String], batchSize: Int = 32) -> Tensor {
        precondition(batchSize > 0, "SentenceEncoder.encode: batch size \(batchSize) must be positive")
        guard !sentences.isEmpty else { return Tensor.zeros([0, model.configuration.hiddenSize]) }
        let parts = stride(from: 0, to: sentences.count, by: batchSize).map { start in
            encodeBatch(Array(sentences[start..<Swift.min(start + batchSize, sentences.count)]))
        }
        return parts.count == 1 ? parts[0] : Tensor.concatenate(parts, alongAxis: 0)
    }

    private func encodeBatch(_ sentences: [String]) -> Tensor {
        let batch = tokenizer.encode(batch: sentences, maximumLength: maximumLength)
        let mask = batch.attentionMaskTensor
        return withoutGradient {
            let states = model(ids: batch.idTensor, attentionMask: mask, tokenTypes: batch.tokenTypeTensor).lastHiddenState
            let pooled = SentenceEmbedding.meanPooling(states, mask: mask)
            return normalizes ? SentenceEmbedding.l2Normalized(pooled) : pooled
        }
    }

    private struct SentenceSettings: Decodable {
        var maximumLength: Int?
        enum CodingKeys: String, CodingKey { case maximumLength = "max_seq_length" }
    }

    private struct SentenceModule: Decodable { var type: String }

    private struct PoolingSettings: Decodable {
        var meanTokens: Bool?, clsToken: Bool?, maxTokens: Bool?
        enum CodingKeys: String, CodingKey {
            case meanTokens = "pooling_mode_mean_tokens", clsToken = "pooling_mode_cls_token", maxTokens = "pooling_mode_max_tokens"
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ folder: ModelFolder, _ name: String) throws -> T {
        let path = folder.file(name)
        do {
            return try JSONDecoder().decode(type, from: Data(FileIO.readRegularFile(at: path)))
        } catch let error as DecodingError {
            throw ModelFolderError.invalidConfiguration(path: path.path, reason: ModelFolder.describe(error))
        } catch {
            throw ModelFolderError.invalidConfiguration(path: path.path, reason: "\(error)")
        }
    }
}
