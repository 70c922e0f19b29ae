import Foundation

/// CLIP's tokenizer: text to the token ids CLIP's text encoder reads, exactly as Hugging Face's
/// `CLIPTokenizerFast` gives them.
///
/// 1. The special tokens `<|startoftext|>` and `<|endoftext|>` (and the padding token, if it is
///    another) are found in the raw text, exactly as written, and kept as they are; "<|EndOfText|>"
///    is not one of them. (A token listed in ``normalizedSpecialTokens`` is looked for after step 2
///    instead.)
/// 2. The text between them is normalised (see CLIPTextNormalizer.swift): composed (NFC), every
///    run of whitespace made one space, lowercased.
/// 3. It is cut into pieces (see CLIPPreTokenizer.swift): contractions ("'s", "'ll", …), runs of
///    letters, **single** digits, and runs of other characters; whitespace is dropped.
///    "It's 2024!" → "it", "'s", "2", "0", "2", "4", "!".
/// 4. Each piece's UTF-8 bytes are spelled in GPT-2's ``ByteLevelAlphabet``, the last byte with
///    the end-of-word suffix `</w>`; a byte whose spelling is not in the vocabulary becomes
///    `<|endoftext|>`, CLIP's unknown token. Then the vocabulary's merges join the bytes into
///    tokens, lowest rank first ("dog" → "d", "o", "g</w>" → "do", "g</w>" → "dog</w>").
/// 5. ``encode(_:maximumLength:)`` puts `<|startoftext|>` before and `<|endoftext|>` after, and
///    by default keeps at most ``contextLength`` (77) ids, the length of CLIP's text encoder.
///
/// ```swift
/// let tokenizer = try CLIPTokenizer(folder: URL(fileURLWithPath: "clip-vit-base-patch32"))
/// tokenizer.tokenize("A photo of a dog.")   // ["a</w>", "photo</w>", "of</w>", "a</w>", "dog</w>", ".</w>"]
/// let batch = tokenizer.encode(batch: ["a photo of a dog", "a photo of a cat"])
/// let embeddings = clip.textEmbeddings(ids: batch.idTensor, attentionMask: batch.attentionMaskTensor)
/// ```
///
/// Batches are padded with the padding token, `<|endoftext|>` unless the folder's
/// `tokenizer_config.json` names another (`pad_token`), as `CLIPTokenizerFast` pads them.
///
/// Tokenizing takes time proportional to the length of the text times the logarithm of the
/// longest piece's: the merges of a piece are applied through a priority queue (see
/// BytePairMerging.swift). The tokens of up to 10,000 distinct pieces of at most 256 bytes are
/// kept, so the pieces of everyday text are merged once. A tokenizer may be used from several
/// threads at once.
public struct CLIPTokenizer: Sendable {
    /// The token that starts every encoded text (`bos_token`).
    public static let startOfText = "<|startoftext|>"
    /// The token that ends every encoded text (`eos_token`), and stands for a byte the vocabulary
    /// cannot spell (`unk_token`).
    public static let endOfText = "<|endoftext|>"
    /// The suffix of a token that ends a piece of text ("dog</w>").
    public static let endOfWordSuffix = "</w>"
    /// The number of positions of CLIP's text encoder, and the default ``encode(_:maximumLength:)``
    /// truncates to.
    public static let contextLength = 77

    /// The tokens, their ids and the merges.
    public let vocabulary: BytePairVocabulary
    /// The id of `<|startoftext|>`.
    public let startOfTextID: Int
    /// The id of `<|endoftext|>`, which also stands for a byte the vocabulary cannot spell.
    public let endOfTextID: Int
    /// The token that fills the positions after a shorter text of a batch.
    public let paddingToken: String
    /// The id of ``paddingToken``.
    public let paddingID: Int
    /// The special tokens (among `<|startoftext|>`, `<|endoftext|>` and ``paddingToken``) that are
    /// looked for in the normalised text rather than the raw text, so that "<|StartOfText|>" is
    /// `<|startoftext|>` too (Hugging Face's `"normalized": true`). OpenAI's CLIP folders mark
    /// `<|startoftext|>` so in their `tokenizer_config.json`.
    public let normalizedSpecialTokens: Set<String>

    /// The special tokens looked for in the raw text, longest first.
    private let rawSpecialTokens: [SpecialToken]
    /// The special tokens looked for in the normalised text, longest first.
    private let normalizedSpecialTokenMatches: [SpecialToken]
    /// The id of each byte's spelling, nil if the vocabulary lacks it.
    private let byteIDs: [Int?]
    /// The id of each byte's spelling with `</w>`, for the last byte of a piece.
    private let wordEndByteIDs: [Int?]
    /// The tokens of pieces already merged, by the piece's UTF-8 bytes.
    private let cache = Locked([[UInt8]: [Int]]())

