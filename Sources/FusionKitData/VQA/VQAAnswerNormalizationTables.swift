// The fixed tables of the official VQA v2 answer normalisation (the VQA challenge's `vqaEval.py`,
// class `VQAEval`): its punctuation marks, number words, articles and contractions. The test
// `VQAAccuracyTests` checks each one against the tables the script itself holds, as recorded in
// Tests/Fixtures/vqa_eval/vqa_eval_table.json.

extension VQAAnswerNormalization {
    /// The marks that `processPunctuation` deletes or turns into a space (all ASCII). The period
    /// and the apostrophe are not among them; `:`, `&`, `#`, `*`, `%`, `$`, `'` and `~` are kept.
    static let punctuationMarks: [Unicode.Scalar] = [
        ";", "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!",
    ]

    /// `punctuationMarks` as a set of ASCII code points.
    static let punctuationSet = ASCIISet(punctuationMarks)

    /// Whole words replaced by digits (after lowercasing). Nothing past "ten".
    static let numberWords: [String: String] = [
        "none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
        "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
    ]

    /// Whole words dropped (after the number words).
    static let articles: Set<String> = ["a", "an", "the"]

    /// Whole words rewritten last. Every key and value is ASCII. The script looks words up after
    /// lowercasing them, so the four keys with a capital I ("Im", "Ive", "Id've", "I'dve") never
    /// match: "im" stays "im". Some entries map a word to itself ("let's", "she's"), and one goes the
    /// other way, removing an apostrophe ("somebody'd" → "somebodyd"); both are kept as the script has them.
    static let contractions: [String: String] = [
        "aint": "ain't", "arent": "aren't",
        "cant": "can't", "couldn'tve": "couldn't've", "couldnt": "couldn't", "couldnt've": "couldn't've",
        "couldve": "could've",
        "didnt": "didn't", "doesnt": "doesn't", "dont": "don't",
        "hadn'tve": "hadn't've", "hadnt": "hadn't", "hadnt've": "hadn't've", "hasnt": "hasn't", "havent": "haven't",
        "he'dve": "he'd've", "hed": "he'd", "hed've": "he'd've", "hes": "he's", "howd": "how'd", "howll": "how'll",
        "hows": "how's",
        "I'dve": "I'd've", "Id've": "I'd've", "Im": "I'm", "isnt": "isn't", "it'dve": "it'd've", "itd": "it'd",
        "itd've": "it'd've", "itll": "it'll", "Ive": "I've",
        "let's": "let's",
        "maam": "ma'am", "mightn'tve": "mightn't've", "mightnt": "mightn't", "mightnt've": "mightn't've",
        "mightve": "might've", "mustnt": "mustn't", "mustve": "must've",
        "neednt": "needn't", "notve": "not've",
        "oclock": "o'clock", "oughtnt": "oughtn't", "ow's'at": "'ow's'at", "'ow'sat": "'ow's'at",
        "'ows'at": "'ow's'at",
        "shant": "shan't", "she'dve": "she'd've", "she's": "she's", "shed've": "she'd've",
        "shouldn'tve": "shouldn't've", "shouldnt": "shouldn't", "shouldnt've": "shouldn't've",
        "shouldve": "should've", "somebody'd": "somebodyd", "somebody'dve": "somebody'd've",
        "somebodyd've": "somebody'd've", "somebodyll": "somebody'll", "somebodys": "somebody's",
        "someone'dve": "someone'd've", "someoned": "someone'd", "someoned've": "someone'd've",
        "someonell": "someone'll", "someones": "someone's", "something'dve": "something'd've",
        "somethingd": "something'd", "somethingd've": "something'd've", "somethingll": "something'll",
        "thats": "that's", "there'dve": "there'd've", "thered": "there'd", "thered've": "there'd've",
        "therere": "there're", "theres": "there's", "they'dve": "they'd've", "theyd": "they'd",
        "theyd've": "they'd've", "theyll": "they'll", "theyre": "they're", "theyve": "they've", "twas": "'twas",
        "wasnt": "wasn't", "we'dve": "we'd've", "wed've": "we'd've", "werent": "weren't", "weve": "we've",
        "whatll": "what'll", "whatre": "what're", "whats": "what's", "whatve": "what've", "whens": "when's",
        "whered": "where'd", "wheres": "where's", "whereve": "where've", "who'dve": "who'd've", "whod": "who'd",
        "whod've": "who'd've", "wholl": "who'll", "whos": "who's", "whove": "who've", "whyll": "why'll",
        "whyre": "why're", "whys": "why's", "wont": "won't", "wouldn'tve": "wouldn't've", "wouldnt": "wouldn't",
        "wouldnt've": "wouldn't've", "wouldve": "would've",
        "y'all'dve": "y'all'd've", "y'alld've": "y'all'd've", "y'allll": "y'all'll", "yall": "y'all",
        "yall'd've": "y'all'd've", "yall'll": "y'all'll", "you'dve": "you'd've", "youd": "you'd",
        "youd've": "you'd've", "youll": "you'll", "youre": "you're", "youve": "you've",
    ]
}

/// A set of ASCII code points as two 64-bit masks.
struct ASCIISet: Sendable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    init(_ scalars: [Unicode.Scalar] = []) {
        for scalar in scalars { insert(scalar.value) }
    }

    mutating func insert(_ value: UInt32) {
        precondition(value < 128, "ASCIISet holds ASCII code points only")
        if value < 64 { low |= 1 << UInt64(value) } else { high |= 1 << UInt64(value - 64) }
    }

    @inline(__always)
    func contains(_ value: UInt32) -> Bool {
        if value < 64 { return low & (1 << UInt64(value)) != 0 }
        if value < 128 { return high & (1 << UInt64(value - 64)) != 0 }
        return false
    }
}
