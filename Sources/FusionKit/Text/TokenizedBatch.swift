/// One encoded text or pair of texts: token ids with `[CLS]` and `[SEP]`, and each token's type
/// (Hugging Face's `token_type_ids`: 0 for the first text, 1 for the second of a pair).
public struct TokenizedSequence: Equatable, Sendable {
    /// The token ids (`input_ids`).
    public var ids: [Int]
    /// The segment of each token (`token_type_ids`), as many as `ids`.
    public var tokenTypes: [Int]

    public init(ids: [Int], tokenTypes: [Int]) {
        precondition(ids.count == tokenTypes.count,
                     "TokenizedSequence: \(ids.count) ids but \(tokenTypes.count) token types")
        self.ids = ids
        self.tokenTypes = tokenTypes
    }

    /// One text's ids, every token of type 0.
    init(singleText ids: [Int]) {
        self.init(ids: ids, tokenTypes: Array(repeating: 0, count: ids.count))
    }

    /// The single-text layout both tokenizers return: `start`, `ids`, `end` (BERT's `[CLS] … [SEP]`,
    /// CLIP's `<|startoftext|> … <|endoftext|>`), with `ids` cut from the end so that the whole
    /// has at most `maximumLength` ids (Hugging Face's `truncation=True, max_length=…`).
    ///
    /// - Precondition: `maximumLength` is at least 2; `caller` and `markers` name the tokenizer and
    ///   its two markers in the message otherwise.
    static func framing(_ ids: [Int], start: Int, end: Int, maximumLength: Int?,
                        caller: String, markers: String) -> [Int] {
        guard let maximumLength else { return [start] + ids + [end] }
        precondition(maximumLength >= 2,
                     "\(caller): maximumLength \(maximumLength) leaves no room for \(markers)")
        return [start] + ids.prefix(maximumLength - 2) + [end]
    }
}

/// Encoded sequences padded to one length, as a BERT or CLIP model takes them: rows of token ids,
/// an attention mask (1 for a real token, 0 for padding) and token types, each `[batch, length]`.
/// Padding goes at the end of each row, with the padding id (`[PAD]`'s for BERT) and token type
/// 0, up to the longest sequence of the batch (Hugging Face's `padding=True`) or to a given
/// minimum length (`padding="max_length"`).
public struct TokenizedBatch: Equatable, Sendable {
    /// The token ids of each sequence, padded (`input_ids`).
    public let ids: [[Int]]
    /// 1 where a row holds a token, 0 where it holds padding (`attention_mask`).
    public let attentionMask: [[Int]]
    /// The token type of each position, 0 for padding (`token_type_ids`).
    public let tokenTypes: [[Int]]
    /// The length of every row: the longest sequence's.
    public let length: Int

    /// `sequences` padded with `paddingID` to the longest of them, or to `minimumLength` if that
    /// is longer.
    public init(padding sequences: [TokenizedSequence], with paddingID: Int, minimumLength: Int = 0) {
        let length = max(sequences.map(\.ids.count).max() ?? 0, minimumLength)
        func padded(_ row: [Int], with value: Int) -> [Int] {
            row + Array(repeating: value, count: length - row.count)
        }
        ids = sequences.map { padded($0.ids, with: paddingID) }
        attentionMask = sequences.map { padded(Array(repeating: 1, count: $0.ids.count), with: 0) }
        tokenTypes = sequences.map { padded($0.tokenTypes, with: 0) }
        self.length = length
    }

    /// The number of sequences.
    public var count: Int { ids.count }

    /// The ids as a `[batch, length]` tensor (ids are stored as `Float`s, exact below 2²⁴).
    public var idTensor: Tensor { Self.tensor(ids, length: length) }
    /// The attention mask as a `[batch, length]` tensor of 1s and 0s.
    public var attentionMaskTensor: Tensor { Self.tensor(attentionMask, length: length) }
    /// The token types as a `[batch, length]` tensor.
    public var tokenTypeTensor: Tensor { Self.tensor(tokenTypes, length: length) }

    private static func tensor(_ rows: [[Int]], length: Int) -> Tensor {
        Tensor(rows.flatMap { $0.map(Float.init) }, shape: [rows.count, length])
    }
}
