/// The answer normalisation of the official VQA v2 evaluation: the rules of the VQA challenge's
/// `vqaEval.py` (GT-Vision-Lab/VQA, PythonEvaluationTools/vqaEvaluation/vqaEval.py, class `VQAEval`),
/// reproduced exactly, quirks included, so that accuracies computed here equal the official ones.
///
/// The script treats the two sides of a comparison differently:
///
/// * The **prediction** always goes through the whole pipeline (`normalize`): newlines and tabs become
///   spaces and the ends are stripped of whitespace, then `processPunctuation`, then
///   `processDigitArticle`.
/// * The **human answers** go through `processPunctuation` only, and only when the answers to the
///   question are not all identical (`humanAnswersAsCompared`). They are never lowercased, stripped,
///   turned into digits, stripped of articles or expanded into contractions. So a ground truth "two"
///   is never matched (a prediction "two" becomes "2"), and ten identical "1,000" stay "1,000" while
///   nine "1,000" and one "1000" all become "1000". In the VQA v2 annotation files the human answers
///   were already normalised by the data set's authors, which is why this mostly does not matter.
///
/// `processPunctuation` (the script's rules, per code point):
/// * If the text contains a decimal digit, a comma and a decimal digit in a row (the pattern
///   `(\d)(,)(\d)`, with Python's Unicode `\d`, i.e. category Nd), **every** punctuation mark of the
///   list (`; / [ ] " { } ( ) = + \ _ - > < @ ` , ? !`) is deleted, anywhere in the text.
/// * Otherwise each mark is handled on its own: if the text has that mark directly followed or
///   directly preceded by a space (U+0020 only), all occurrences of the mark are deleted; if not,
///   each is replaced by a space. Both tests look at the text as given, not as partly rewritten.
/// * Then periods are deleted unless a decimal digit follows them ("3.5" and ".5" keep theirs, "5."
///   and "u.s.a." lose them). The script's pattern `(?!<=\d)(\.)(?!\d)` reads as if it meant "not
///   after a digit", but its first group is a lookahead for the text "<=" and a digit, which is never
///   there at a period, so only the digit after the period counts.
/// * The script passes `re.UNICODE` (32) where `Pattern.sub` takes its count, so **at most the first 32**
///   such periods are deleted; any later ones stay.
///
/// `processDigitArticle`: the text is lowercased as Python's `str.lower()` does (full Unicode
/// mappings, "İ" → "i̇", and the Greek final sigma rule), split on runs of Python whitespace (which
/// includes U+001C–U+001F and U+0085 but not U+200B), each word equal to "none", "zero" … "ten"
/// becomes its digits, the words "a", "an", "the" are dropped, words found in the contraction table
/// are rewritten ("dont" → "don't", "whats" → "what's"; "im" and "ive" are not, because the table's
/// keys for them are capitalised and the words are lowercase by then), and the words are joined by
/// single spaces.
///
/// Strings are compared as the script compares them, code point by code point, not by Swift's
/// canonical equivalence: a precomposed "café" and "cafe\u{301}" are different answers.
///
/// Character data comes from the Swift runtime's Unicode tables; the reference table was made with
/// Python's (Unicode 14.0). Code points whose lowercase, digit or case properties changed after
/// Unicode 14 may behave differently from the script under an older Python.
public enum VQAAnswerNormalization {
    /// The script's normalisation of a **prediction**: newline and tab → space, strip whitespace at
    /// both ends, `processPunctuation`, `processDigitArticle`.
    public static func normalize(_ answer: String) -> String {
        var text = Array(answer.unicodeScalars)
        for index in text.indices where text[index] == "\n" || text[index] == "\t" {
            text[index] = " "
        }
        text = punctuationProcessed(stripped(text))
        return digitArticleProcessed(text)
    }

    /// The script's `processPunctuation`, alone: what it applies to the human answers (see the type's
    /// documentation for the rules).
    public static func processPunctuation(_ text: String) -> String {
        string(punctuationProcessed(Array(text.unicodeScalars)))
    }

    /// The script's `processDigitArticle`, alone: lowercase, split on whitespace, number words to
    /// digits, drop articles, expand contractions, join with single spaces.
    public static func processDigitArticle(_ text: String) -> String {
        digitArticleProcessed(Array(text.unicodeScalars))
    }

    /// The human answers of one question in the form the script compares predictions with: all passed
    /// through `processPunctuation` when at least two of them differ (code point by code point), all
    /// left untouched when they are identical. Nothing else is done to them.
    public static func humanAnswersAsCompared(_ humanAnswers: [String]) -> [String] {
        guard let first = humanAnswers.first,
              humanAnswers.contains(where: { !sameCodePoints($0, first) })
        else { return humanAnswers }
        return humanAnswers.map(processPunctuation)
    }

    /// Whether two strings hold the same code points (Python's `==` on `str`), unlike `==` on
    /// `String`, which holds canonically equivalent strings equal.
    @inline(__always)
    static func sameCodePoints(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.elementsEqual(rhs.utf8)
    }

