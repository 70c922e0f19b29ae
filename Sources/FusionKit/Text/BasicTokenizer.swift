import Foundation

/// BERT's first stage: cleans and normalises text, then splits it into words and punctuation, as
/// Hugging Face's `BertNormalizer` followed by `BertPreTokenizer` (the first steps of
/// `BertTokenizerFast`).
///
/// In order:
/// 1. Cleaning: U+0000, U+FFFD and control and format characters are deleted; every whitespace
///    character (tab, line feed, no-break space, ideographic space, …) becomes a space.
/// 2. If `splitsChineseCharacters`, each CJK ideograph is surrounded by spaces, so it becomes a
///    word of its own (kana and hangul are not ideographs and stay inside words).
/// 3. If `stripsAccents`, the text is canonically decomposed (NFD) and nonspacing marks are
///    deleted: "Ångström" → "Angstrom".
/// 4. If `lowercases`, each character is replaced by its lowercase mapping ("Σ" → "σ", and
///    "İ" → "i" + U+0307 when accents are kept).
/// 5. The text is split at whitespace, which is dropped, and around every punctuation character,
///    which becomes a word of its own: "don't stop." → "don", "'", "t", "stop", ".".
///
/// "Character" here means Unicode scalar, as in `tokenizers`. Which characters are control,
/// punctuation or nonspacing marks is decided by Unicode 8.0's categories, as `tokenizers` decides
/// (see BertCharacterClass.swift), so the result is Hugging Face's for every code point.
///
/// ```swift
/// BasicTokenizer().words(in: "Héllo, WORLD!")   // ["hello", ",", "world", "!"]
/// ```
public struct BasicTokenizer: Equatable, Sendable {
    /// Whether text is lowercased (`do_lower_case`; true for "uncased" models).
    public var lowercases: Bool
    /// Whether accents are stripped (`strip_accents`).
    public var stripsAccents: Bool
    /// Whether CJK ideographs become words of their own (`tokenize_chinese_chars`).
    public var splitsChineseCharacters: Bool

    /// A basic tokenizer with Hugging Face's defaults: lowercasing, accent stripping that follows
    /// lowercasing when `stripsAccents` is nil (as `strip_accents=None` does), and CJK splitting.
    public init(lowercases: Bool = true, stripsAccents: Bool? = nil, splitsChineseCharacters: Bool = true) {
        self.lowercases = lowercases
        self.stripsAccents = stripsAccents ?? lowercases
        self.splitsChineseCharacters = splitsChineseCharacters
    }

    /// The words and punctuation of `text`, after cleaning and normalisation.
    public func words(in text: String) -> [String] {
        let normalized = normalize(text.unicodeScalars)
        return wordRanges(in: normalized).map { range in
            var word = ""
            word.unicodeScalars.append(contentsOf: normalized[range])
            return word
        }
    }

    /// `text` cleaned and normalised (steps 1–4).
    func normalize(_ text: some Sequence<Unicode.Scalar>) -> [Unicode.Scalar] {
        var cleaned: [Unicode.Scalar] = []
        cleaned.reserveCapacity(text.underestimatedCount)
        var isASCII = true
        for scalar in text {
            if BertCharacterClass.isRemoved(scalar) { continue }
            if BertCharacterClass.isWhitespace(scalar) {
                cleaned.append(" ")
            } else if splitsChineseCharacters && BertCharacterClass.isChineseCharacter(scalar) {
                cleaned.append(contentsOf: [" ", scalar, " "])
                isASCII = false
            } else {
                cleaned.append(scalar)
                if !scalar.isASCII { isASCII = false }
            }
        }
        if isASCII {
            // ASCII text is its own decomposition, and its lowercase mapping is ASCII.
            if lowercases {
                for index in cleaned.indices where ("A"..."Z").contains(cleaned[index]) {
                    cleaned[index] = Unicode.Scalar(cleaned[index].value + 32)!
                }
            }
            return cleaned
        }
        if stripsAccents {
            cleaned = Self.decomposed(cleaned).filter { !BertCharacterClass.isNonspacingMark($0) }
        }
        guard lowercases else { return cleaned }
        var lowercased: [Unicode.Scalar] = []
        lowercased.reserveCapacity(cleaned.count)
        for scalar in cleaned {
            if scalar.isASCII {
                lowercased.append(("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar)
            } else {
                lowercased.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return lowercased
    }

    /// The canonical decomposition (NFD) of `scalars`, as `tokenizers` computes it: its tables
    /// leave U+11938 DIVES AKURU VOWEL SIGN O whole, which Unicode 13 decomposes (a starter, so
    /// the text on either side decomposes on its own).
    static func decomposed(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let undecomposed: Unicode.Scalar = "\u{11938}"
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        for (index, part) in scalars.split(separator: undecomposed, omittingEmptySubsequences: false).enumerated() {
            if index > 0 { result.append(undecomposed) }
            var text = ""
            text.unicodeScalars.append(contentsOf: part)
            result.append(contentsOf: text.decomposedStringWithCanonicalMapping.unicodeScalars)
        }
        return result
    }

    /// The ranges of `normalized` that hold its words (step 5).
    func wordRanges(in normalized: [Unicode.Scalar]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var wordStart = 0
        for (index, scalar) in normalized.enumerated() {
            if BertCharacterClass.isWhitespace(scalar) {
                if wordStart < index { ranges.append(wordStart..<index) }
                wordStart = index + 1
            } else if BertCharacterClass.isPunctuation(scalar) {
                if wordStart < index { ranges.append(wordStart..<index) }
                ranges.append(index..<index + 1)
                wordStart = index + 1
            }
        }
        if wordStart < normalized.count { ranges.append(wordStart..<normalized.count) }
        return ranges
    }
}
