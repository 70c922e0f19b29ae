/// The character classes BERT's text cleaning and splitting use, decided exactly as Hugging Face's
/// `tokenizers` library (the engine behind `BertTokenizerFast`) decides them.
///
/// `tokenizers` reads general categories (control, format, private use, punctuation, nonspacing
/// mark) from tables of Unicode 8.0 (2015). To it, a character assigned later — newer punctuation,
/// format characters and combining marks — has none of these categories, and the few characters
/// whose category changed since keep their 8.0 one. These functions reproduce that from each
/// scalar's current category and its `age` (the Unicode version that assigned it), with the changed
/// characters listed. Compared over every code point with `tokenizers` 0.23, these classes, the
/// lowercase mappings and the decompositions of accent stripping agree everywhere (one
/// decomposition needs an exception, see ``BasicTokenizer``). Whitespace is Unicode's White_Space
/// property, as in `tokenizers`.
enum BertCharacterClass {
    /// Whether the cleaning step deletes `scalar`: U+0000, U+FFFD (the replacement character), and
    /// control, format and private-use characters other than tab, line feed and carriage return
    /// (which count as whitespace).
    static func isRemoved(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value == 0x09 || value == 0x0A || value == 0x0D { return false }
        if value < 0x20 || value == 0x7F || value == 0xFFFD { return true }
        if value < 0x80 { return false }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse: return isInUnicode8(scalar)
        default: return false
        }
    }

    /// Whether `scalar` is whitespace (the White_Space property: space, tab, line feed, no-break
    /// space, the U+2000 spaces, line and paragraph separators, ideographic space, …).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar == " " || (0x09...0x0D).contains(scalar.value) }
        return scalar.properties.isWhitespace
    }

    /// Whether `scalar` is punctuation to BERT: every ASCII character that is not a letter, digit,
    /// space or control (`!` … `/`, `:` … `@`, `[` … `` ` ``, `{` … `~`, so also `$ + < = > ^ | ~`),
    /// and every character whose Unicode 8.0 category is punctuation (P*).
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (33...47).contains(value) || (58...64).contains(value)
                || (91...96).contains(value) || (123...126).contains(value)
        }
        // Punctuation in Unicode 8.0, another category now.
        if value == 0x166D || value == 0x111C9 { return true }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return isInUnicode8(scalar)
        default:
            return false
        }
    }

    /// Whether `scalar` is a nonspacing combining mark (category Mn in Unicode 8.0), the marks that
    /// accent stripping deletes after canonical decomposition (é → e + U+0301 → e).
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x300: return false
        case 0x1734, 0x1171E: return true                            // Mn in 8.0, Mc now
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false           // Lo, Mc, Po in 8.0, Mn now
        default: return scalar.properties.generalCategory == .nonspacingMark && isInUnicode8(scalar)
        }
    }

    /// Whether `scalar` is one of the ideographs that `tokenize_chinese_chars` sets apart as words
    /// of their own: CJK Unified Ideographs and their extensions A–F and compatibility ideographs,
    /// in the ranges `tokenizers` uses. (Its extension-C range starts at U+2B920 rather than
    /// U+2B820, so U+2B820–U+2B91F stay inside words, as they do in `BertTokenizerFast`.) Japanese
    /// kana and Korean hangul are not among them.
    static func isChineseCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// Whether Unicode 8.0 or earlier assigned `scalar`.
    private static func isInUnicode8(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major <= 8
    }
}
