import Foundation

/// The options of a Hugging Face `tokenizer_config.json` that shape CLIP's tokenizer: the padding
/// token (`pad_token`) and which special tokens are also recognised after normalisation (the
/// `normalized` flag of each entry of `added_tokens_decoder`). Other keys are ignored.
struct CLIPTokenizerConfiguration: Decodable {
    /// `pad_token`, written as a string or as an object with a `content` string; nil if absent or null.
    var paddingToken: String?
    /// The contents of the entries of `added_tokens_decoder` whose `normalized` is true.
    var normalizedTokens: Set<String> = []

    private enum CodingKeys: String, CodingKey {
        case paddingToken = "pad_token"
        case addedTokens = "added_tokens_decoder"
    }

    /// A token written as a string or as an object with a `content` string (an `AddedToken`).
    private struct TokenEntry: Decodable {
        var content: String
        var normalized: Bool?

        private enum CodingKeys: String, CodingKey { case content, normalized }

        init(from decoder: any Decoder) throws {
            if let content = try? decoder.singleValueContainer().decode(String.self) {
                self.content = content
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            content = try container.decode(String.self, forKey: .content)
            normalized = try container.decodeIfPresent(Bool.self, forKey: .normalized)
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        paddingToken = try container.decodeIfPresent(TokenEntry.self, forKey: .paddingToken)?.content
        let added = try container.decodeIfPresent([String: TokenEntry].self, forKey: .addedTokens) ?? [:]
        normalizedTokens = Set(added.values.filter { $0.normalized == true }.map(\.content))
    }

    /// The configuration in the file at `url`.
    ///
    /// - Throws: ``TokenizerError`` naming the file if it cannot be read, is not a JSON object, or
    ///   gives `pad_token` or `added_tokens_decoder` a value of the wrong kind.
    init(contentsOf url: URL) throws(TokenizerError) {
        let bytes = try TokenizerError.readFile(url)
        do {
            self = try JSONDecoder().decode(Self.self, from: Data(bytes))
        } catch {
            guard let key = Self.firstKey(of: error) else {
                throw .invalidConfiguration(path: url.path, reason: "the file is not a JSON object")
            }
            let expected = key == CodingKeys.paddingToken.rawValue
                ? "a token, written as a string or as an object with a \"content\" string"
                : "an object from id to an object with a \"content\" string and an optional \"normalized\" true or false"
            throw .invalidConfiguration(path: url.path, reason: "\(key) must be \(expected)")
        }
    }

    /// The top-level key whose value `error` (from `JSONDecoder`) is about, if any.
    private static func firstKey(of error: any Error) -> String? {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            return context.codingPath.first?.stringValue
        default:
            return nil
        }
    }
}