    // MARK: - The steps, on code points

    /// Python's `str.strip()` with no argument.
    static func stripped(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var start = text.startIndex
        var end = text.endIndex
        while start < end, isPythonWhitespace(text[start]) { start += 1 }
        while end > start, isPythonWhitespace(text[end - 1]) { end -= 1 }
        if start == text.startIndex && end == text.endIndex { return text }
        return Array(text[start..<end])
    }

    static func punctuationProcessed(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let count = text.count
        var commaBetweenDigits = false
        if count >= 3 {
            for index in 1..<(count - 1)
            where text[index] == "," && isDecimalDigit(text[index - 1]) && isDecimalDigit(text[index + 1]) {
                commaBetweenDigits = true
                break
            }
        }
        // The marks that sit next to a space somewhere in the input: those are deleted, the others
        // become spaces (unless a digit-comma-digit deletes them all).
        var deleted = ASCIISet()
        if !commaBetweenDigits {
            for index in 0..<count where punctuationSet.contains(text[index].value) {
                if (index + 1 < count && text[index + 1] == " ") || (index > 0 && text[index - 1] == " ") {
                    deleted.insert(text[index].value)
                }
            }
        }
        var marked: [Unicode.Scalar] = []
        marked.reserveCapacity(count)
        for scalar in text {
            if punctuationSet.contains(scalar.value) {
                if !commaBetweenDigits && !deleted.contains(scalar.value) { marked.append(" ") }
            } else {
                marked.append(scalar)
            }
        }
        // Periods not followed by a digit, the first 32 of them only; the lookahead reads the text
        // before any period is removed.
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(marked.count)
        var periodsRemoved = 0
        for index in marked.indices {
            let scalar = marked[index]
            if scalar == ".", periodsRemoved < maximumPeriodsRemoved,
               !(index + 1 < marked.count && isDecimalDigit(marked[index + 1])) {
                periodsRemoved += 1
                continue
            }
            result.append(scalar)
        }
        return result
    }

    /// The count the script hands `Pattern.sub` by mistake: `re.UNICODE`, whose value is 32.
    static let maximumPeriodsRemoved = 32

    static func digitArticleProcessed(_ text: [Unicode.Scalar]) -> String {
        let lower = pythonLowercased(text)
        var output = ""
        output.reserveCapacity(lower.count)
        var index = 0
        while index < lower.count {
            while index < lower.count, isPythonWhitespace(lower[index]) { index += 1 }
            if index == lower.count { break }
            let start = index
            var ascii = true
            while index < lower.count, !isPythonWhitespace(lower[index]) {
                if lower[index].value >= 0x80 { ascii = false }
                index += 1
            }
            var word = ""
            word.unicodeScalars.append(contentsOf: lower[start..<index])
            // Every key of the three tables is ASCII, so a word with any other code point is kept as it is
            // (this also keeps Swift's canonical equivalence out of the look-ups).
            if ascii {
                if let digits = numberWords[word] { word = digits }
                if articles.contains(word) { continue }
                if let expanded = contractions[word] { word = expanded }
            }
            if !output.isEmpty { output.append(" ") }
            output.append(word)
        }
        return output
    }

    // MARK: - Python's character classes

    /// Python's `str.isspace()`, which `strip()` and `split()` use: the bidirectional classes WS, B
    /// and S and the category Zs. Unlike Unicode's White_Space it includes U+001C–U+001F.
    @inline(__always)
    static func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (0x09...0x0D).contains(value) || (0x1C...0x20).contains(value)
        }
        switch value {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// Python's `\d` on `str` patterns: any decimal digit (category Nd).
    @inline(__always)
    static func isDecimalDigit(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 { return value &- 0x30 < 10 }
        return scalar.properties.generalCategory == .decimalNumber
    }

    /// Python's `str.lower()`: each code point's full lowercase mapping, except that a capital sigma
    /// becomes the final form "ς" when a cased letter precedes it and none follows it (skipping
    /// case-ignorable code points both ways), as CPython decides it.
    static func pythonLowercased(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        for index in text.indices {
            let scalar = text[index]
            let value = scalar.value
            if value < 0x80 {
                result.append((0x41...0x5A).contains(value) ? Unicode.Scalar(UInt8(value + 0x20)) : scalar)
            } else if value == 0x3A3 {
                result.append(isFinalSigma(text, at: index) ? "\u{3C2}" : "\u{3C3}")
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return result
    }

    static func isFinalSigma(_ text: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, text[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, text[before].properties.isCased else { return false }
        var after = index + 1
        while after < text.count, text[after].properties.isCaseIgnorable { after += 1 }
        return after == text.count || !text[after].properties.isCased
    }

    static func string(_ scalars: [Unicode.Scalar]) -> String {
        var result = ""
        result.unicodeScalars.append(contentsOf: scalars)
        return result
    }
}
