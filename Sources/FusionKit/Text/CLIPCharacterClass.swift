/// The character classes of CLIP's text splitting, decided exactly as Hugging Face's `tokenizers`
/// library (the engine behind `CLIPTokenizerFast`) decides them.
///
/// `tokenizers` matches CLIP's pattern with the Oniguruma regular-expression engine, whose tables
/// are Unicode 16.0's: to it `\p{L}` (letter), `\p{N}` (number) and `\s` (whitespace) mean the
/// general categories L* and N* and the White_Space property as Unicode 16.0 assigned them, so a
/// letter or digit added later counts as neither. These functions reproduce that from each
/// scalar's current category and its `age` (the Unicode version that assigned it). Compared over
/// every code point with `tokenizers` 0.23 (Swift 6.3's tables are Unicode 17.0's), they agree
/// everywhere.
enum CLIPCharacterClass {
    /// Whether `scalar` is whitespace (`\s`): tab, line feed, vertical tab, form feed, carriage
    /// return, space, U+0085, no-break space, the U+2000 spaces, line and paragraph separators,
    /// ideographic space, … (the White_Space property).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar == " " || (0x09...0x0D).contains(scalar.value) }
        return scalar.properties.isWhitespace
    }

    /// Whether `scalar` is a letter (`\p{L}`: general category Lu, Ll, Lt, Lm or Lo in Unicode 16.0).
    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return isInUnicode16(scalar)
        default:
            return false
        }
    }

    /// Whether `scalar` is a number (`\p{N}`: general category Nd, Nl or No in Unicode 16.0): the
    /// digits of every script, Roman numerals, "²", "½", "①", ….
    static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return ("0"..."9").contains(scalar) }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber:
            return isInUnicode16(scalar)
        default:
            return false
        }
    }

    /// Whether Unicode 16.0 or earlier assigned `scalar`.
    private static func isInUnicode16(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major <= 16
    }
}
