import FusionKit

/// What the plain and the harder Sort-of-CLEVR sets generate the same way: drawing a scene's
/// questions, painting an object's box, rendering every scene of a set and drawing a whole set
/// from one seed. Each set's public types (``SceneGenerator``, ``HarderSceneGenerator``,
/// ``SortOfCLEVRDataset``, ``HarderSortOfCLEVR``, the two `render(into:)`) call these, so both
/// sets draw in exactly one order.
enum SortOfCLEVRGeneration {
    /// `perKind` questions of each kind in `kinds`, kind after kind, about `targetCount` targets
    /// (the scene's objects) whose answers `answer(subtype, target)` gives (nil: no single answer).
    ///
    /// Each question draws its subtype uniformly among its kind's, again while no target has an
    /// answer for it; then a target uniformly below `targetCount`, again while it has no answer;
    /// then a phrasing uniformly below `phrasingCount(subtype)`. `make` builds the question from
    /// the subtype, the target, the phrasing and the answer.
    static func questions<Subtype: CaseIterable & RawRepresentable, Answer, Question>(
        kinds: [[Subtype]], perKind: Int, targetCount: Int, answer: (Subtype, Int) -> Answer?,
        phrasingCount: (Subtype) -> Int, using generator: inout RandomGenerator,
        make: (Subtype, Int, Int, Answer) -> Question
    ) -> [Question] where Subtype.RawValue == Int {
        // Every answer, indexed by the subtype's raw value (its place in `allCases`), then target.
        let answers: [[Answer?]] = Subtype.allCases.map { subtype in (0 ..< targetCount).map { answer(subtype, $0) } }
        var questions: [Question] = []
        questions.reserveCapacity(kinds.count * perKind)
        for subtypes in kinds {
            for _ in 0 ..< perKind {
                var subtype: Subtype
                repeat {
                    subtype = subtypes[generator.uniformInteger(below: subtypes.count)]
                } while answers[subtype.rawValue].allSatisfy { $0 == nil }
                let targets = answers[subtype.rawValue]
                var target: Int
                repeat {
                    target = generator.uniformInteger(below: targets.count)
                } while targets[target] == nil
                let phrasing = generator.uniformInteger(below: phrasingCount(subtype))
                questions.append(make(subtype, target, phrasing, targets[target]!))
            }
        }
        return questions
    }

    /// Paints `rgb` on the pixels of the box `x - h ..< x + h`, `y - h ..< y + h` of an RGB image
    /// `imageSize` pixels wide that the shape covers: `covers(u, v)` with `u = 2(px - x) + 1` and
    /// `v = 2(py - y) + 1`, twice the pixel centre's offset from `(x, y)` (odd, in `-2h + 1 ... 2h - 1`).
    @inline(__always)
    static func paintBox(_ pixels: UnsafeMutableBufferPointer<UInt8>, imageSize: Int, x: Int, y: Int, halfSize h: Int,
                         rgb: (red: UInt8, green: UInt8, blue: UInt8), covers: (_ u: Int, _ v: Int) -> Bool) {
        for py in y - h ..< y + h {
            let v = 2 * (py - y) + 1
            for px in x - h ..< x + h {
                guard covers(2 * (px - x) + 1, v) else { continue }
                let offset = (py * imageSize + px) * 3
                pixels[offset] = rgb.red
                pixels[offset + 1] = rgb.green
                pixels[offset + 2] = rgb.blue
            }
        }
    }

    /// The images of `scenes`, one after the other (``SortOfCLEVRRendering/render(into:)``).
    static func images<Scene: SortOfCLEVRRendering>(of scenes: [Scene]) -> [UInt8] {
        let byteCount = Scene.imageByteCount
        var images = [UInt8](repeating: 0, count: scenes.count * byteCount)
        images.withUnsafeMutableBufferPointer { buffer in
            for (index, scene) in scenes.enumerated() {
                scene.render(into: UnsafeMutableBufferPointer(rebasing: buffer[index * byteCount ..< (index + 1) * byteCount]))
            }
        }
        return images
    }

    /// `imageCount` scenes with their questions, all from one `RandomGenerator(seed: seed)`: for each
    /// image in turn, `scene` draws the scene, then `questions` its `questionsPerImage` questions.
    ///
    /// - Precondition: `imageCount >= 0` (`caller` names the function in the message).
    static func generate<Scene, Question>(
        seed: UInt64, imageCount: Int, questionsPerImage: Int, caller: String,
        scene: (inout RandomGenerator) -> Scene, questions: (Scene, inout RandomGenerator) -> [Question]
    ) -> (scenes: [Scene], questions: [Question]) {
        precondition(imageCount >= 0, "\(caller): negative image count \(imageCount)")
        var generator = RandomGenerator(seed: seed)
        var scenes: [Scene] = []
        var allQuestions: [Question] = []
        scenes.reserveCapacity(imageCount)
        allQuestions.reserveCapacity(imageCount * questionsPerImage)
        for _ in 0 ..< imageCount {
            let drawn = scene(&generator)
            scenes.append(drawn)
            allQuestions.append(contentsOf: questions(drawn, &generator))
        }
        return (scenes, allQuestions)
    }

    /// A seed derived from `seed` for a split: the first output of a generator seeded with `seed`
    /// mixed with `constant` (eight ASCII letters naming the split).
    static func derivedSeed(_ seed: UInt64, mixedWith constant: UInt64) -> UInt64 {
        var generator = RandomGenerator(seed: seed ^ constant)
        return generator.next()
    }
}

/// A scene that renders to RGB bytes: ``Scene`` and ``HarderScene``.
public protocol SortOfCLEVRRendering {
    /// The bytes of one rendered scene.
    static var imageByteCount: Int { get }
    /// Renders the scene into `pixels` (``imageByteCount`` bytes), overwriting all of it.
    func render(into pixels: UnsafeMutableBufferPointer<UInt8>)
}

extension SortOfCLEVRRendering {
    /// The scene rendered (``render(into:)``) into a new array of ``imageByteCount`` bytes.
    public func render() -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: Self.imageByteCount)
        pixels.withUnsafeMutableBufferPointer { render(into: $0) }
        return pixels
    }
}