    /// The most pieces ``cache`` keeps, and the longest, in bytes.
    private static let cacheCapacity = 10_000
    private static let longestCachedPiece = 256

    private struct SpecialToken {
        let scalars: [Unicode.Scalar]
        let id: Int
    }

    /// A tokenizer of `vocabulary` that pads with `paddingToken` and looks for the special tokens
    /// in `normalizedSpecialTokens` after normalisation.
    ///
    /// - Throws: ``TokenizerError/invalidVocabulary(source:reason:)`` if the vocabulary lacks
    ///   `<|startoftext|>`, `<|endoftext|>` or `paddingToken`.
    public init(vocabulary: BytePairVocabulary, paddingToken: String = endOfText,
                normalizedSpecialTokens: Set<String> = []) throws(TokenizerError) {
        let required = [Self.startOfText, Self.endOfText, paddingToken]
        var missing: [String] = []
        for token in required where vocabulary.id(of: token) == nil && !missing.contains(token) { missing.append(token) }
        guard missing.isEmpty else {
            throw .invalidVocabulary(source: vocabulary.source, reason: "it lacks \(missing.map { "\"\($0)\"" }.joined(separator: " and ")); "
                                     + "a CLIP vocabulary holds \(Self.startOfText) and \(Self.endOfText), which start and end "
                                     + "every encoded text, and the padding token")
        }
        self.vocabulary = vocabulary
        startOfTextID = vocabulary.id(of: Self.startOfText)!
        endOfTextID = vocabulary.id(of: Self.endOfText)!
        self.paddingToken = paddingToken
        paddingID = vocabulary.id(of: paddingToken)!
        self.normalizedSpecialTokens = normalizedSpecialTokens.intersection(required)

        var raw: [SpecialToken] = [], normalized: [SpecialToken] = []
        for token in Set(required) {
            let id = vocabulary.id(of: token)!
            if normalizedSpecialTokens.contains(token) {
                normalized.append(SpecialToken(scalars: CLIPTextNormalizer.normalize(Array(token.unicodeScalars)), id: id))
            } else {
                raw.append(SpecialToken(scalars: Array(token.unicodeScalars), id: id))
            }
        }
        rawSpecialTokens = raw.sorted { $0.scalars.count > $1.scalars.count }
        normalizedSpecialTokenMatches = normalized.filter { !$0.scalars.isEmpty }.sorted { $0.scalars.count > $1.scalars.count }

        let spellings = ByteLevelAlphabet.characters.map { String(Character($0)) }
        byteIDs = spellings.map { vocabulary.id(of: $0) }
        wordEndByteIDs = spellings.map { vocabulary.id(of: $0 + Self.endOfWordSuffix) }
    }

    /// A tokenizer of the `vocab.json` file at `vocabularyFile` and the `merges.txt` file at
    /// `mergesFile`, padding with `paddingToken`.
    ///
    /// - Throws: ``TokenizerError`` naming the file that cannot be read or is not a vocabulary.
    public init(vocabularyFile: URL, mergesFile: URL, paddingToken: String = endOfText) throws(TokenizerError) {
        try self.init(vocabulary: BytePairVocabulary(vocabularyFile: vocabularyFile, mergesFile: mergesFile),
                      paddingToken: paddingToken)
    }

    /// The tokenizer of a Hugging Face model folder: its `vocab.json` and `merges.txt`, and, when
    /// the folder has a `tokenizer_config.json`, its `pad_token` and the `normalized` flags of its
    /// `added_tokens_decoder` (see ``normalizedSpecialTokens``). Other options of the
    /// configuration are ignored: the special tokens are CLIP's, and text is always lowercased.
    ///
    /// - Throws: ``TokenizerError`` naming the file that is missing or unusable.
    public init(folder: URL) throws(TokenizerError) {
        let vocabulary = try BytePairVocabulary(vocabularyFile: folder.appendingPathComponent("vocab.json"),
                                                mergesFile: folder.appendingPathComponent("merges.txt"))
        let configurationFile = folder.appendingPathComponent("tokenizer_config.json")
        var paddingToken = Self.endOfText
        var normalized: Set<String> = []
        if FileManager.default.fileExists(atPath: configurationFile.path) {
            let configuration = try CLIPTokenizerConfiguration(contentsOf: configurationFile)
            if let token = configuration.paddingToken {
                guard vocabulary.id(of: token) != nil else {
                    throw .invalidConfiguration(path: configurationFile.path,
                                                reason: "pad_token \"\(token)\" is not a token of the vocabulary")
                }
                paddingToken = token
            }
            normalized = configuration.normalizedTokens
        }
        try self.init(vocabulary: vocabulary, paddingToken: paddingToken, normalizedSpecialTokens: normalized)
    }

    // MARK: Encoding

    /// The tokens of `text`, special tokens included as written, without the `<|startoftext|>`
    /// and `<|endoftext|>` that ``encode(_:maximumLength:)`` adds (Hugging Face's `tokenize`).
    public func tokenize(_ text: String) -> [String] {
        tokenIDs(for: text).map { vocabulary.token(for: $0)! }
    }

    /// The ids of `text`'s tokens, without `<|startoftext|>` and `<|endoftext|>` around them.
    public func tokenIDs(for text: String) -> [Int] {
        var ids: [Int] = []
        Self.split(Array(text.unicodeScalars)[...], at: rawSpecialTokens, special: { ids.append($0) }) { segment in
            let normalized = CLIPTextNormalizer.normalize(segment)
            Self.split(normalized[...], at: normalizedSpecialTokenMatches, special: { ids.append($0) }) { part in
                appendPieceIDs(of: part, to: &ids)
            }
        }
        return ids
    }

    /// `<|startoftext|>`, the ids of `text`'s tokens, `<|endoftext|>` (Hugging Face's `input_ids`).
    ///
    /// With a `maximumLength` (77 unless given; nil for none), tokens are dropped from the end of
    /// the text so that the result, `<|startoftext|>` and `<|endoftext|>` included, has at most
    /// that many ids (`truncation=True, max_length=…`).
    ///
    /// - Precondition: `maximumLength` is at least 2.
    public func encode(_ text: String, maximumLength: Int? = contextLength) -> [Int] {
        TokenizedSequence.framing(tokenIDs(for: text), start: startOfTextID, end: endOfTextID,
                                  maximumLength: maximumLength, caller: "CLIPTokenizer.encode",
                                  markers: "<|startoftext|> and <|endoftext|>")
    }

    /// Each text encoded as by ``encode(_:maximumLength:)``, padded with ``paddingID`` to the
    /// longest (Hugging Face's `padding=True`), or to `maximumLength` if `padsToMaximumLength`
    /// (`padding="max_length"`, as CLIP's own code always pads). Token types are all 0.
    ///
    /// - Precondition: `maximumLength` is not nil if `padsToMaximumLength`.
    public func encode(batch texts: [String], maximumLength: Int? = contextLength,
                       padsToMaximumLength: Bool = false) -> TokenizedBatch {
        precondition(!padsToMaximumLength || maximumLength != nil,
                     "CLIPTokenizer.encode(batch:): padsToMaximumLength needs a maximumLength")
        let sequences = texts.map { TokenizedSequence(singleText: encode($0, maximumLength: maximumLength)) }
        return TokenizedBatch(padding: sequences, with: paddingID,
                              minimumLength: padsToMaximumLength ? maximumLength! : 0)
    }

    // MARK: Steps

    /// Calls `special` with the id of each of `tokens` found in `scalars` (the longest, where
    /// several start at one place) and `text` with each stretch between them, in order.
    private static func split(_ scalars: ArraySlice<Unicode.Scalar>, at tokens: [SpecialToken],
                              special: (Int) -> Void, text: (ArraySlice<Unicode.Scalar>) -> Void) {
        var segmentStart = scalars.startIndex
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let match = tokens.first { token in
                index + token.scalars.count <= scalars.endIndex
                    && scalars[index..<index + token.scalars.count].elementsEqual(token.scalars)
            }
            guard let match else {
                index += 1
                continue
            }
            if segmentStart < index { text(scalars[segmentStart..<index]) }
            special(match.id)
            index += match.scalars.count
            segmentStart = index
        }
        if segmentStart < scalars.endIndex { text(scalars[segmentStart...]) }
    }

    /// Appends the token ids of every piece of `text` (normalised, without special tokens).
    private func appendPieceIDs(of text: ArraySlice<Unicode.Scalar>, to ids: inout [Int]) {
        let scalars = Array(text)
        for range in CLIPPreTokenizer.pieces(in: scalars) {
            var bytes: [UInt8] = []
            for scalar in scalars[range] { UTF8.encode(scalar) { bytes.append($0) } }
            ids.append(contentsOf: pieceIDs(of: bytes))
        }
    }

    /// The tokens of the piece whose UTF-8 is `bytes`: its bytes' spellings (the last with
    /// `</w>`), `<|endoftext|>` for one the vocabulary lacks, merged.
    private func pieceIDs(of bytes: [UInt8]) -> [Int] {
        if let cached = cache.withLock({ $0[bytes] }) { return cached }
        let symbols = bytes.indices.map { index in
            (index == bytes.count - 1 ? wordEndByteIDs : byteIDs)[Int(bytes[index])] ?? endOfTextID
        }
        let merged = vocabulary.merging(symbols)
        if bytes.count <= Self.longestCachedPiece {
            cache.withLock { cache in
                if cache.count < Self.cacheCapacity { cache[bytes] = merged }
            }
        }
        return merged
    }
}
