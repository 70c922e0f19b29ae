import FusionKitData
import Foundation
import Testing

/// The image transforms against torchvision on the fixtures of
/// Tests/Fixtures/make_transform_fixtures.py (inputs in [0, 1], every value within 1e-5), the fast
/// antialiased resize against its direct definition, and the augmentations' seeding.
@Suite("Image transforms")
struct ImageTransformTests {
    static let tolerance: Float = 1e-5

    @Test("SplitMix64 gives the reference stream and regenerates the fixtures' inputs")
    func generator() throws {
        // The first outputs of the reference implementation for seed 0.
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        let fixtures = try TransformFixtures.load()
        #expect(fixtures.index.generated.count == 7)
        for name in fixtures.index.generated.keys {
            let head = fixtures.planes(name).values.prefix(16)
            #expect(Array(head) == fixtures.tensor("generated.\(name).head"), "\(name)")
        }
    }

    @Test("resize to a size equals torchvision's bilinear resize, with and without antialiasing")
    func resizeParity() throws {
        let fixtures = try TransformFixtures.load()
        let cases = try fixtures.cases("resize", count: 8)
        for item in cases {
            let output = resize(fixtures.planes(item.input), height: item.height!, width: item.width!,
                                antialias: item.antialias!)
            fixtures.expectMatch(output, item, tolerance: Self.tolerance)
        }
    }

    @Test("resize to a shorter side equals torchvision's resize(size=int), long side truncated")
    func shorterSideParity() throws {
        let fixtures = try TransformFixtures.load()
        for item in try fixtures.cases("shorter_side", count: 3) {
            let output = resize(fixtures.planes(item.input), shorterSide: item.size!, antialias: item.antialias!)
            fixtures.expectMatch(output, item, tolerance: Self.tolerance)
        }
        // 32 · 60 / 45 = 42.67: truncated to 42, as torchvision's int(); a square takes the size.
        #expect(shorterSideSize(height: 60, width: 45, shorterSide: 32) == (42, 32))
        #expect(shorterSideSize(height: 30, width: 71, shorterSide: 16) == (16, 37))
        #expect(shorterSideSize(height: 40, width: 40, shorterSide: 16) == (16, 16))
        #expect(shorterSideSize(height: 480, width: 640, shorterSide: 256) == (256, 341))
    }

    @Test("centerCrop equals torchvision's center_crop, offsets rounded half to even, zero padding")
    func centerCropParity() throws {
        let fixtures = try TransformFixtures.load()
        for item in try fixtures.cases("center_crop", count: 6) {
            let output = centerCrop(fixtures.planes(item.input), height: item.height!, width: item.width!)
            fixtures.expectMatch(output, item, tolerance: 0)
        }
    }

    @Test("padToSquare equals torchvision's pad with half before and the odd pixel after")
    func padToSquareParity() throws {
        let fixtures = try TransformFixtures.load()
        for item in try fixtures.cases("pad_to_square", count: 2) {
            let output = padToSquare(fixtures.planes(item.input), fill: item.fill!.map { Float($0) })
            fixtures.expectMatch(output, item, tolerance: 0)
        }
    }

    @Test("normalize equals torchvision's normalize")
    func normalizeParity() throws {
        let fixtures = try TransformFixtures.load()
        for item in try fixtures.cases("normalize", count: 1) {
            let output = normalize(fixtures.planes(item.input), mean: item.mean!.map { Float($0) },
                                   std: item.std!.map { Float($0) })
            fixtures.expectMatch(output, item, tolerance: Self.tolerance)
        }
    }

    @Test("brightness, contrast and saturation equal torchvision's adjust_* on fixed factors")
    func colourParity() throws {
        let fixtures = try TransformFixtures.load()
        for item in try fixtures.cases("adjust", count: 9) {
            let input = fixtures.planes(item.input), factor = Float(item.factor!)
            let output: ImagePlanes
            switch item.adjustment! {
            case "brightness": output = adjustBrightness(input, factor: factor)
            case "contrast": output = adjustContrast(input, factor: factor)
            case "saturation": output = adjustSaturation(input, factor: factor)
            default: Issue.record("unknown adjustment \(item.adjustment!)"); continue
            }
            fixtures.expectMatch(output, item, tolerance: Self.tolerance)
        }
    }

    @Test("shift equals torchvision's affine translation (constant fill) and edge padding + crop")
    func shiftParity() throws {
        let fixtures = try TransformFixtures.load()
        for item in try fixtures.cases("shift", count: 3) {
            let fill: ShiftFill = item.fill.map { .constant($0.map { Float($0) }) } ?? .replicateEdge
            let output = shift(fixtures.planes(item.input), dx: item.dx!, dy: item.dy!, fill: fill)
            fixtures.expectMatch(output, item, tolerance: 0)
        }
    }

