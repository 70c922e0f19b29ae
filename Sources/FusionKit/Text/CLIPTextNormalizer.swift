import Foundation

/// CLIP's text normalisation, exactly as the normalizer of Hugging Face's `CLIPTokenizerFast`:
///
/// 1. Unicode canonical composition (NFC): "e" + U+0301 becomes "é", "Å" (U+212B ANGSTROM SIGN)
///    becomes "Å" (U+00C5).
/// 2. Every run of whitespace (tabs, line feeds, no-break spaces, …, see ``CLIPCharacterClass``)
///    becomes one space.
/// 3. Each character is replaced by its lowercase mapping ("Σ" → "σ" wherever it stands, "İ" →
///    "i" + U+0307).
///
/// "Character" means Unicode scalar, as in `tokenizers`. Its composition differs from Unicode's in
/// two ways, both reproduced here: combining marks assigned in Unicode 10.0 or later have
/// combining class 0 in its tables (so they are neither reordered nor let a mark after them
/// compose with the letter before them), and it does not compose U+11935 U+11930 into U+11938.
/// Hangul is composed here by Unicode's arithmetic, since Foundation's composition gets it wrong
/// (see ``isHangul(_:)``). Compared with `tokenizers` 0.23 on about 750,000 strings — every code
/// point alone; every canonical decomposition, alone and next to U+0301; every precomposed
/// character followed by each character that ends a decomposition; every combining mark between
/// a letter and another mark; every Hangul syllable followed by each jamo — the results agree.
enum CLIPTextNormalizer {
    /// `text`, normalised.
    static func normalize(_ text: some Collection<Unicode.Scalar>) -> [Unicode.Scalar] {
        let composed = text.allSatisfy(\.isASCII) ? Array(text) : composed(text)
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(composed.count)
        var previousIsWhitespace = false
        for scalar in composed {
            let isWhitespace = CLIPCharacterClass.isWhitespace(scalar)
            defer { previousIsWhitespace = isWhitespace }
            if isWhitespace {
                if !previousIsWhitespace { result.append(" ") }
            } else if scalar.isASCII {
                result.append(("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar)
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return result
    }

    /// `text` in NFC as `tokenizers` composes it. The runs between the scalars it treats as
    /// uncombinable starters (see ``isUncombinableStarter(_:)``) are composed on their own, and
    /// those scalars are kept as they are. Runs of Hangul (conjoining jamo and syllables) are
    /// composed by ``composedHangul(_:)``; the others by Foundation, after decomposing them, since
    /// Foundation's composition alone leaves a Hangul syllable and a trailing consonant apart.
    static func composed(_ text: some Collection<Unicode.Scalar>) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var run = ""
        var hangul: [Unicode.Scalar] = []
        func flush() {
            if !run.isEmpty {
                result.append(contentsOf: run.decomposedStringWithCanonicalMapping.precomposedStringWithCanonicalMapping.unicodeScalars)
                run = ""
            }
            if !hangul.isEmpty {
                result.append(contentsOf: composedHangul(hangul))
                hangul = []
            }
        }
        for scalar in text {
            if isHangul(scalar) {
                if !run.isEmpty { flush() }
                hangul.append(scalar)
            } else if isUncombinableStarter(scalar) {
                flush()
                result.append(scalar)
            } else {
                if !hangul.isEmpty { flush() }
                run.unicodeScalars.append(scalar)
            }
        }
        flush()
        return result
    }

    // MARK: Hangul

    // Unicode's arithmetic for Hangul: a syllable is U+AC00 + (L × 21 + V) × 28 + T, from a leading
    // consonant U+1100 + L (L < 19), a vowel U+1161 + V (V < 21) and an optional trailing
    // consonant U+11A7 + T (0 < T < 28).
    private static let syllableBase: UInt32 = 0xAC00, leadingBase: UInt32 = 0x1100
    private static let vowelBase: UInt32 = 0x1161, trailingBase: UInt32 = 0x11A7
    private static let (leadingCount, vowelCount, trailingCount): (UInt32, UInt32, UInt32) = (19, 21, 28)
    private static let syllableCount: UInt32 = 19 * 21 * 28

    /// Whether `scalar` is a Hangul conjoining jamo (U+1100 … U+11FF) or syllable (U+AC00 … U+D7A3).
    /// These are composed here rather than by Foundation, whose composition (Swift 6.3) joins
    /// U+1113 + U+1161 into U+D7A4, which is no syllable, and drops the U+11A7 of "가" + U+11A7;
    /// they are starters that compose only with each other, so a run of them composes on its own.
    static func isHangul(_ scalar: Unicode.Scalar) -> Bool {
        (0x1100...0x11FF).contains(scalar.value) || (syllableBase..<syllableBase + syllableCount).contains(scalar.value)
    }

    /// `jamo` (Hangul jamo and syllables) canonically composed: each syllable is decomposed, then
    /// every leading consonant followed by a vowel, and every such pair followed by a trailing
    /// consonant, becomes one syllable.
    static func composedHangul(_ jamo: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [UInt32] = []
        result.reserveCapacity(jamo.count)
        func append(_ value: UInt32) {
            if let last = result.last {
                if (leadingBase..<leadingBase + leadingCount).contains(last),
                   (vowelBase..<vowelBase + vowelCount).contains(value) {
                    result[result.count - 1] = syllableBase + ((last - leadingBase) * vowelCount + value - vowelBase) * trailingCount
                    return
                }
                if (syllableBase..<syllableBase + syllableCount).contains(last), (last - syllableBase) % trailingCount == 0,
                   (trailingBase + 1..<trailingBase + trailingCount).contains(value) {
                    result[result.count - 1] = last + value - trailingBase
                    return
                }
            }
            result.append(value)
        }
        for scalar in jamo {
            let value = scalar.value
            guard (syllableBase..<syllableBase + syllableCount).contains(value) else {
                append(value)
                continue
            }
            let index = value - syllableBase
            append(leadingBase + index / (vowelCount * trailingCount))
            append(vowelBase + index % (vowelCount * trailingCount) / trailingCount)
            if index % trailingCount != 0 { append(trailingBase + index % trailingCount) }
        }
        return result.map { Unicode.Scalar($0)! }
    }

    /// Whether `tokenizers` treats `scalar` as a starter that composes with nothing and stops
    /// reordering: a combining mark (nonzero combining class) assigned in Unicode 10.0 or later,
    /// which its Unicode 9.0 tables give class 0, or U+11930 DIVES AKURU VOWEL SIGN AA, whose
    /// composition with U+11935 into U+11938 its tables lack. No decomposition holds any of them,
    /// so each splits the text into runs that compose independently.
    static func isUncombinableStarter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x300 { return false }
        if scalar.value == 0x11930 { return true }
        guard scalar.properties.canonicalCombiningClass.rawValue != 0,
              let age = scalar.properties.age else { return false }
        return age.major >= 10
    }
}
