import Foundation
import FusionKit
import Testing
@testable import SortOfCLEVR

// The names below are written out here rather than taken from the library, so that a change to
// the library's names, order or vocabulary fails these tests.
private let colorNames = ["red", "green", "blue", "orange", "yellow", "purple", "cyan", "pink", "brown", "white"]
private let shapeNames = ["square", "circle", "triangle", "cross"]
private let answerTexts = shapeNames + ["small", "large", "left", "right", "top", "bottom"] + colorNames
    + ["1", "2", "3", "4", "5", "6"]
private let questionWords = Set<String>([
    "a", "are", "as", "at", "away", "big", "bottom", "closest", "color", "counting", "does", "farthest", "from",
    "furthest", "half", "have", "how", "image", "in", "is", "its", "itself", "kind", "large", "left", "many", "near",
    "nearest", "object", "objects", "of", "on", "one", "or", "right", "same", "shape", "shapes", "share", "side",
    "size", "small", "the", "to", "top", "what", "which",
    "circle", "cross", "square", "triangle",
]).union(colorNames)

/// 64-bit FNV-1a over the images, then each question's text (UTF-8), subtype, phrasing and answer index.
private func harderFingerprint(_ dataset: HarderSortOfCLEVR) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ byte: UInt8) {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    for byte in dataset.images { mix(byte) }
    for question in dataset.questions {
        question.text.utf8.forEach(mix)
        mix(UInt8(question.subtype.rawValue))
        mix(UInt8(question.phrasing))
        mix(UInt8(question.answer.rawValue))
    }
    return hash
}

/// The answer recomputed from the scene with straightforward floating-point code, independent of
/// the library's integer implementation; nil when the closest or furthest object is not unique.
private func independentAnswer(_ subtype: HarderQuestionSubtype, about color: HarderColor, in scene: HarderScene) -> String? {
    let object = scene.objects.first { $0.color == color }!
    let others = scene.objects.filter { $0.color != color }
    func distance(_ other: HarderObject) -> Double {
        (Double(other.x - object.x) * Double(other.x - object.x) + Double(other.y - object.y) * Double(other.y - object.y))
            .squareRoot()
    }
    switch subtype {
    case .shape: return shapeNames[object.shape.rawValue]
    case .size: return object.halfSize >= 6 ? "large" : "small"
    case .horizontal: return Double(object.x) < 37.5 ? "left" : "right"
    case .vertical: return Double(object.y) < 37.5 ? "top" : "bottom"
    case .closestShape, .furthestShape, .closestColor, .furthestColor:
        let sorted = others.sorted { distance($0) < distance($1) }
        let target = subtype == .closestShape || subtype == .closestColor ? sorted.first! : sorted.last!
        guard others.filter({ distance($0) == distance(target) }).count == 1 else { return nil }
        return subtype == .closestShape || subtype == .furthestShape
            ? shapeNames[target.shape.rawValue] : colorNames[target.color.rawValue]
    case .count: return String(scene.objects.filter { $0.shape == object.shape }.count)
    }
}

/// Whether a rendered pixel shows `rgb`: every channel within the noise amplitude (16) of it.
private func shows(_ pixels: ArraySlice<UInt8>, x: Int, y: Int, _ rgb: HarderRGB) -> Bool {
    let offset = pixels.startIndex + (y * 75 + x) * 3
    return abs(Int(pixels[offset]) - rgb.red) <= 16 && abs(Int(pixels[offset + 1]) - rgb.green) <= 16
        && abs(Int(pixels[offset + 2]) - rgb.blue) <= 16
}

@Suite("Harder Sort-of-CLEVR")
struct HarderSortOfCLEVRTests {
    let dataset = HarderSortOfCLEVR.generate(seed: 4, imageCount: 200)

    @Test func sameSeedSameBytes() {
        let first = HarderSortOfCLEVR.generate(seed: 7, imageCount: 20)
        let second = HarderSortOfCLEVR.generate(seed: 7, imageCount: 20)
        #expect(first == second)
        #expect(first.images.count == 20 * 75 * 75 * 3 && first.questions.count == 20 * 20)
        let other = HarderSortOfCLEVR.generate(seed: 8, imageCount: 20)
        #expect(other.images != first.images && other.scenes != first.scenes)
        // Rendering is a function of the scene alone.
        #expect(first.scenes[3].render() == Array(first.image(at: 3)))
    }

