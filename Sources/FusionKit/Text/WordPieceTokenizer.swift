import Foundation

/// BERT's tokenizer: text to the token ids a BERT model reads, exactly as Hugging Face's
/// `BertTokenizerFast` gives them.
///
/// 1. The special tokens `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]` and `[MASK]` are found in the raw
///    text, exactly as written (so "[MASK]" is one token, "[mask]" is not), and kept as they are.
/// 2. The text between them goes through the ``BasicTokenizer`` (cleaning, lowercasing, accent
///    stripping, CJK splitting, splitting into words and punctuation).
/// 3. Each word is cut into pieces, greedily taking the longest vocabulary token at each point;
///    every piece after the first is looked up with the "##" prefix
///    ("unaffable" → "una", "##ffa", "##ble"). A word that cannot be cut that way, or that is
///    longer than ``maximumCharactersPerWord`` Unicode scalars, becomes one `[UNK]`.
/// 4. ``encode(_:maximumLength:)`` adds `[CLS]` before and `[SEP]` after.
///
/// ```swift
/// let tokenizer = try WordPieceTokenizer(folder: URL(fileURLWithPath: "all-MiniLM-L6-v2"))
/// tokenizer.tokenize("Unaffable!")             // ["una", "##ffa", "##ble", "!"]
/// tokenizer.encode("Unaffable!")               // [101, 14477, 20961, 3468, 999, 102]
/// let batch = tokenizer.encode(batch: ["a red square", "the blue circle"], maximumLength: 256)
/// let output = bert(ids: batch.idTensor, attentionMask: batch.attentionMaskTensor)
/// ```
///
/// Tokenizing takes time proportional to the length of the text: each piece is found by one walk
/// through the vocabulary's prefix tree, and words are at most ``maximumCharactersPerWord`` long.
public struct WordPieceTokenizer: Sendable {
    /// The tokens and their ids.
    public let vocabulary: WordPieceVocabulary
    /// Cleaning, normalisation and splitting into words.
    public let basicTokenizer: BasicTokenizer
    /// The length, in Unicode scalars, beyond which a word becomes `[UNK]` without being cut
    /// (`max_input_chars_per_word`).
    public let maximumCharactersPerWord: Int

    /// The special tokens' scalars and ids, longest first.
    private let specialTokens: [(scalars: [Unicode.Scalar], id: Int)]

    /// A tokenizer of `vocabulary` that prepares text with `basicTokenizer`.
    public init(vocabulary: WordPieceVocabulary, basicTokenizer: BasicTokenizer = BasicTokenizer(),
                maximumCharactersPerWord: Int = 100) {
        precondition(maximumCharactersPerWord > 0,
                     "WordPieceTokenizer: maximumCharactersPerWord is \(maximumCharactersPerWord), must be positive")
        self.vocabulary = vocabulary
        self.basicTokenizer = basicTokenizer
        self.maximumCharactersPerWord = maximumCharactersPerWord
        specialTokens = WordPieceVocabulary.specialTokens
            .map { (Array($0.unicodeScalars), vocabulary.id(of: $0)!) }
            .sorted { $0.scalars.count > $1.scalars.count }
    }

    /// A tokenizer of the `vocab.txt` file at `url`, with Hugging Face's options (`do_lower_case`,
    /// `strip_accents`, `tokenize_chinese_chars`; see ``BasicTokenizer``).
    ///
    /// - Throws: ``TokenizerError`` naming the file if it cannot be read or is not a vocabulary.
    public init(vocabularyFile url: URL, lowercases: Bool = true, stripsAccents: Bool? = nil,
                splitsChineseCharacters: Bool = true) throws(TokenizerError) {
        self.init(vocabulary: try WordPieceVocabulary(contentsOf: url),
                  basicTokenizer: BasicTokenizer(lowercases: lowercases, stripsAccents: stripsAccents,
                                                 splitsChineseCharacters: splitsChineseCharacters))
    }

    /// The tokenizer of a Hugging Face model folder: its `vocab.txt`, and the options
    /// `do_lower_case`, `strip_accents` and `tokenize_chinese_chars` of its `tokenizer_config.json`
    /// when the folder has one (Hugging Face's defaults where it has not, or lacks a key).
    ///
    /// - Throws: ``TokenizerError`` naming the file that is missing or unusable.
    public init(folder: URL) throws(TokenizerError) {
        let vocabulary = try WordPieceVocabulary(contentsOf: folder.appendingPathComponent("vocab.txt"))
        let configuration = folder.appendingPathComponent("tokenizer_config.json")
        var basicTokenizer = BasicTokenizer()
        if FileManager.default.fileExists(atPath: configuration.path) {
            basicTokenizer = try TokenizerConfiguration(contentsOf: configuration).basicTokenizer
        }
        self.init(vocabulary: vocabulary, basicTokenizer: basicTokenizer)
    }

    /// The tokens of `text`, special tokens included as written, without `[CLS]` and `[SEP]`
    /// (Hugging Face's `tokenize`).
    public func tokenize(_ text: String) -> [String] {
        tokenIDs(for: text).map { vocabulary.tokens[$0] }
    }

    /// The ids of `text`'s tokens, without `[CLS]` and `[SEP]`.
    public func tokenIDs(for text: String) -> [Int] {
        let scalars = Array(text.unicodeScalars)
        var ids: [Int] = []
        var segmentStart = 0
        var index = 0
        while index < scalars.count {
            if let special = specialToken(at: index, in: scalars) {
                appendWordPieceIDs(of: scalars[segmentStart..<index], to: &ids)
                ids.append(special.id)
                index += special.scalars.count
                segmentStart = index
            } else {
                index += 1
            }
        }
        appendWordPieceIDs(of: scalars[segmentStart...], to: &ids)
        return ids
    }

