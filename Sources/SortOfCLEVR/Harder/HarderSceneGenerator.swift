import FusionKit

/// Draws harder scenes and their questions from a ``RandomGenerator`` with integer arithmetic only
/// (``RandomGenerator/uniformInteger(below:)``), so that a seed gives the same data on every machine.
///
/// ```swift
/// var generator = RandomGenerator(seed: 1)
/// let scene = HarderSceneGenerator.scene(using: &generator)
/// let questions = HarderSceneGenerator.questions(about: scene, using: &generator)   // 10 + 10
/// ```
public enum HarderSceneGenerator {
    /// How many non-relational questions, then relational ones, are asked about each scene.
    public static let questionsPerKind = 10
    /// How many centres are drawn for one object before the placement of all six starts over. An
    /// early object can leave no room for a later large one; starting over keeps the draw
    /// finite without biasing placement towards any region.
    static let placementAttempts = 100

    /// A random scene satisfying the rules of ``HarderScene``, drawn in this order:
    /// 1. six distinct colours: a partial Fisher–Yates shuffle of the ten, so the objects' order is random;
    /// 2. for each object in turn: a shape (uniform among four), a size class (uniform), a
    ///    half-size (uniform among the class's two), and its colour: each channel of the palette
    ///    value plus a jitter uniform in `-20 ... 20`, clamped to `0 ... 255`;
    /// 3. the centres: for each object in turn, `x` then `y` uniform in its
    ///    ``HarderScene/centerRange(halfSize:)``, drawn again until its box keeps
    ///    ``HarderScene/minimumGap`` from every box placed before; after ``placementAttempts``
    ///    failures all six centres are drawn again from the first;
    /// 4. the background: an amplitude uniform in `0 ... 30`, a direction uniform in `-4 ... 4` on
    ///    both axes (drawn again while it is `(0, 0)`), a base colour uniform in `60 ... 200` per
    ///    channel; all three drawn again together until the background keeps
    ///    ``HarderScene/minimumBackgroundDistance`` from every object colour. (Drawing the amplitude
    ///    again too guarantees an end: for every six colours and jitters some base is far enough
    ///    with a flat background.)
    /// 5. the noise seed: one `next()` of the generator.
    public static func scene(using generator: inout RandomGenerator) -> HarderScene {
        // 1. Colours.
        var palette = HarderColor.allCases
        for index in 0 ..< HarderScene.objectCount {
            palette.swapAt(index, index + generator.uniformInteger(below: palette.count - index))
        }
        // 2. Shape, size and colour of each object.
        let jitter = HarderScene.colorJitter
        var objects: [HarderObject] = palette.prefix(HarderScene.objectCount).map { color in
            let shape = HarderShape(rawValue: generator.uniformInteger(below: HarderShape.allCases.count))!
            let size = HarderSize(rawValue: generator.uniformInteger(below: HarderSize.allCases.count))!
            let halfSize = size.halfSizes[generator.uniformInteger(below: size.halfSizes.count)]
            func jittered(_ channel: Int) -> Int {
                min(255, max(0, channel + generator.uniformInteger(below: 2 * jitter + 1) - jitter))
            }
            let rgb = HarderRGB(jittered(color.rgb.red), jittered(color.rgb.green), jittered(color.rgb.blue))
            return HarderObject(color: color, rgb: rgb, shape: shape, halfSize: halfSize, x: 0, y: 0)
        }
        // 3. Centres.
        placement: while true {
            for index in objects.indices {
                let range = HarderScene.centerRange(halfSize: objects[index].halfSize)
                var placed = false
                for _ in 0 ..< placementAttempts {
                    objects[index].x = range.lowerBound + generator.uniformInteger(below: range.count)
                    objects[index].y = range.lowerBound + generator.uniformInteger(below: range.count)
                    if objects[..<index].allSatisfy({ $0.boxGap(to: objects[index]) >= HarderScene.minimumGap }) {
                        placed = true
                        break
                    }
                }
                if !placed { continue placement }
            }
            break
        }
        // 4. Background.
        let limit = HarderScene.minimumBackgroundDistance * HarderScene.minimumBackgroundDistance
        let directions = HarderScene.gradientDirectionRange, channels = HarderScene.backgroundChannelRange
        var background: HarderBackground
        repeat {
            let amplitude = generator.uniformInteger(below: HarderScene.maximumGradientAmplitude + 1)
            var dx = 0, dy = 0
            while dx == 0 && dy == 0 {
                dx = directions.lowerBound + generator.uniformInteger(below: directions.count)
                dy = directions.lowerBound + generator.uniformInteger(below: directions.count)
            }
            let base = HarderRGB(channels.lowerBound + generator.uniformInteger(below: channels.count),
                                 channels.lowerBound + generator.uniformInteger(below: channels.count),
                                 channels.lowerBound + generator.uniformInteger(below: channels.count))
            background = HarderBackground(base: base, directionX: dx, directionY: dy, amplitude: amplitude, noiseSeed: 0)
        } while objects.contains { background.smallestSquaredDistance(to: $0.rgb) < limit }
        // 5. Noise.
        background.noiseSeed = generator.next()
        return HarderScene(validObjects: objects, background: background)
    }

    /// Ten non-relational questions, then ten relational ones, about `scene`.
    ///
    /// Each question draws its subtype uniformly among the four (five) of its kind, then the object
    /// it asks about uniformly among the scene's six (in object order), then a phrasing uniformly
    /// among the subtype's. When a closest or furthest question does not single out one object
    /// (a tie in squared distance) the object is drawn again; in the case that no object has a
    /// single answer for the subtype, the subtype is drawn again (a count question always has one).
    public static func questions(about scene: HarderScene, using generator: inout RandomGenerator) -> [HarderQuestion] {
        SortOfCLEVRGeneration.questions(
            kinds: [HarderQuestionSubtype.nonRelational, HarderQuestionSubtype.relational], perKind: questionsPerKind,
            targetCount: scene.objects.count, answer: { scene.answer($0, about: scene.objects[$1].color) },
            phrasingCount: \.phrasings.count, using: &generator
        ) { subtype, object, phrasing, answer in
            HarderQuestion(subtype: subtype, color: scene.objects[object].color, phrasing: phrasing, answer: answer)
        }
    }
}
