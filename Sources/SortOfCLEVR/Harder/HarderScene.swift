import FusionKit

/// One object of a harder scene: its colour name, its actual (jittered) colour, its shape, its
/// size and the integer position of its centre.
///
/// Coordinates follow the plain set's (``SceneObject``): pixels, origin at the top-left corner, y
/// downwards, and the centre `(x, y)` is the corner shared by pixels `x - 1` and `x` (rows `y - 1`
/// and `y`). The object's box covers columns `x - halfSize ... x + halfSize - 1` and the same rows,
/// so every shape is symmetric about the centre's vertical line and pixel `(x, y)` is always painted.
public struct HarderObject: Equatable, Hashable, Sendable, Codable {
    /// The colour's name: what questions call the object.
    public var color: HarderColor
    /// The colour actually painted: `color.rgb` moved by at most ``HarderScene/colorJitter`` per channel.
    public var rgb: HarderRGB
    /// The object's shape.
    public var shape: HarderShape
    /// Half the side of the object's box, in pixels: one of ``HarderSize/halfSizes``.
    public var halfSize: Int
    /// The horizontal position of the centre, in `halfSize ... 75 - halfSize`.
    public var x: Int
    /// The vertical position of the centre (downwards), in `halfSize ... 75 - halfSize`.
    public var y: Int

    /// An object; nothing is checked (``HarderScene/init(objects:background:)`` checks a whole scene).
    // Deliberate pattern (same shape as Sources/VQAKit/Models/VQAModelConfiguration.swift:ImageFeatureSettings.init): a public memberwise initializer (Swift synthesizes only an internal one) of an unrelated type.
    public init(color: HarderColor, rgb: HarderRGB, shape: HarderShape, halfSize: Int, x: Int, y: Int) {
        self.color = color
        self.rgb = rgb
        self.shape = shape
        self.halfSize = halfSize
        self.x = x
        self.y = y
    }

    /// The size class of ``halfSize`` (small for 4 and 5, large for 7 and 8).
    ///
    /// - Precondition: `halfSize` is one of a class's ``HarderSize/halfSizes``.
    public var size: HarderSize {
        guard let size = HarderSize(halfSize: halfSize) else {
            preconditionFailure("HarderObject.size: half-size \(halfSize) belongs to no size class")
        }
        return size
    }

    /// The squared distance between two centres, in pixels² (exact integer arithmetic): what the
    /// closest and furthest questions compare.
    public func squaredDistance(to other: HarderObject) -> Int {
        (x - other.x) * (x - other.x) + (y - other.y) * (y - other.y)
    }

    /// The empty columns (or rows, whichever is more) between this object's box and `other`'s:
    /// `max(|Δx|, |Δy|) - halfSize - other.halfSize`. Negative or zero when the boxes touch or overlap.
    public func boxGap(to other: HarderObject) -> Int {
        max(abs(x - other.x), abs(y - other.y)) - halfSize - other.halfSize
    }
}

/// The background of a harder scene: a muted base colour, a linear brightness gradient and
/// per-pixel noise (the noise is also added on top of the objects).
///
/// Every value is an integer and the noise comes from its own ``RandomGenerator`` seeded with
/// ``noiseSeed``, so a scene alone determines its pixels on every machine.
public struct HarderBackground: Equatable, Hashable, Sendable, Codable {
    /// The base colour, each channel in ``HarderScene/backgroundChannelRange``.
    public var base: HarderRGB
    /// The gradient's direction across the image, in `-4 ... 4`; not both zero.
    public var directionX: Int
    /// The gradient's direction down the image, in `-4 ... 4`; not both zero.
    public var directionY: Int
    /// The largest brightness change the gradient makes, in `0 ... 30`
    /// (``HarderScene/maximumGradientAmplitude``): every pixel's offset is in `-amplitude ... amplitude`.
    public var amplitude: Int
    /// The seed of the generator that draws the per-pixel noise.
    public var noiseSeed: UInt64

    /// A background; nothing is checked (``HarderScene/init(objects:background:)`` does).
    public init(base: HarderRGB, directionX: Int, directionY: Int, amplitude: Int, noiseSeed: UInt64) {
        self.base = base
        self.directionX = directionX
        self.directionY = directionY
        self.amplitude = amplitude
        self.noiseSeed = noiseSeed
    }

