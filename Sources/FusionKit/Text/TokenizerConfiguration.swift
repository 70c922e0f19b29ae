import Foundation

/// The options of a Hugging Face `tokenizer_config.json` that shape BERT's basic tokenizer. Other
/// keys are ignored; a missing or null key takes Hugging Face's default.
struct TokenizerConfiguration: Decodable {
    /// `do_lower_case`, true by default.
    var lowercases: Bool?
    /// `strip_accents`; null (the default) follows `do_lower_case`.
    var stripsAccents: Bool?
    /// `tokenize_chinese_chars`, true by default.
    var splitsChineseCharacters: Bool?

    private enum CodingKeys: String, CodingKey {
        case lowercases = "do_lower_case"
        case stripsAccents = "strip_accents"
        case splitsChineseCharacters = "tokenize_chinese_chars"
    }

    /// The configuration in the file at `url`.
    ///
    /// - Throws: ``TokenizerError`` naming the file if it cannot be read, is not a JSON object, or
    ///   gives one of the options another value than true, false or null.
    init(contentsOf url: URL) throws(TokenizerError) {
        let bytes = try TokenizerError.readFile(url)
        do {
            self = try JSONDecoder().decode(Self.self, from: Data(bytes))
        } catch let DecodingError.typeMismatch(_, context) where !context.codingPath.isEmpty {
            let key = context.codingPath[0].stringValue
            throw .invalidConfiguration(path: url.path, reason: "\(key) must be true, false or null")
        } catch {
            throw .invalidConfiguration(path: url.path, reason: "the file is not a JSON object")
        }
    }

    /// The basic tokenizer these options describe.
    var basicTokenizer: BasicTokenizer {
        BasicTokenizer(lowercases: lowercases ?? true, stripsAccents: stripsAccents,
                       splitsChineseCharacters: splitsChineseCharacters ?? true)
    }
}