    @Test("an augmentation's draw applies torchvision's adjustments and the shift in order")
    func augmentationParity() throws {
        let fixtures = try TransformFixtures.load()
        let augmentation = ImageAugmentation(brightness: 0.4, contrast: 0.4, saturation: 0.4, maxShift: 3,
                                             shiftFill: .replicateEdge)
        for item in try fixtures.cases("augmentation", count: 1) {
            let draw = item.draw!
            let output = augmentation.apply(
                .init(brightness: Float(draw.brightness), contrast: Float(draw.contrast),
                      saturation: Float(draw.saturation), dx: draw.dx, dy: draw.dy),
                to: fixtures.planes(item.input))
            fixtures.expectMatch(output, item, tolerance: Self.tolerance)
        }
    }

    @Test("the presets equal torchvision's ImageClassification, CLIP-style and plain pipelines")
    func preprocessingParity() throws {
        let fixtures = try TransformFixtures.load()
        for item in try fixtures.cases("preprocessing", count: 4) {
            let preprocessing: ImagePreprocessing
            switch item.preset! {
            case "imageNet": preprocessing = .imageNet(size: item.size!)
            case "clip": preprocessing = .clip(size: item.size!)
            case "plain": preprocessing = .plain(size: item.size!)
            case "padToSquareThenResize":
                preprocessing = ImagePreprocessing(
                    resizing: .padToSquareThenResize(size: item.size!, fill: item.fill!.map { Float($0) }))
            default: Issue.record("unknown preset \(item.preset!)"); continue
            }
            fixtures.expectMatch(preprocessing(fixtures.planes(item.input)), item, tolerance: Self.tolerance)
        }
        #expect(ImagePreprocessing.imageNet().resizing == .shorterSideThenCenterCrop(shorterSide: 256, crop: 224))
        #expect(ImagePreprocessing.imageNet(size: 32).resizing == .shorterSideThenCenterCrop(shorterSide: 36, crop: 32))
        #expect(ImagePreprocessing.clip().resizing == .shorterSideThenCenterCrop(shorterSide: 224, crop: 224))
    }

    @Test("the separable antialiased resize equals the direct 2-D definition within 1e-6",
          arguments: [(480, 320, 128, 128), (97, 61, 32, 45), (75, 75, 40, 90), (13, 9, 31, 23),
                      (7, 5, 3, 2), (64, 64, 17, 64), (10, 30, 10, 7), (5, 5, 1, 1)])
    func fastEqualsReference(_ size: (Int, Int, Int, Int)) {
        let image = TransformFixtures.splitMixPlanes(seed: 99, channels: 2, height: size.0, width: size.1)
        let fast = resize(image, height: size.2, width: size.3)
        let reference = referenceAntialiasedResize(image, height: size.2, width: size.3)
        let error = maxError(fast, reference)
        #expect(error <= 1e-6, "\(size): \(error)")
        TransformFixtures.report("reference \(size.0)×\(size.1) → \(size.2)×\(size.3)", error)
    }

    @Test("an augmentation gives the same output for a seed and different outputs across seeds")
    func augmentationSeeding() throws {
        let image = TransformFixtures.splitMixPlanes(seed: 5, channels: 3, height: 24, width: 32)
        let augmentation = ImageAugmentation(brightness: 0.3, contrast: 0.3, saturation: 0.3, maxShift: 2,
                                             shiftFill: .constant([0.5]))
        #expect(augmentation(image, seed: 7) == augmentation(image, seed: 7))
        let outputs = (0..<8).map { augmentation(image, seed: UInt64($0)) }
        #expect(Set(outputs.map(\.values)).count == 8)
        // Draws stay in their ranges, and every shift in −2…2 occurs.
        let draws = (0..<400).map { augmentation.draw(seed: UInt64($0)) }
        for draw in draws {
            for factor in [draw.brightness, draw.contrast, draw.saturation] {
                #expect(factor >= 0.7 && factor <= 1.3)
            }
        }
        #expect(Set(draws.map(\.dx)) == Set(-2...2) && Set(draws.map(\.dy)) == Set(-2...2))
        // Turning one augmentation off leaves the others' draws as they were.
        var noContrast = augmentation
        noContrast.contrast = 0
        let a = augmentation.draw(seed: 11), b = noContrast.draw(seed: 11)
        #expect(b.contrast == 1 && a.brightness == b.brightness && a.saturation == b.saturation && a.dx == b.dx)
        // No augmentation returns the image unchanged.
        #expect(ImageAugmentation()(image, seed: 3) == image)
    }