    /// The brightness the gradient adds to all three channels of pixel `(x, y)`:
    /// `amplitude · (dx·(2x − 74) + dy·(2y − 74)) / (74 · (|dx| + |dy|))`, divided with truncation
    /// towards zero. `2x − 74` is twice the pixel centre's offset from the image's middle, so the
    /// gradient is antisymmetric about the middle and stays within `-amplitude ... amplitude`.
    ///
    /// - Precondition: the direction is not `(0, 0)`.
    public func gradientOffset(x: Int, y: Int) -> Int {
        let size = HarderScene.imageSize
        let weight = abs(directionX) + abs(directionY)
        precondition(weight > 0, "HarderBackground.gradientOffset: the gradient direction is (0, 0)")
        let projection = directionX * (2 * x - (size - 1)) + directionY * (2 * y - (size - 1))
        return amplitude * projection / ((size - 1) * weight)
    }

    /// The smallest squared RGB distance between `color` and any background value before noise
    /// that the gradient can make: `base + g` (on all three channels) for every `g` in
    /// `-amplitude ... amplitude`.
    public func smallestSquaredDistance(to color: HarderRGB) -> Int {
        var smallest = Int.max
        for offset in -amplitude ... amplitude {
            let shifted = HarderRGB(base.red + offset, base.green + offset, base.blue + offset)
            smallest = min(smallest, shifted.squaredDistance(to: color))
        }
        return smallest
    }
}

/// A harder Sort-of-CLEVR scene: six objects of six distinct colours out of ten, with varied
/// shapes, sizes and jittered colours, on a 75 × 75 textured background (the plain set's image size,
/// so the same models run on both).
///
/// The rules, which ``init(objects:background:)`` checks and ``HarderSceneGenerator`` always meets:
/// - six objects with six distinct ``HarderColor``s, each painted within ``colorJitter`` of its
///   palette value on every channel;
/// - every half-size is one of ``HarderSize/halfSizes``, and every box lies inside the image;
/// - every two boxes are at least ``minimumGap`` pixels apart along some axis (``HarderObject/boxGap(to:)``),
///   so no two objects overlap or touch, whatever their shapes; this also puts the centres at
///   least the sum of the half-sizes plus ``minimumGap`` apart;
/// - the background's base channels are in ``backgroundChannelRange``, its gradient amplitude is at
///   most ``maximumGradientAmplitude``, its direction is in `-4 ... 4` on both axes and not zero, and
///   every background value before noise is at least ``minimumBackgroundDistance`` from every
///   object's colour in RGB space (``HarderBackground/smallestSquaredDistance(to:)``).
public struct HarderScene: Equatable, Hashable, Sendable, Codable {
    /// The width and height of a rendered scene, in pixels (the plain set's ``Scene/imageSize``).
    public static let imageSize = Scene.imageSize
    /// The number of colour channels of a rendered scene (RGB).
    public static let channelCount = 3
    /// The number of bytes of one rendered scene: `imageSize × imageSize × channelCount`.
    public static let imageByteCount = imageSize * imageSize * channelCount
    /// The number of objects in every scene.
    public static let objectCount = 6
    /// The most an object's painted colour differs from its palette colour, per channel.
    public static let colorJitter = 20
    /// The fewest empty pixels between two objects' boxes (along the axis where they are furthest apart).
    public static let minimumGap = 2
    /// The range of each channel of the background's base colour: muted, neither white nor black.
    public static let backgroundChannelRange = 60 ... 200
    /// The largest gradient amplitude.
    public static let maximumGradientAmplitude = 30
    /// The range of both components of the gradient's direction.
    public static let gradientDirectionRange = -4 ... 4
    /// The most the per-pixel noise moves a channel, up or down (before clamping to `0 ... 255`).
    public static let noiseAmplitude = 16
    /// The smallest RGB distance between any background value before noise and any object colour.
    public static let minimumBackgroundDistance = 90

    /// The objects, in the order they were drawn (and are painted).
    public let objects: [HarderObject]
    /// The background.
    public let background: HarderBackground

    /// A scene from six objects and a background, checking the rules (see ``HarderScene``).
    ///
    /// - Throws: ``HarderSceneError`` naming the first rule broken.
    public init(objects: [HarderObject], background: HarderBackground) throws(HarderSceneError) {
        try Self.check(objects: objects, background: background)
        self.objects = objects
        self.background = background
    }

    /// A scene already known to satisfy the rules (the generator's).
    init(validObjects objects: [HarderObject], background: HarderBackground) {
        self.objects = objects
        self.background = background
    }

    /// The object of `color`, or nil if the scene has none.
    public subscript(color: HarderColor) -> HarderObject? {
        objects.first { $0.color == color }
    }

    /// The colours of the scene's objects, in object order.
    public var colors: [HarderColor] { objects.map(\.color) }

    /// The centres `halfSize` may take on either axis so that the box lies inside the image:
    /// `halfSize ... 75 - halfSize`, symmetric about the middle line 37.5, so an object is as likely
    /// to fall left as right of it (and above as below).
    public static func centerRange(halfSize: Int) -> ClosedRange<Int> {
        halfSize ... imageSize - halfSize
    }

