import FusionKit

extension HarderScene: SortOfCLEVRRendering {
    /// Renders the scene into `pixels`, overwriting all of it: 75 × 75 RGB pixels, row by row,
    /// 3 bytes per pixel (HWC, ``imageByteCount`` bytes).
    ///
    /// Integer arithmetic only, so a scene renders to the same bytes on every machine:
    /// 1. every pixel `(x, y)` gets the background's base plus its gradient offset
    ///    (``HarderBackground/gradientOffset(x:y:)``) on all three channels;
    /// 2. the objects are painted in order with their jittered ``HarderObject/rgb``. With `(x, y)`
    ///    the centre, `h` the half-size, pixel `(px, py)` of the box `x - h ..< x + h`, `y - h ..< y + h`
    ///    and `u = 2(px - x) + 1`, `v = 2(py - y) + 1` twice its centre's offset from `(x, y)`, a
    ///    - square paints every pixel of its box;
    ///    - circle paints `u² + v² <= 4h²`;
    ///    - triangle paints `2|u| <= v + 2h + 1` (two pixels wide at the top row, the box's width at the bottom);
    ///    - cross paints `|u| < 2t` or `|v| < 2t` with bar half-thickness `t = (h + 2) / 3`
    ///      (bars 4 pixels thick for half-sizes 4 and 5, 6 for 7 and 8);
    ///
    ///    and every shape paints the pixel `(x, y)`;
    /// 3. noise is added to every byte, objects included: for each pixel in row order, red, green
    ///    then blue, a value uniform in `-16 ... 16` (``noiseAmplitude``) drawn by ``HarderNoise``
    ///    from `RandomGenerator(seed: background.noiseSeed)`, and the sum clamped to `0 ... 255`.
    ///
    /// ``render()`` returns the same bytes in a new array.
    ///
    /// - Precondition: `pixels.count == HarderScene.imageByteCount`.
    public func render(into pixels: UnsafeMutableBufferPointer<UInt8>) {
        precondition(pixels.count == Self.imageByteCount,
                     "HarderScene.render(into:): \(pixels.count) bytes, expected \(Self.imageByteCount)")
        let size = Self.imageSize
        let base = background.base
        for y in 0 ..< size {
            for x in 0 ..< size {
                // In 30 ... 230 for a valid scene: no clamping needed.
                let offset = background.gradientOffset(x: x, y: y)
                let pixel = (y * size + x) * 3
                pixels[pixel] = UInt8(clamping: base.red + offset)
                pixels[pixel + 1] = UInt8(clamping: base.green + offset)
                pixels[pixel + 2] = UInt8(clamping: base.blue + offset)
            }
        }
        for object in objects {
            let rgb = (UInt8(clamping: object.rgb.red), UInt8(clamping: object.rgb.green), UInt8(clamping: object.rgb.blue))
            SortOfCLEVRGeneration.paintBox(pixels, imageSize: size, x: object.x, y: object.y, halfSize: object.halfSize,
                                           rgb: rgb) { u, v in
                object.shape.covers(u: u, v: v, halfSize: object.halfSize)
            }
        }
        var noise = HarderNoise(seed: background.noiseSeed)
        for index in 0 ..< pixels.count {
            pixels[index] = UInt8(clamping: Int(pixels[index]) + noise.next())
        }
    }
}

extension HarderShape {
    /// Whether the shape of half-size `halfSize` covers the pixel whose centre is at `(u, v) / 2`
    /// from the object's centre (u and v odd, in `-2·halfSize + 1 ... 2·halfSize - 1`); see
    /// ``HarderScene/render(into:)``.
    func covers(u: Int, v: Int, halfSize h: Int) -> Bool {
        switch self {
        case .square:
            return true
        case .circle:
            return u * u + v * v <= 4 * h * h
        case .triangle:
            return 2 * abs(u) <= v + 2 * h + 1
        case .cross:
            let t = (h + 2) / 3
            return abs(u) < 2 * t || abs(v) < 2 * t
        }
    }
}

/// The per-pixel noise of harder scenes: integers uniform in `-16 ... 16` (``HarderScene/noiseAmplitude``),
/// eight candidates per 64-bit draw of a ``RandomGenerator``.
///
/// Each draw is split into its eight bytes, lowest first; a byte below 231 (the largest multiple of
/// 33 that fits in a byte) gives `byte % 33 - 16`, and a byte of 231 or more is skipped. The result is
/// exactly uniform, and costs about one generator call per seven values, which matters because
/// every image needs 16,875 of them.
public struct HarderNoise: Sendable {
    private var generator: RandomGenerator
    private var word: UInt64 = 0
    private var bytesLeft = 0
    private static let span = 2 * HarderScene.noiseAmplitude + 1
    private static let limit = 256 - 256 % span

    /// The noise stream of `seed`.
    public init(seed: UInt64) {
        generator = RandomGenerator(seed: seed)
    }

    /// The next noise value, in `-noiseAmplitude ... noiseAmplitude`.
    public mutating func next() -> Int {
        while true {
            if bytesLeft == 0 {
                word = generator.next()
                bytesLeft = 8
            }
            let byte = Int(word & 0xFF)
            word >>= 8
            bytesLeft -= 1
            if byte < Self.limit { return byte % Self.span - HarderScene.noiseAmplitude }
        }
    }
}