    /// Guards stability across machines, compilers and Swift versions: the data for a seed must
    /// never change. If this fails after a deliberate change to the generator, say so where the
    /// data set is documented and pin the new value.
    // Deliberate pattern (same shape as Tests/SortOfCLEVRTests/GenerationTests.swift:pinnedFingerprint): each generator pins its own fingerprint; the shared check is expectImagesDoNotDependOnTheCount.
    @Test func pinnedFingerprint() {
        let dataset = HarderSortOfCLEVR.generate(seed: 1, imageCount: 20)
        #expect(harderFingerprint(dataset) == 8_427_987_296_246_613_355)
    }

    @Test func imagesDoNotDependOnTheCount() {
        expectImagesDoNotDependOnTheCount(HarderSortOfCLEVR.self)
    }

    @Test func paperSplitHasIndependentStreams() {
        let (training, validation) = HarderSortOfCLEVR.paperSplit(seed: 5, trainingImageCount: 30, validationImageCount: 10)
        #expect(training.imageCount == 30 && validation.imageCount == 10)
        let (smaller, sameValidation) = HarderSortOfCLEVR.paperSplit(seed: 5, trainingImageCount: 7, validationImageCount: 10)
        #expect(sameValidation == validation && smaller.scenes == Array(training.scenes.prefix(7)))
        #expect(training.seed == HarderSortOfCLEVR.trainingSeed(for: 5) && validation.seed == HarderSortOfCLEVR.validationSeed(for: 5))
        #expect(Set([5, training.seed, validation.seed, SortOfCLEVRDataset.testSeed(for: 5)]).count == 4)
        #expect(Set(validation.scenes).isDisjoint(with: training.scenes))
        #expect(HarderSortOfCLEVR.paperTrainingImageCount == 9_800 && HarderSortOfCLEVR.paperValidationImageCount == 200)
        #expect(HarderSortOfCLEVR.generate(seed: 1, imageCount: 0).images.isEmpty)
    }