    /// `[CLS]`, the ids of `text`'s tokens, `[SEP]` (Hugging Face's `input_ids`).
    ///
    /// With a `maximumLength`, tokens are dropped from the end of the text so that the result,
    /// `[CLS]` and `[SEP]` included, has at most that many ids (`truncation=True, max_length=…`).
    ///
    /// - Precondition: `maximumLength` is at least 2.
    public func encode(_ text: String, maximumLength: Int? = nil) -> [Int] {
        TokenizedSequence.framing(tokenIDs(for: text), start: vocabulary.classifierID, end: vocabulary.separatorID,
                                  maximumLength: maximumLength, caller: "WordPieceTokenizer.encode",
                                  markers: "[CLS] and [SEP]")
    }

    /// `[CLS]`, the ids of `first`'s tokens, `[SEP]`, the ids of `second`'s tokens, `[SEP]`, with
    /// token types 0 up to the first `[SEP]` and 1 after it.
    ///
    /// With a `maximumLength`, tokens are dropped from the ends of the texts as Hugging Face's
    /// `longest_first` truncation does: if only one text is longer than half the room, it alone is
    /// cut; otherwise both are cut to half the room, the longer text (the second, when they are
    /// equally long) keeping the odd token.
    ///
    /// - Precondition: `maximumLength` is at least 3.
    public func encode(_ first: String, pairedWith second: String, maximumLength: Int? = nil) -> TokenizedSequence {
        var firstIDs = tokenIDs(for: first)
        var secondIDs = tokenIDs(for: second)
        if let maximumLength {
            precondition(maximumLength >= 3,
                         "WordPieceTokenizer.encode: maximumLength \(maximumLength) leaves no room for [CLS] and two [SEP]")
            let lengths = Self.truncatedLengths(firstIDs.count, secondIDs.count, room: maximumLength - 3)
            firstIDs.removeLast(firstIDs.count - lengths.first)
            secondIDs.removeLast(secondIDs.count - lengths.second)
        }
        let (classifier, separator) = (vocabulary.classifierID, vocabulary.separatorID)
        return TokenizedSequence(
            ids: [classifier] + firstIDs + [separator] + secondIDs + [separator],
            tokenTypes: Array(repeating: 0, count: firstIDs.count + 2) + Array(repeating: 1, count: secondIDs.count + 1))
    }

    /// Each text encoded as by ``encode(_:maximumLength:)``, padded with `[PAD]` to the longest
    /// (Hugging Face's `padding=True`).
    public func encode(batch texts: [String], maximumLength: Int? = nil) -> TokenizedBatch {
        let sequences = texts.map { TokenizedSequence(singleText: encode($0, maximumLength: maximumLength)) }
        return TokenizedBatch(padding: sequences, with: vocabulary.paddingID)
    }

    /// Each pair encoded as by ``encode(_:pairedWith:maximumLength:)``, padded with `[PAD]` (token
    /// type 0) to the longest.
    public func encode(pairs: [(first: String, second: String)], maximumLength: Int? = nil) -> TokenizedBatch {
        let sequences = pairs.map { encode($0.first, pairedWith: $0.second, maximumLength: maximumLength) }
        return TokenizedBatch(padding: sequences, with: vocabulary.paddingID)
    }

    // MARK: Steps

    /// The special token that starts at `index` of `scalars`, if any (the longest, if several do).
    private func specialToken(at index: Int, in scalars: [Unicode.Scalar]) -> (scalars: [Unicode.Scalar], id: Int)? {
        specialTokens.first { token in
            index + token.scalars.count <= scalars.count
                && scalars[index..<index + token.scalars.count].elementsEqual(token.scalars)
        }
    }

    /// Appends the ids of the pieces of every word of `text` (which holds no special token).
    private func appendWordPieceIDs(of text: ArraySlice<Unicode.Scalar>, to ids: inout [Int]) {
        guard !text.isEmpty else { return }
        let normalized = basicTokenizer.normalize(text)
        for range in basicTokenizer.wordRanges(in: normalized) {
            appendPieceIDs(ofWord: normalized[range], to: &ids)
        }
    }

    /// Appends the ids of `word`'s pieces, longest match first, or `[UNK]` if it cannot be cut.
    private func appendPieceIDs(ofWord word: ArraySlice<Unicode.Scalar>, to ids: inout [Int]) {
        guard word.count <= maximumCharactersPerWord else {
            ids.append(vocabulary.unknownID)
            return
        }
        let firstPiece = ids.count
        var start = word.startIndex
        while start < word.endIndex {
            let node = start == word.startIndex ? TokenPrefixTree.root : vocabulary.continuationNode
            guard let node, let match = vocabulary.tree.longestMatch(in: word, from: start, after: node) else {
                ids.removeSubrange(firstPiece...)
                ids.append(vocabulary.unknownID)
                return
            }
            ids.append(match.id)
            start = match.end
        }
    }

    /// How many tokens of a pair of texts `first` and `second` tokens long to keep so that at most
    /// `room` remain, as `longest_first` truncation decides.
    static func truncatedLengths(_ first: Int, _ second: Int, room: Int) -> (first: Int, second: Int) {
        if first + second <= room { return (first, second) }
        let shorter = min(first, second)
        if 2 * shorter <= room {
            // Only the longer text is cut.
            return first <= second ? (first, room - first) : (room - second, second)
        }
        let half = room / 2
        return first > second ? (half + room % 2, half) : (half, half + room % 2)
    }
}
