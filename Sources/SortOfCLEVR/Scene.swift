import FusionKit

/// One of the six object colours of Sort-of-CLEVR. Every scene has exactly one object of each,
/// listed in this order (the raw value is the position).
public enum ObjectColor: Int, CaseIterable, Sendable, Codable {
    case red, green, blue, orange, gray, yellow

    /// The colour's name as questions use it: "red", "green", "blue", "orange", "gray", "yellow".
    public var name: String {
        switch self {
        case .red: "red"
        case .green: "green"
        case .blue: "blue"
        case .orange: "orange"
        case .gray: "gray"
        case .yellow: "yellow"
        }
    }

    /// The 8-bit RGB value the renderer paints.
    public var rgb: (red: UInt8, green: UInt8, blue: UInt8) {
        switch self {
        case .red: (255, 0, 0)
        case .green: (0, 255, 0)
        case .blue: (0, 0, 255)
        case .orange: (255, 156, 0)
        case .gray: (128, 128, 128)
        case .yellow: (255, 255, 0)
        }
    }
}

/// The shape of an object: a 10 × 10 square or a circle of diameter 10.
public enum ObjectShape: Int, CaseIterable, Sendable, Codable {
    case square, circle

    /// "square" or "circle".
    public var name: String {
        switch self {
        case .square: "square"
        case .circle: "circle"
        }
    }
}

/// One object of a scene: its colour, its shape and the integer position of its centre.
///
/// Coordinates are in pixels with the origin at the image's top-left corner and y growing
/// downwards. The centre `(x, y)` is the corner shared by pixels `x - 1` and `x` (and rows `y - 1`
/// and `y`), so a shape covers columns `x - 5 ... x + 4` and rows `y - 5 ... y + 4` and is
/// symmetric about its centre; see ``Scene/render(into:)``.
public struct SceneObject: Equatable, Hashable, Sendable, Codable {
    /// The object's colour.
    public var color: ObjectColor
    /// The object's shape.
    public var shape: ObjectShape
    /// The horizontal position of the centre, in `Scene.centerRange`.
    public var x: Int
    /// The vertical position of the centre (downwards), in `Scene.centerRange`.
    public var y: Int

    /// An object; nothing is checked (``Scene/init(objects:)`` checks a whole scene).
    // Deliberate pattern (same shape as Sources/SortOfCLEVR/Question.swift:Question.init): a public memberwise initializer (Swift synthesizes only an internal one) of an unrelated type.
    public init(color: ObjectColor, shape: ObjectShape, x: Int, y: Int) {
        self.color = color
        self.shape = shape
        self.x = x
        self.y = y
    }

    /// The squared distance between two centres, in pixels² (exact integer arithmetic).
    public func squaredDistance(to other: SceneObject) -> Int {
        (x - other.x) * (x - other.x) + (y - other.y) * (y - other.y)
    }
}

/// A Sort-of-CLEVR scene: six objects, one of each ``ObjectColor`` in colour order, on a white
/// 75 × 75 image, with centres at least 10 pixels apart.
///
/// The distance rule keeps every object's centre pixel clear of the others, though two squares
/// placed diagonally may overlap at their corners (as in the original data set); objects are
/// drawn in colour order.
public struct Scene: Equatable, Hashable, Sendable, Codable {
    /// The width and height of a rendered scene, in pixels.
    public static let imageSize = 75
    /// The number of colour channels of a rendered scene (RGB).
    public static let channelCount = 3
    /// The number of bytes of one rendered scene: `imageSize × imageSize × channelCount`.
    public static let imageByteCount = imageSize * imageSize * channelCount
    /// Half the side of a square and the radius of a circle, in pixels.
    public static let objectHalfSize = 5
    /// The smallest allowed distance between two centres, in pixels.
    public static let minimumDistance = 10
    /// The positions a centre may take on either axis: every shape lies inside the image, and
    /// the range splits evenly into 33 positions left of the image's middle line (37.5) and 33
    /// right of it (and the same for top and bottom).
    public static let centerRange = objectHalfSize ... imageSize - objectHalfSize

    /// The objects, one per colour, in colour order.
    public let objects: [SceneObject]

    /// A scene from six objects, checking the rules.
    ///
    /// - Throws: ``SceneError`` if the objects are not one per colour in colour order, a centre is
    ///   outside ``centerRange``, or two centres are closer than ``minimumDistance``.
    public init(objects: [SceneObject]) throws(SceneError) {
        guard objects.map(\.color) == ObjectColor.allCases else {
            throw .wrongColors(objects.map(\.color))
        }
        for object in objects where !Self.centerRange.contains(object.x) || !Self.centerRange.contains(object.y) {
            throw .centerOutOfRange(object.color, x: object.x, y: object.y)
        }
        for i in objects.indices {
            for j in objects.indices where j > i
                && objects[i].squaredDistance(to: objects[j]) < Self.minimumDistance * Self.minimumDistance {
                throw .tooClose(objects[i].color, objects[j].color)
            }
        }
        self.objects = objects
    }

    /// A scene already known to satisfy the rules (the generator's).
    init(validObjects objects: [SceneObject]) {
        self.objects = objects
    }

    /// The object of the given colour.
    public subscript(color: ObjectColor) -> SceneObject { objects[color.rawValue] }
}

/// Why a list of objects is not a valid ``Scene``.
public enum SceneError: DescribedError, Equatable, Sendable {
    /// The objects' colours are not red, green, blue, orange, gray, yellow in this order.
    case wrongColors([ObjectColor])
    /// An object's centre lies outside ``Scene/centerRange`` on some axis.
    case centerOutOfRange(ObjectColor, x: Int, y: Int)
    /// Two objects' centres are closer than ``Scene/minimumDistance``.
    case tooClose(ObjectColor, ObjectColor)

    /// A message naming the objects at fault.
    public var description: String {
        switch self {
        case .wrongColors(let colors):
            return "a scene needs one object of each colour in the order "
                + ObjectColor.allCases.map(\.name).joined(separator: ", ")
                + "; found " + (colors.isEmpty ? "no objects" : colors.map(\.name).joined(separator: ", "))
        case .centerOutOfRange(let color, let x, let y):
            return "the \(color.name) object's centre (\(x), \(y)) is outside "
                + "\(Scene.centerRange.lowerBound)...\(Scene.centerRange.upperBound) on some axis"
        case .tooClose(let first, let second):
            return "the \(first.name) and \(second.name) objects' centres are closer than \(Scene.minimumDistance) pixels"
        }
    }
}