    @Test func everyAnswerMatchesAnIndependentComputation() {
        for image in 0 ..< dataset.imageCount {
            let scene = dataset.scenes[image]
            let questions = Array(dataset.questions(aboutImage: image))
            #expect(questions.count == 20)
            #expect(questions.prefix(10).allSatisfy { !$0.isRelational && $0.kind == .nonRelational })
            #expect(questions.suffix(10).allSatisfy { $0.isRelational && $0.kind == .relational })
            for question in questions {
                #expect(scene.colors.contains(question.color), "image \(image): \(question.text)")
                #expect(question.answer.text == independentAnswer(question.subtype, about: question.color, in: scene),
                        "image \(image): \(question.text)")
                // The text says what was asked: it reads back as the question's subtype, colour and phrasing.
                let match = HarderQuestionTemplates.match(question.text)
                #expect(match?.subtype == question.subtype && match?.color == question.color
                        && match?.phrasing == question.phrasing, "\(question.text)")
                #expect(scene.answer(to: question.text) == question.answer)
            }
        }
    }

    @Test func everySubtypePhrasingAndAnswerOccurs() {
        let questions = dataset.questions
        #expect(Set(questions.map(\.color)) == Set(HarderColor.allCases))
        for subtype in HarderQuestionSubtype.allCases {
            let phrasings = Set(questions.filter { $0.subtype == subtype }.map(\.phrasing))
            #expect(phrasings == Set(subtype.phrasings.indices), "\(subtype)")
            #expect((2 ... 4).contains(subtype.phrasings.count))
        }
        // Five or six objects of one shape are rare (a count of 6 needs all six alike).
        let common = Set(HarderAnswer.allCases).subtracting([.five, .six])
        #expect(common.isSubset(of: Set(questions.map(\.answer))))
        // Subtypes are drawn uniformly within their kind: 2,000 / 4 and 2,000 / 5 each.
        for subtype in HarderQuestionSubtype.nonRelational {
            #expect(abs(questions.count { $0.subtype == subtype } - 500) < 90, "\(subtype)")
        }
        for subtype in HarderQuestionSubtype.relational {
            #expect(abs(questions.count { $0.subtype == subtype } - 400) < 90, "\(subtype)")
        }
    }

    @Test func namesAndIndicesAreFixed() {
        #expect(HarderAnswer.vocabulary == answerTexts)
        #expect(HarderAnswer(text: "triangle") == .triangle && HarderAnswer(text: "gray") == nil)
        #expect(HarderColor.allCases.map(\.name) == colorNames && HarderShape.allCases.map(\.name) == shapeNames)
        #expect(HarderQuestionSubtype.allCases.map(\.name) == ["shape", "size", "horizontal", "vertical", "closest-shape",
                                                               "furthest-shape", "closest-color", "furthest-color", "count"])
        #expect(HarderQuestionSubtype.relational.map(\.rawValue) == [4, 5, 6, 7, 8])
        #expect(HarderQuestionSubtype.nonRelational.map(\.rawValue) == [0, 1, 2, 3])
    }

    @Test func vocabularyIsKnownAndQuestionsAreWellFormed() {
        #expect(Set(HarderQuestionTemplates.words) == questionWords)
        #expect(HarderQuestionTemplates.maximumQuestionLength <= QuestionVocabulary.maximumQuestionLength)
        for subtype in HarderQuestionSubtype.allCases {
            for phrasing in subtype.phrasings.indices {
                for color in HarderColor.allCases {
                    let text = HarderQuestionTemplates.text(subtype, color: color, phrasing: phrasing)
                    #expect(text.hasSuffix("?") && text.first!.isUppercase, "\(text)")
                    #expect(!text.dropFirst().contains { $0.isUppercase }, "\(text)")
                    #expect(QuestionVocabulary.tokenize(text).allSatisfy(questionWords.contains), "\(text)")
                    #expect(text.contains(" \(color.name) "))
                }
            }
        }
        for question in dataset.questions {
            #expect(QuestionVocabulary.tokenize(question.text).allSatisfy(questionWords.contains))
            #expect(answerTexts.contains(question.answer.text))
        }
    }

    @Test func generatedScenesFollowTheRules() throws {
        for scene in dataset.scenes {
            // The library's own check accepts every generated scene …
            let checked = try HarderScene(objects: scene.objects, background: scene.background)
            #expect(checked == scene)
            // … and so do independent checks.
            #expect(Set(scene.colors).count == 6 && scene.objects.count == 6)
            for (index, object) in scene.objects.enumerated() {
                #expect([4, 5, 7, 8].contains(object.halfSize))
                #expect(object.x - object.halfSize >= 0 && object.x + object.halfSize <= 75)
                #expect(object.y - object.halfSize >= 0 && object.y + object.halfSize <= 75)
                let palette = object.color.rgb
                #expect(abs(object.rgb.red - palette.red) <= 20 && abs(object.rgb.green - palette.green) <= 20
                        && abs(object.rgb.blue - palette.blue) <= 20)
                for other in scene.objects[..<index] {
                    // Boxes [x - h, x + h) are disjoint with two empty pixels between them, and the
                    // centres are at least the sum of the half-sizes plus 2 apart.
                    let separatedX = max(object.x - object.halfSize, other.x - other.halfSize)
                        - min(object.x + object.halfSize, other.x + other.halfSize) >= 2
                    let separatedY = max(object.y - object.halfSize, other.y - other.halfSize)
                        - min(object.y + object.halfSize, other.y + other.halfSize) >= 2
                    #expect(separatedX || separatedY)
                    let distance = Double(object.squaredDistance(to: other)).squareRoot()
                    #expect(distance >= Double(object.halfSize + other.halfSize + 2))
                }
                // Every background value before noise is at least 90 from the object's colour.
                let base = scene.background.base
                for offset in -scene.background.amplitude ... scene.background.amplitude {
                    let r = Double(base.red + offset - object.rgb.red), g = Double(base.green + offset - object.rgb.green)
                    let b = Double(base.blue + offset - object.rgb.blue)
                    #expect((r * r + g * g + b * b).squareRoot() >= 90)
                }
            }
            let base = scene.background.base
            #expect([base.red, base.green, base.blue].allSatisfy { (60 ... 200).contains($0) })
            #expect((0 ... 30).contains(scene.background.amplitude))
        }
        // The ten colours, four shapes and four half-sizes all occur.
        let objects = dataset.scenes.flatMap(\.objects)
        #expect(Set(objects.map(\.color)).count == 10 && Set(objects.map(\.shape)).count == 4)
        #expect(Set(objects.map(\.halfSize)) == [4, 5, 7, 8])
    }

    @Test func renderedObjectsShowTheirColourShapeAndSize() {
        for image in 0 ..< 60 {
            let scene = dataset.scenes[image], pixels = dataset.image(at: image)
            for object in scene.objects {
                let (x, y, h) = (object.x, object.y, object.halfSize)
                #expect(shows(pixels, x: x, y: y, object.rgb), "image \(image): \(object.color.name) centre")
                // Probes of the shapes: the top-left and bottom-left corners of the box, the middle
                // of its left edge, and a point on the diagonal halfway to the corner.
                let topLeft = shows(pixels, x: x - h, y: y - h, object.rgb)
                let bottomLeft = shows(pixels, x: x - h, y: y + h - 1, object.rgb)
                let leftMiddle = shows(pixels, x: x - h, y: y, object.rgb)
                let diagonal = shows(pixels, x: x + h / 2, y: y + h / 2, object.rgb)
                let probes = [topLeft, bottomLeft, leftMiddle, diagonal]
                let expected: [Bool] = switch object.shape {
                case .square: [true, true, true, true]
                case .circle: [false, false, true, true]
                case .triangle: [false, true, false, true]
                case .cross: [false, false, true, false]
                }
                #expect(probes == expected, "image \(image): \(object.color.name) \(object.shape.name) of half-size \(h)")
                // Nothing of the object shows outside its box: the ring of pixels just around it.
                for px in x - h - 1 ... x + h where (0 ..< 75).contains(px) {
                    for py in [y - h - 1, y + h] where (0 ..< 75).contains(py) {
                        #expect(!shows(pixels, x: px, y: py, object.rgb))
                    }
                }
                for py in y - h - 1 ... y + h where (0 ..< 75).contains(py) {
                    for px in [x - h - 1, x + h] where (0 ..< 75).contains(px) {
                        #expect(!shows(pixels, x: px, y: py, object.rgb))
                    }
                }
            }
        }
    }

    @Test func backgroundIsTexturedAndFarFromTheObjects() {
        var gradientSeen = false
        for image in 0 ..< 60 {
            let scene = dataset.scenes[image], pixels = dataset.image(at: image), background = scene.background
            let weight = Double(abs(background.directionX) + abs(background.directionY))
            var values = Set<Int>()
            for y in 0 ..< 75 {
                for x in 0 ..< 75 {
                    let inBox = scene.objects.contains {
                        abs(2 * x + 1 - 2 * $0.x) < 2 * $0.halfSize && abs(2 * y + 1 - 2 * $0.y) < 2 * $0.halfSize
                    }
                    if inBox { continue }
                    // The gradient recomputed in floating point (the library truncates, hence the extra 1).
                    let gradient = Double(background.amplitude)
                        * (Double(background.directionX) * (Double(x) + 0.5 - 37.5) + Double(background.directionY) * (Double(y) + 0.5 - 37.5))
                        / (37 * weight)
                    let offset = (y * 75 + x) * 3 + pixels.startIndex
                    let channels = [background.base.red, background.base.green, background.base.blue]
                    for channel in 0 ..< 3 {
                        #expect(abs(Double(pixels[offset + channel]) - Double(channels[channel]) - gradient) <= 17)
                    }
                    values.insert(Int(pixels[offset]))
                    for object in scene.objects {
                        let r = Double(pixels[offset]) - Double(object.rgb.red)
                        let g = Double(pixels[offset + 1]) - Double(object.rgb.green)
                        let b = Double(pixels[offset + 2]) - Double(object.rgb.blue)
                        // 90 before noise, less at most 16 on each channel.
                        #expect((r * r + g * g + b * b).squareRoot() >= 90 - 16 * 3.0.squareRoot())
                    }
                }
            }
            // Not flat: noise alone spreads a channel over many values.
            #expect(values.count > 30)
            if background.amplitude >= 10 {
                gradientSeen = true
                // Opposite corners along the gradient differ by about twice the amplitude (noise averaged out).
                let sign = (x: background.directionX >= 0 ? 1 : -1, y: background.directionY >= 0 ? 1 : -1)
                func mean(_ cx: Int, _ cy: Int) -> Double {
                    var sum = 0.0, count = 0.0
                    for y in max(0, cy - 3) ... min(74, cy + 3) {
                        for x in max(0, cx - 3) ... min(74, cx + 3) where !scene.objects.contains(where: {
                            abs(2 * x + 1 - 2 * $0.x) < 2 * $0.halfSize + 2 && abs(2 * y + 1 - 2 * $0.y) < 2 * $0.halfSize + 2
                        }) {
                            let offset = (y * 75 + x) * 3 + pixels.startIndex
                            sum += Double(pixels[offset]) + Double(pixels[offset + 1]) + Double(pixels[offset + 2])
                            count += 3
                        }
                    }
                    return count == 0 ? .nan : sum / count
                }
                let high = mean(37 + 37 * sign.x, 37 + 37 * sign.y), low = mean(37 - 37 * sign.x, 37 - 37 * sign.y)
                if !high.isNaN && !low.isNaN { #expect(high - low > Double(background.amplitude)) }
            }
        }
        #expect(gradientSeen)
    }

    @Test func noiseIsUniformInItsRange() {
        var noise = HarderNoise(seed: 9)
        var counts = [Int](repeating: 0, count: 33)
        var outside = 0
        for _ in 0 ..< 330_000 {
            let value = noise.next()
            if (-16 ... 16).contains(value) { counts[value + 16] += 1 } else { outside += 1 }
        }
        #expect(outside == 0)
        // 10,000 expected each, standard deviation about 100.
        #expect(counts.allSatisfy { (9_600 ... 10_400).contains($0) }, "\(counts)")
    }

    @Test func ambiguousQuestionsHaveNoAnswer() throws {
        func object(_ color: HarderColor, _ shape: HarderShape, _ x: Int, _ y: Int) -> HarderObject {
            HarderObject(color: color, rgb: color.rgb, shape: shape, halfSize: 4, x: x, y: y)
        }
        let background = HarderBackground(base: HarderRGB(100, 100, 100), directionX: 1, directionY: 0, amplitude: 0, noiseSeed: 1)
        // Green and blue are both 12 from red, and both squares: even so, "the nearest object" is not one object.
        let scene = try HarderScene(objects: [
            object(.red, .circle, 30, 30), object(.green, .square, 42, 30), object(.blue, .square, 30, 42),
            object(.cyan, .triangle, 65, 65), object(.pink, .cross, 10, 65), object(.yellow, .circle, 65, 10),
        ], background: background)
        for subtype in [HarderQuestionSubtype.closestShape, .closestColor] {
            #expect(scene.answer(subtype, about: .red) == nil && scene.question(subtype, about: .red) == nil)
        }
        #expect(scene.answer(to: "What color is the object closest to the red object?") == nil)
        #expect(scene.answer(.furthestColor, about: .red) == .cyan && scene.answer(.furthestShape, about: .red) == .triangle)
        #expect(scene.answer(.closestColor, about: .cyan) == nil)   // green and blue again, at 23² + 35²
        #expect(scene.answer(.closestColor, about: .yellow) == .green && scene.answer(.closestShape, about: .yellow) == .square)
        #expect(scene.answer(.count, about: .red) == .two && scene.answer(.size, about: .red) == .small)
        #expect(scene.answer(.shape, about: .orange) == nil)   // no orange object in this scene
        #expect(scene.answer(to: "Is the pink object on the left or on the right") == .left)
        #expect(scene.answer(to: "What colour is the red object?") == nil)
    }

    @Test func invalidScenesAreRefused() throws {
        let valid = dataset.scenes[0]
        var objects = valid.objects
        objects[0].halfSize = 4
        objects[1].halfSize = 4
        // Boxes 9 apart with half-sizes 4 leave one empty column between them, not two.
        objects[1].x = objects[0].x <= 62 ? objects[0].x + 9 : objects[0].x - 9
        objects[1].y = objects[0].y
        #expect(throws: HarderSceneError.tooClose(objects[0].color, objects[1].color)) {
            try HarderScene(objects: objects, background: valid.background)
        }
        objects[1].x += objects[0].x <= 62 ? 1 : -1
        do {
            _ = try HarderScene(objects: objects, background: valid.background)   // two empty columns: allowed
        } catch {
            #expect(error != .tooClose(objects[0].color, objects[1].color))   // (another rule may still fail)
        }
        objects = valid.objects
        objects[2].color = objects[0].color
        #expect(throws: HarderSceneError.repeatedColor(objects[0].color)) {
            try HarderScene(objects: objects, background: valid.background)
        }
        objects = valid.objects
        objects[3].halfSize = 6
        #expect(throws: HarderSceneError.invalidHalfSize(objects[3].color, halfSize: 6)) {
            try HarderScene(objects: objects, background: valid.background)
        }
        objects = valid.objects
        objects[4].rgb.red = objects[4].color.rgb.red > 127 ? objects[4].color.rgb.red - 21 : objects[4].color.rgb.red + 21
        #expect(throws: HarderSceneError.colorOutOfRange(objects[4].color, objects[4].rgb)) {
            try HarderScene(objects: objects, background: valid.background)
        }
        var background = valid.background
        background.base = HarderRGB(min(200, max(60, valid.objects[0].rgb.red)), min(200, max(60, valid.objects[0].rgb.green)),
                                    min(200, max(60, valid.objects[0].rgb.blue)))
        background.amplitude = 30
        #expect(throws: HarderSceneError.backgroundTooClose(valid.objects[0].color)) {
            try HarderScene(objects: valid.objects, background: background)
        }
        #expect(throws: HarderSceneError.wrongObjectCount(5)) {
            try HarderScene(objects: Array(valid.objects.prefix(5)), background: valid.background)
        }
    }
}
