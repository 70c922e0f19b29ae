/// An 8-bit RGB colour with each channel held as an `Int` in `0 ... 255`, so that the generator's
/// and the renderer's integer arithmetic (jitter, gradients, distances) never overflows a byte.
public struct HarderRGB: Equatable, Hashable, Sendable, Codable {
    /// The red channel, `0 ... 255`.
    public var red: Int
    /// The green channel, `0 ... 255`.
    public var green: Int
    /// The blue channel, `0 ... 255`.
    public var blue: Int

    /// A colour from three channels; nothing is checked (``HarderScene/init(objects:background:)``
    /// checks the colours of a whole scene).
    public init(_ red: Int, _ green: Int, _ blue: Int) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// The squared Euclidean distance between two colours in RGB space (exact integer arithmetic).
    public func squaredDistance(to other: HarderRGB) -> Int {
        let r = red - other.red, g = green - other.green, b = blue - other.blue
        return r * r + g * g + b * b
    }

    /// Whether every channel is in `0 ... 255`.
    public var isValid: Bool {
        (0 ... 255).contains(red) && (0 ... 255).contains(green) && (0 ... 255).contains(blue)
    }
}

/// One of the ten named colours of harder Sort-of-CLEVR. A scene shows six of them, one object
/// each, so a question's colour word does not tell which colours are present.
///
/// The raw value is the colour's index in ``allCases`` (and in data files).
public enum HarderColor: Int, CaseIterable, Sendable, Codable {
    case red, green, blue, orange, yellow, purple, cyan, pink, brown, white

    /// The colour's name as questions and answers use it (American spelling throughout: "color").
    public var name: String { String(describing: self) }

    /// The palette value, before each object's jitter (see ``HarderScene/colorJitter``).
    ///
    /// The values are chosen so that the closest two (orange and yellow, red and brown, red and
    /// orange, blue and purple) are still about 110 apart in RGB space: more than the 69 that two
    /// objects' worst-case jitters (±20 per channel each) can take away. Brown and purple are the
    /// palette colours nearest the muted background range; the background rule keeps the
    /// background away from them per scene.
    public var rgb: HarderRGB {
        switch self {
        case .red: HarderRGB(225, 25, 30)
        case .green: HarderRGB(30, 160, 50)
        case .blue: HarderRGB(30, 70, 230)
        case .orange: HarderRGB(255, 130, 0)
        case .yellow: HarderRGB(245, 235, 35)
        case .purple: HarderRGB(125, 35, 175)
        case .cyan: HarderRGB(30, 220, 230)
        case .pink: HarderRGB(250, 120, 200)
        case .brown: HarderRGB(125, 75, 20)
        case .white: HarderRGB(245, 245, 245)
        }
    }

    /// The colour named `name`, or nil.
    public init?(name: String) {
        guard let color = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = color
    }
}

/// The shape of a harder Sort-of-CLEVR object, drawn inside the object's square box (see
/// ``HarderScene/render(into:)`` for the exact pixels).
public enum HarderShape: Int, CaseIterable, Sendable, Codable {
    /// The whole box.
    case square
    /// The disc inscribed in the box.
    case circle
    /// An upright isosceles triangle: apex at the middle of the box's top edge, base along its bottom edge.
    case triangle
    /// A plus sign: a horizontal and a vertical bar through the centre, each about 40% of the box wide.
    case cross

    /// "square", "circle", "triangle" or "cross".
    public var name: String { String(describing: self) }
}

/// The size class of an object, asked about by ``HarderQuestionSubtype/size`` questions. Each
/// class has two half-sizes, so sizes vary from object to object within a class while the two
/// classes stay apart (at most 10 pixels across for small, at least 14 for large).
public enum HarderSize: Int, CaseIterable, Sendable, Codable {
    case small, large

    /// "small" or "large".
    public var name: String { String(describing: self) }

    /// The half-sizes (half the side of the object's box, in pixels) an object of this class may have.
    public var halfSizes: [Int] {
        switch self {
        case .small: [4, 5]
        case .large: [7, 8]
        }
    }

    /// The class of `halfSize`, or nil if no class has it.
    public init?(halfSize: Int) {
        guard let size = Self.allCases.first(where: { $0.halfSizes.contains(halfSize) }) else { return nil }
        self = size
    }
}
