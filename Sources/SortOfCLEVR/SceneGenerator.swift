import FusionKit

/// Draws scenes and their questions from a ``RandomGenerator`` with integer arithmetic only, so
/// that a seed gives the same data on every machine.
///
/// ```swift
/// var generator = RandomGenerator(seed: 1)
/// let scene = SceneGenerator.scene(using: &generator)
/// let questions = SceneGenerator.questions(about: scene, using: &generator)   // 10 + 10
/// ```
public enum SceneGenerator {
    /// How many non-relational questions, then relational ones, are asked about each scene.
    public static let questionsPerKind = 10

    /// A random scene: for each colour in order, a shape (square or circle, equally likely), then a
    /// centre drawn uniformly from ``Scene/centerRange`` on both axes, drawn again until it is at
    /// least ``Scene/minimumDistance`` from every centre placed before (compared as squared
    /// integer distances).
    public static func scene(using generator: inout RandomGenerator) -> Scene {
        let low = Scene.centerRange.lowerBound, span = Scene.centerRange.count
        let minimumSquared = Scene.minimumDistance * Scene.minimumDistance
        var objects: [SceneObject] = []
        objects.reserveCapacity(ObjectColor.allCases.count)
        for color in ObjectColor.allCases {
            let shape = ObjectShape(rawValue: generator.uniformInteger(below: ObjectShape.allCases.count))!
            var candidate: SceneObject
            repeat {
                let x = low + generator.uniformInteger(below: span)
                let y = low + generator.uniformInteger(below: span)
                candidate = SceneObject(color: color, shape: shape, x: x, y: y)
            } while objects.contains { $0.squaredDistance(to: candidate) < minimumSquared }
            objects.append(candidate)
        }
        return Scene(validObjects: objects)
    }

    /// Ten non-relational questions, then ten relational ones, about `scene`.
    ///
    /// Each question draws its subtype uniformly among the three of its kind, then the colour of
    /// the object it asks about uniformly among the six, then a phrasing uniformly among the
    /// subtype's. When a closest or furthest question has no single answer (two objects of
    /// different shapes at the same distance) the colour is drawn again; in the (never observed)
    /// case that no colour has a single answer for the subtype, the subtype is drawn again.
    public static func questions(about scene: Scene, using generator: inout RandomGenerator) -> [Question] {
        SortOfCLEVRGeneration.questions(
            kinds: [QuestionSubtype.nonRelational, QuestionSubtype.relational], perKind: questionsPerKind,
            targetCount: ObjectColor.allCases.count, answer: { scene.answer($0, about: ObjectColor(rawValue: $1)!) },
            phrasingCount: \.phrasings.count, using: &generator
        ) { subtype, color, phrasing, answer in
            Question(subtype: subtype, color: ObjectColor(rawValue: color)!, phrasing: phrasing, answer: answer)
        }
    }
}
