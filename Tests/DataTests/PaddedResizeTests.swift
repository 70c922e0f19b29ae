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

    @Test("the vectorized resampling kernels equal the plain ones bit for bit",
          arguments: [(320, 480, 128, 128), (75, 75, 128, 128), (13, 9, 31, 7), (8, 16, 3, 24), (61, 97, 32, 45), (224, 224, 112, 112)])
    func kernelsAgree(height: Int, width: Int, outputHeight: Int, outputWidth: Int) {
        let input = image(channels: 3, height: height, width: width, seed: UInt64(height * 7 + width))
        for antialias in [true, false] {
            let vectorized = resize(input, height: outputHeight, width: outputWidth, antialias: antialias, kernel: .vectorized)
            let plain = resize(input, height: outputHeight, width: outputWidth, antialias: antialias, kernel: .plain)
            #expect(vectorized == plain, "\(height)×\(width) → \(outputHeight)×\(outputWidth), antialias \(antialias)")
            let paddedVectorized = padToSquareThenResize(input, size: outputHeight, fill: [0.25, 0.5, 0.75],
                                                         antialias: antialias, kernel: .vectorized)
            let paddedPlain = padToSquareThenResize(input, size: outputHeight, fill: [0.25, 0.5, 0.75],
                                                    antialias: antialias, kernel: .plain)
            #expect(paddedVectorized == paddedPlain, "padded \(height)×\(width) → \(outputHeight), antialias \(antialias)")
        }
    }
}