    /// Checks the rules of ``HarderScene``.
    static func check(objects: [HarderObject], background: HarderBackground) throws(HarderSceneError) {
        guard objects.count == objectCount else { throw .wrongObjectCount(objects.count) }
        for (index, object) in objects.enumerated() {
            if objects[..<index].contains(where: { $0.color == object.color }) { throw .repeatedColor(object.color) }
            guard HarderSize(halfSize: object.halfSize) != nil else {
                throw .invalidHalfSize(object.color, halfSize: object.halfSize)
            }
            let range = centerRange(halfSize: object.halfSize)
            guard range.contains(object.x) && range.contains(object.y) else {
                throw .centerOutOfRange(object.color, x: object.x, y: object.y)
            }
            let palette = object.color.rgb, rgb = object.rgb
            guard rgb.isValid, abs(rgb.red - palette.red) <= colorJitter, abs(rgb.green - palette.green) <= colorJitter,
                  abs(rgb.blue - palette.blue) <= colorJitter else {
                throw .colorOutOfRange(object.color, rgb)
            }
            for other in objects[..<index] where object.boxGap(to: other) < minimumGap {
                throw .tooClose(other.color, object.color)
            }
        }
        let base = background.base
        guard [base.red, base.green, base.blue].allSatisfy(backgroundChannelRange.contains),
              (0 ... maximumGradientAmplitude).contains(background.amplitude),
              gradientDirectionRange.contains(background.directionX), gradientDirectionRange.contains(background.directionY),
              background.directionX != 0 || background.directionY != 0 else {
            throw .invalidBackground(background)
        }
        let limit = minimumBackgroundDistance * minimumBackgroundDistance
        for object in objects where background.smallestSquaredDistance(to: object.rgb) < limit {
            throw .backgroundTooClose(object.color)
        }
    }
}

/// Why a list of objects and a background is not a valid ``HarderScene``.
public enum HarderSceneError: DescribedError, Equatable, Sendable {
    /// The scene does not have ``HarderScene/objectCount`` objects.
    case wrongObjectCount(Int)
    /// Two objects have the same colour.
    case repeatedColor(HarderColor)
    /// An object's half-size is not one of a size class's.
    case invalidHalfSize(HarderColor, halfSize: Int)
    /// An object's box is not inside the image.
    case centerOutOfRange(HarderColor, x: Int, y: Int)
    /// An object's painted colour is not within ``HarderScene/colorJitter`` of its palette colour.
    case colorOutOfRange(HarderColor, HarderRGB)
    /// Two objects' boxes are closer than ``HarderScene/minimumGap``.
    case tooClose(HarderColor, HarderColor)
    /// The background's base, direction or amplitude is out of range.
    case invalidBackground(HarderBackground)
    /// Some background value is closer than ``HarderScene/minimumBackgroundDistance`` to the object's colour.
    case backgroundTooClose(HarderColor)

    /// A message naming the rule and the objects at fault.
    // Deliberate pattern (same shape as Sources/FusionKit/IO/SafeTensorsError.swift:description): a switch of messages for a different error's cases.
    public var description: String {
        switch self {
        case .wrongObjectCount(let count):
            return "a harder scene has \(HarderScene.objectCount) objects, not \(count)"
        case .repeatedColor(let color):
            return "two objects are \(color.name); the colours of a scene must be distinct"
        case .invalidHalfSize(let color, let halfSize):
            return "the \(color.name) object's half-size \(halfSize) is not one of "
                + HarderSize.allCases.flatMap(\.halfSizes).map(String.init).joined(separator: ", ")
        case .centerOutOfRange(let color, let x, let y):
            return "the \(color.name) object at (\(x), \(y)) does not lie inside the image"
        case .colorOutOfRange(let color, let rgb):
            return "the \(color.name) object's colour (\(rgb.red), \(rgb.green), \(rgb.blue)) is more than "
                + "\(HarderScene.colorJitter) from its palette colour on some channel, or not a byte"
        case .tooClose(let first, let second):
            return "the \(first.name) and \(second.name) objects are less than \(HarderScene.minimumGap) pixels apart"
        case .invalidBackground(let background):
            return "the background (base \(background.base.red), \(background.base.green), \(background.base.blue), "
                + "direction (\(background.directionX), \(background.directionY)), amplitude \(background.amplitude)) "
                + "is out of range"
        case .backgroundTooClose(let color):
            return "the background comes closer than \(HarderScene.minimumBackgroundDistance) to the \(color.name) object's colour"
        }
    }
}
