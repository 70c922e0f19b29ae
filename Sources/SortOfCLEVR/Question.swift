/// A question about one scene, with its true answer.
// Deliberate pattern (same shape as Sources/SortOfCLEVR/Harder/HarderQuestion.swift:HarderQuestion): the two sets' questions have different subtype, colour and answer types and Codable forms; a generic type would rename public API.
public struct Question: Equatable, Hashable, Sendable, Codable {
    /// What is asked.
    public let subtype: QuestionSubtype
    /// The object the question is about.
    public let color: ObjectColor
    /// Which of `subtype.phrasings` words the question.
    public let phrasing: Int
    /// The true answer for the scene the question was asked about.
    public let answer: Answer

    /// A question with its answer.
    ///
    /// - Precondition: `phrasing` is an index of `subtype.phrasings`.
    public init(subtype: QuestionSubtype, color: ObjectColor, phrasing: Int, answer: Answer) {
        precondition(subtype.phrasings.indices.contains(phrasing),
                     "Question: phrasing \(phrasing) of \(subtype.name) does not exist")
        self.subtype = subtype
        self.color = color
        self.phrasing = phrasing
        self.answer = answer
    }

    /// Whether the question is relational.
    public var kind: QuestionKind { subtype.kind }

    /// The question in English, for example "What shape is the red object?".
    public var text: String { QuestionTemplates.text(subtype, color: color, phrasing: phrasing) }

    /// The question's word ids (see ``QuestionVocabulary``), without padding.
    public var tokenIDs: [Int] { filled.ids.map(Int.init) }

    var filled: QuestionTemplates.Filled {
        QuestionTemplates.table[subtype.rawValue][phrasing][color.rawValue]
    }
}

extension Scene {
    /// The true answer to a question of `subtype` about the `color` object, or nil if there is
    /// none: when two objects of different shapes are equally close to (or far from) the object,
    /// the closest (furthest) question has no single answer. Distances are compared as exact
    /// squared integers.
    public func answer(_ subtype: QuestionSubtype, about color: ObjectColor) -> Answer? {
        let object = self[color]
        switch subtype {
        case .shape:
            return Answer(object.shape)
        case .horizontal:
            // The image's middle line is x = 37.5: compare 2x with 75 to stay in integers.
            return 2 * object.x < Scene.imageSize ? .left : .right
        case .vertical:
            return 2 * object.y < Scene.imageSize ? .top : .bottom
        case .closest, .furthest:
            // The best distance so far and the shapes at that distance, as a bit mask.
            var best: (distance: Int, shapes: Int)?
            for other in objects where other.color != color {
                let distance = object.squaredDistance(to: other)
                let shapeBit = 1 << other.shape.rawValue
                if let current = best, distance == current.distance {
                    best = (distance, current.shapes | shapeBit)
                } else if best == nil || (subtype == .closest) == (distance < best!.distance) {
                    best = (distance, shapeBit)
                }
            }
            guard let shapes = best?.shapes, shapes.nonzeroBitCount == 1 else { return nil }
            return Answer(ObjectShape(rawValue: shapes.trailingZeroBitCount)!)
        case .count:
            return Answer(count: objects.count { $0.shape == object.shape })
        }
    }

    /// The true answer to `question` if it is worded as one of the phrasings (see
    /// ``QuestionTemplates/match(_:)``) and has a single answer; nil otherwise.
    ///
    /// ```swift
    /// scene.answer(to: "Is the gray object on the left or on the right?")   // .left or .right
    /// ```
    // Deliberate pattern (same shape as Sources/SortOfCLEVR/Harder/HarderQuestion.swift:HarderScene.answer(to:)): two-line glue over each set's own templates and answer types.
    public func answer(to question: String) -> Answer? {
        guard let match = QuestionTemplates.match(question) else { return nil }
        return answer(match.subtype, about: match.color)
    }

    /// The question of `subtype`, about `color`, worded by `phrasing`, with its true answer; nil
    /// if the question has no single answer for this scene.
    public func question(_ subtype: QuestionSubtype, about color: ObjectColor, phrasing: Int = 0) -> Question? {
        answer(subtype, about: color).map {
            Question(subtype: subtype, color: color, phrasing: phrasing, answer: $0)
        }
    }
}
