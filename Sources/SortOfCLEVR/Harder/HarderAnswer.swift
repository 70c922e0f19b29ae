/// The 26 answers of harder Sort-of-CLEVR, in the fixed order that defines answer indices
/// (`rawValue`): the four shapes, the two sizes, left, right, top, bottom, the ten colour names
/// (in ``HarderColor`` order), then the counts 1 to 6.
public enum HarderAnswer: Int, CaseIterable, Sendable, Codable {
    case square, circle, triangle, cross
    case small, large
    case left, right, top, bottom
    case red, green, blue, orange, yellow, purple, cyan, pink, brown, white
    case one, two, three, four, five, six

    /// Every answer's text, indexed by answer index: what a classifier's 26 outputs mean.
    public static let vocabulary: [String] = allCases.map(\.text)

    /// The answer as a word: "triangle", "large", "left", "pink", "3", …
    public var text: String {
        if rawValue >= Self.one.rawValue { return String(rawValue - Self.one.rawValue + 1) }
        return String(describing: self)
    }

    /// The answer whose ``text`` is `text`, or nil.
    public init?(text: String) {
        guard let index = Self.vocabulary.firstIndex(of: text) else { return nil }
        self.init(rawValue: index)
    }

    /// The answer naming `shape`.
    public init(_ shape: HarderShape) {
        self.init(rawValue: Self.square.rawValue + shape.rawValue)!
    }

    /// The answer naming `size`.
    public init(_ size: HarderSize) {
        self.init(rawValue: Self.small.rawValue + size.rawValue)!
    }

    /// The answer naming `color`.
    public init(_ color: HarderColor) {
        self.init(rawValue: Self.red.rawValue + color.rawValue)!
    }

    /// The answer for a count of 1 to 6 objects.
    ///
    /// - Precondition: `count` is in `1 ... 6`.
    public init(count: Int) {
        precondition((1 ... 6).contains(count), "HarderAnswer(count:): \(count) is not in 1...6")
        self.init(rawValue: Self.one.rawValue + count - 1)!
    }
}
