/// The twelve answers of Sort-of-CLEVR, in the fixed order that defines answer indices
/// (`rawValue`): square, circle, left, right, top, bottom, 1, 2, 3, 4, 5, 6.
public enum Answer: Int, CaseIterable, Sendable, Codable {
    case square, circle, left, right, top, bottom, one, two, three, four, five, six

    /// Every answer's text, indexed by answer index: what a classifier's 12 outputs mean.
    public static let vocabulary: [String] = allCases.map(\.text)

    /// The answer as a word: "square", "left", "3", …
    public var text: String {
        switch self {
        case .square: "square"
        case .circle: "circle"
        case .left: "left"
        case .right: "right"
        case .top: "top"
        case .bottom: "bottom"
        case .one: "1"
        case .two: "2"
        case .three: "3"
        case .four: "4"
        case .five: "5"
        case .six: "6"
        }
    }

    /// The answer whose ``text`` is `text`, or nil.
    public init?(text: String) {
        guard let index = Self.vocabulary.firstIndex(of: text) else { return nil }
        self.init(rawValue: index)
    }

    /// The answer naming `shape`.
    public init(_ shape: ObjectShape) {
        self = shape == .square ? .square : .circle
    }

    /// The answer for a count of 1 to 6 objects.
    init(count: Int) {
        precondition((1 ... 6).contains(count), "Answer(count:): \(count) is not in 1...6")
        self.init(rawValue: Answer.one.rawValue + count - 1)!
    }
}
