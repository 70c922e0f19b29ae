import FusionKit
import FusionKitData
import Testing

@Suite("Pad to square, then resize")
struct PaddedResizeTests {
    /// Planes of values from a fixed generator.
    private func image(channels: Int, height: Int, width: Int, seed: UInt64) -> ImagePlanes {
        var generator = RandomGenerator(seed: seed)
        return ImagePlanes(channels: channels, height: height, width: width,
                           values: (0..<(channels * height * width)).map { _ in Float(generator.next() % 1000) / 999 })
    }

    @Test("the fast path equals padding then resizing, bit for bit",
          arguments: [(320, 480, 128), (61, 97, 32), (9, 13, 31), (100, 101, 64), (480, 320, 128), (50, 50, 20), (30, 40, 40)])
    func equalsComposition(height: Int, width: Int, size: Int) {
        for (antialias, fill) in [(true, [Float(0)]), (true, [0.2, 0.5, 0.9]), (false, [0.3])] {
            let input = image(channels: 3, height: height, width: width, seed: UInt64(height * 1000 + width))
            let fast = padToSquareThenResize(input, size: size, fill: fill, antialias: antialias)
            let plain = resize(padToSquare(input, fill: fill), height: size, width: size, antialias: antialias)
            #expect(fast == plain, "\(height)×\(width) → \(size), antialias \(antialias), fill \(fill)")
        }
    }
}