    @Test("preprocessing and augmentation descriptions survive a JSON round trip")
    func codable() throws {
        let values: [ImagePreprocessing] = [
            .imageNet(), .clip(), .plain(size: 64),
            ImagePreprocessing(resizing: .padToSquareThenResize(size: 128, fill: [0.5]), antialias: false),
            ImagePreprocessing(resizing: .keepSize),
        ]
        for value in values {
            let decoded = try JSONDecoder().decode(ImagePreprocessing.self, from: JSONEncoder().encode(value))
            #expect(decoded == value)
        }
        let augmentation = ImageAugmentation(brightness: 0.2, maxShift: 4, shiftFill: .constant([0, 0.5, 1]))
        #expect(try JSONDecoder().decode(ImageAugmentation.self, from: JSONEncoder().encode(augmentation)) == augmentation)
    }
}

/// The largest absolute difference of two images of the same shape (infinity when the shapes differ).
private func maxError(_ a: ImagePlanes, _ b: ImagePlanes) -> Float {
    guard a.channels == b.channels && a.height == b.height && a.width == b.width else { return .infinity }
    return zip(a.values, b.values).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// Tests/Fixtures/transforms: `index.json` and the float32 tensors of `tensors.bin`.
private struct TransformFixtures {
    struct Index: Decodable {
        struct Tensor: Decodable { var offset: Int; var shape: [Int] }
        struct Generated: Decodable { var seed: UInt64; var shape: [Int] }
        var tensors: [String: Tensor]
        var generated: [String: Generated]
        var cases: [String: [Case]]
    }

    /// One case; which parameters are present depends on the transform.
    struct Case: Decodable {
        struct Draw: Decodable { var brightness, contrast, saturation: Double; var dx, dy: Int }
        var name, input, output: String
        var height, width, size, dx, dy: Int?
        var antialias: Bool?
        var fill, mean, std: [Double]?
        var adjustment, preset: String?
        var factor: Double?
        var draw: Draw?
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/transforms")

    let index: Index
    let blob: Data

    static func load() throws -> TransformFixtures {
        let index = try JSONDecoder().decode(Index.self, from: Data(contentsOf: folder.appendingPathComponent("index.json")))
        return TransformFixtures(index: index, blob: try Data(contentsOf: folder.appendingPathComponent("tensors.bin")))
    }

    /// The cases of one transform, checking that none went missing.
    func cases(_ kind: String, count: Int) throws -> [Case] {
        let cases = index.cases[kind] ?? []
        #expect(cases.count == count, "\(kind): \(cases.count) cases")
        return cases
    }

    /// The stored tensor `name`, flattened.
    func tensor(_ name: String) -> [Float] {
        guard let entry = index.tensors[name] else {
            Issue.record("no tensor \(name)")
            return []
        }
        let count = entry.shape.reduce(1, *)
        return (0..<count).map { i in
            let start = blob.startIndex + entry.offset + 4 * i
            let bits = blob[start..<start + 4].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
            return Float(bitPattern: bits)
        }
    }

    /// The image `name`: regenerated when the fixtures list it as generated, else read.
    func planes(_ name: String) -> ImagePlanes {
        if let generated = index.generated[name] {
            let shape = generated.shape
            return Self.splitMixPlanes(seed: generated.seed, channels: shape[0], height: shape[1], width: shape[2])
        }
        let shape = index.tensors[name]!.shape
        return ImagePlanes(channels: shape[0], height: shape[1], width: shape[2], values: tensor(name))
    }

    /// An image of SplitMix64 draws in [0, 1), as the fixture script generates its larger inputs.
    static func splitMixPlanes(seed: UInt64, channels: Int, height: Int, width: Int) -> ImagePlanes {
        var generator = SplitMix64(seed: seed)
        return ImagePlanes(channels: channels, height: height, width: width,
                           values: (0..<channels * height * width).map { _ in generator.nextUnitFloat() })
    }

    /// Expects `output` to have the shape of the case's expected output and to lie within `tolerance` of it.
    func expectMatch(_ output: ImagePlanes, _ item: Case, tolerance: Float) {
        let shape = index.tensors[item.output]!.shape
        #expect([output.channels, output.height, output.width] == shape, "\(item.output): shape")
        let expected = ImagePlanes(channels: shape[0], height: shape[1], width: shape[2], values: tensor(item.output))
        let error = maxError(output, expected)
        #expect(error <= tolerance, "\(item.output): max error \(error)")
        Self.report(item.output, error)
    }

    /// Prints an error when FUSIONKIT_REPORT_ERRORS is set, for measuring the agreement.
    static func report(_ label: String, _ error: Float) {
        if ProcessInfo.processInfo.environment["FUSIONKIT_REPORT_ERRORS"] != nil {
            print("max error \(label): \(error)")
        }
    }
}
