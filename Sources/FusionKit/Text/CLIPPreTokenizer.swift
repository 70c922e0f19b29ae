/// CLIP's splitting of normalised text into pieces, each of which byte-pair encoding then spells
/// on its own, exactly as the pre-tokenizer of Hugging Face's `CLIPTokenizerFast`.
///
/// Two patterns are applied one after the other:
///
/// 1. CLIP's own, `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`:
///    at each point the first alternative that matches is taken, and whitespace between matches is
///    dropped. So a piece is "<|startoftext|>" or "<|endoftext|>" as written in the (lowercased)
///    text, a contraction ("'s", "'ll", …) where an apostrophe starts a match, a run of letters,
///    a **single** digit ("2024" is four pieces), or a run of everything else ("!!!", "?!'", "…").
/// 2. GPT-2's, `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
///    inside each piece (the byte-level step of `tokenizers` applies it, `use_regex=true`). On
///    CLIP's pieces it changes only the special-token spellings: "<|endoftext|>" becomes "<|",
///    "endoftext", "|>". (Such text is not the special token itself, which ``CLIPTokenizer`` finds
///    in the raw text before normalisation; it is what "<|EndOfText|>" becomes.)
///
/// Letters, numbers and whitespace are classified as in ``CLIPCharacterClass``.
enum CLIPPreTokenizer {
    /// The ranges of `text` (normalised, see ``CLIPTextNormalizer``) that hold its pieces, in order.
    static func pieces(in text: [Unicode.Scalar]) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        for match in matches(in: text, range: 0..<text.count, isCLIPPattern: true) {
            pieces.append(contentsOf: matches(in: text, range: match, isCLIPPattern: false))
        }
        return pieces
    }

    /// The matches of CLIP's pattern (`isCLIPPattern`) or GPT-2's in `text[range]`, whitespace dropped.
    private static func matches(in text: [Unicode.Scalar], range: Range<Int>, isCLIPPattern: Bool) -> [Range<Int>] {
        var matches: [Range<Int>] = []
        var start = range.lowerBound
        while start < range.upperBound {
            let scalar = text[start]
            if CLIPCharacterClass.isWhitespace(scalar) {
                start += 1
                continue
            }
            let end: Int
            if isCLIPPattern, let length = specialSpellingLength(in: text, at: start, before: range.upperBound) {
                end = start + length
            } else if let length = contractionLength(in: text, at: start, before: range.upperBound) {
                end = start + length
            } else if CLIPCharacterClass.isLetter(scalar) {
                end = runEnd(in: text, from: start, before: range.upperBound, where: CLIPCharacterClass.isLetter)
            } else if CLIPCharacterClass.isNumber(scalar) {
                end = isCLIPPattern ? start + 1
                    : runEnd(in: text, from: start, before: range.upperBound, where: CLIPCharacterClass.isNumber)
            } else {
                end = runEnd(in: text, from: start, before: range.upperBound) {
                    !CLIPCharacterClass.isWhitespace($0) && !CLIPCharacterClass.isLetter($0) && !CLIPCharacterClass.isNumber($0)
                }
            }
            matches.append(start..<end)
            start = end
        }
        return matches
    }

    private static let specialSpellings = ["<|startoftext|>", "<|endoftext|>"].map { Array($0.unicodeScalars) }
    private static let contractions = ["s", "t", "re", "ve", "m", "ll", "d"].map { Array($0.unicodeScalars) }

    /// The length of "<|startoftext|>" or "<|endoftext|>" if `text` spells one at `start`.
    private static func specialSpellingLength(in text: [Unicode.Scalar], at start: Int, before end: Int) -> Int? {
        guard text[start] == "<" else { return nil }
        return specialSpellings.first { spelling in
            start + spelling.count <= end && text[start..<start + spelling.count].elementsEqual(spelling)
        }?.count
    }

    /// The length of the contraction ("'s", "'t", "'re", "'ve", "'m", "'ll", "'d") at `start`, if any.
    private static func contractionLength(in text: [Unicode.Scalar], at start: Int, before end: Int) -> Int? {
        guard text[start] == "'" else { return nil }
        return contractions.first { ending in
            start + 1 + ending.count <= end && text[start + 1..<start + 1 + ending.count].elementsEqual(ending)
        }.map { 1 + $0.count }
    }

    /// The end of the run of scalars that satisfy `belongs`, starting with the one at `start`.
    private static func runEnd(in text: [Unicode.Scalar], from start: Int, before end: Int,
                               where belongs: (Unicode.Scalar) -> Bool) -> Int {
        var index = start + 1
        while index < end, belongs(text[index]) { index += 1 }
        return index
    }
}
