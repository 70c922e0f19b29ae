/// GPT-2's byte-level alphabet, which CLIP's vocabulary is written in: each of the 256 byte values
/// stands for one printable character, so that any UTF-8 text can be spelled with 256 symbols and
/// a vocabulary file never holds a space, a control character or half of a UTF-8 sequence.
///
/// The 188 bytes that are printable Latin-1 characters — `!` (0x21) … `~` (0x7E), `¡` (0xA1) … `¬`
/// (0xAC) and `®` (0xAE) … `ÿ` (0xFF) — stand for themselves. The other 68, in increasing order
/// (0x00 … 0x20, 0x7F … 0xA0, 0xAD), stand for U+0100, U+0101, … U+0143: the space 0x20 is "Ġ"
/// (U+0120), the line feed 0x0A is "Ċ" (U+010A). "é" (bytes C3 A9) is spelled "Ã©".
enum ByteLevelAlphabet {
    /// The character of each byte value, indexed by the byte.
    static let characters: [Unicode.Scalar] = {
        var characters: [Unicode.Scalar] = []
        var nextShifted: UInt32 = 0x100
        for byte in UInt32(0)...255 {
            if isPrintable(byte) {
                characters.append(Unicode.Scalar(byte)!)
            } else {
                characters.append(Unicode.Scalar(nextShifted)!)
                nextShifted += 1
            }
        }
        return characters
    }()

    /// Whether `byte` stands for the Latin-1 character of the same value.
    private static func isPrintable(_ byte: UInt32) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// `bytes` spelled in the alphabet, one character per byte.
    static func spelling(_ bytes: some Sequence<UInt8>) -> String {
        var text = ""
        text.unicodeScalars.append(contentsOf: bytes.lazy.map { characters[Int($0)] })
        return text
    }
}
