/// A question about one harder scene, with its true answer.
// Deliberate pattern (same shape as Sources/SortOfCLEVR/Question.swift:Question): the two sets' questions have different subtype, colour and answer types and Codable forms; a generic type would rename public API.
public struct HarderQuestion: Equatable, Hashable, Sendable, Codable {
    /// What is asked.
    public let subtype: HarderQuestionSubtype
    /// The colour of the object the question is about (one of the scene's six).
    public let color: HarderColor
    /// Which of `subtype.phrasings` words the question.
    public let phrasing: Int
    /// The true answer for the scene the question was asked about.
    public let answer: HarderAnswer

    /// A question with its answer; the answer is not checked against any scene
    /// (``HarderScene/question(_:about:phrasing:)`` gives one that is).
    ///
    /// - Precondition: `phrasing` is an index of `subtype.phrasings`.
    public init(subtype: HarderQuestionSubtype, color: HarderColor, phrasing: Int, answer: HarderAnswer) {
        precondition(subtype.phrasings.indices.contains(phrasing),
                     "HarderQuestion: phrasing \(phrasing) of \(subtype.name) does not exist")
        self.subtype = subtype
        self.color = color
        self.phrasing = phrasing
        self.answer = answer
    }

    /// Whether the question is relational.
    public var isRelational: Bool { subtype.isRelational }

    /// Whether the question is relational, as the plain set's ``QuestionKind``.
    public var kind: QuestionKind { subtype.kind }

    /// The question in English, for example "What color is the object closest to the red object?".
    public var text: String { HarderQuestionTemplates.text(subtype, color: color, phrasing: phrasing) }
}

extension HarderScene {
    /// The true answer to a question of `subtype` about the `color` object, or nil if there is
    /// none: when the scene has no `color` object, or when a closest or furthest question does not
    /// single out one object (two others at the same squared distance, compared as exact integers,
    /// whatever their shapes — so the same questions are ambiguous for shape and colour answers).
    ///
    /// Left and right (top and bottom) split at the middle line 37.5, as in the plain set: a centre
    /// `x` is left when `2x < 75`.
    public func answer(_ subtype: HarderQuestionSubtype, about color: HarderColor) -> HarderAnswer? {
        guard let object = self[color] else { return nil }
        switch subtype {
        case .shape:
            return HarderAnswer(object.shape)
        case .size:
            return HarderAnswer(object.size)
        case .horizontal:
            return 2 * object.x < Self.imageSize ? .left : .right
        case .vertical:
            return 2 * object.y < Self.imageSize ? .top : .bottom
        case .closestShape, .furthestShape, .closestColor, .furthestColor:
            guard let found = relatedObject(subtype, of: object) else { return nil }
            return subtype == .closestShape || subtype == .furthestShape ? HarderAnswer(found.shape) : HarderAnswer(found.color)
        case .count:
            return HarderAnswer(count: objects.count { $0.shape == object.shape })
        }
    }

    /// The object a closest or furthest question about `object` asks about: the other object
    /// nearest to (furthest from) its centre, or nil when two are at the same squared distance or
    /// `subtype` is not a closest or furthest family.
    public func relatedObject(_ subtype: HarderQuestionSubtype, of object: HarderObject) -> HarderObject? {
        let closest: Bool
        switch subtype {
        case .closestShape, .closestColor: closest = true
        case .furthestShape, .furthestColor: closest = false
        default: return nil
        }
        var best: HarderObject?
        var bestDistance = 0, tied = false
        for other in objects where other.color != object.color {
            let distance = object.squaredDistance(to: other)
            if best != nil && distance == bestDistance {
                tied = true
            } else if best == nil || (distance < bestDistance) == closest {
                (best, bestDistance, tied) = (other, distance, false)
            }
        }
        return tied ? nil : best
    }

    /// The true answer to `question` if it is worded as one of the phrasings (see
    /// ``HarderQuestionTemplates/match(_:)``) and has a single answer for this scene; nil otherwise.
    // Deliberate pattern (same shape as Sources/SortOfCLEVR/Question.swift:Scene.answer(to:)): two-line glue over each set's own templates and answer types.
    public func answer(to question: String) -> HarderAnswer? {
        guard let match = HarderQuestionTemplates.match(question) else { return nil }
        return answer(match.subtype, about: match.color)
    }

    /// The question of `subtype`, about `color`, worded by `phrasing`, with its true answer; nil
    /// if the question has no single answer for this scene.
    public func question(_ subtype: HarderQuestionSubtype, about color: HarderColor, phrasing: Int = 0) -> HarderQuestion? {
        answer(subtype, about: color).map {
            HarderQuestion(subtype: subtype, color: color, phrasing: phrasing, answer: $0)
        }
    }
}
