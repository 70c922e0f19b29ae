/// Whether a question is about one object alone or about its relation to the others.
public enum QuestionKind: Int, CaseIterable, Sendable, Codable {
    /// About one object: its shape, or which half of the image it is in.
    case nonRelational
    /// About an object's relation to the others: the shape of the closest or furthest object,
    /// or how many objects share its shape.
    case relational
}

/// The six kinds of question, three non-relational and three relational, as in the paper.
/// The raw value is the subtype index stored in data sets.
public enum QuestionSubtype: Int, CaseIterable, Sendable, Codable {
    /// The object's shape: square or circle.
    case shape
    /// Whether the object is in the left or the right half of the image.
    case horizontal
    /// Whether the object is in the top or the bottom half of the image.
    case vertical
    /// The shape of the object whose centre is closest to the object's centre.
    case closest
    /// The shape of the object whose centre is furthest from the object's centre.
    case furthest
    /// How many objects (the object itself included) have the object's shape: 1 to 6.
    case count

    /// The non-relational subtypes, in order.
    public static let nonRelational: [QuestionSubtype] = [.shape, .horizontal, .vertical]
    /// The relational subtypes, in order.
    public static let relational: [QuestionSubtype] = [.closest, .furthest, .count]

    /// Whether the subtype is relational.
    public var kind: QuestionKind {
        switch self {
        case .shape, .horizontal, .vertical: .nonRelational
        case .closest, .furthest, .count: .relational
        }
    }

    /// The subtype's name: "shape", "horizontal", "vertical", "closest", "furthest", "count".
    public var name: String { String(describing: self) }

    /// The English phrasings of this subtype, with `{color}` standing for the colour's name.
    ///
    /// None of them contains an answer that only one side of the question would use (a phrasing
    /// may offer both: "a square or a circle"). Index into this list is the phrasing index.
    public var phrasings: [String] { Self.allPhrasings[rawValue] }

    /// The phrasings of every subtype, indexed by raw value.
    // Deliberate pattern (same shape as Sources/SortOfCLEVR/Harder/HarderQuestionSubtype.swift:allPhrasings): each set's own table of English phrasings (data, not logic).
    private static let allPhrasings: [[String]] = [
        // shape
        ["What shape is the {color} object?",
         "Is the {color} object a square or a circle?",
         "What is the shape of the {color} object?",
         "Which shape does the {color} object have?"],
        // horizontal
        ["Is the {color} object on the left or on the right?",
         "Which side of the image is the {color} object on?",
         "Is the {color} shape on the left or right side of the image?",
         "Is the {color} object in the left half or the right half?"],
        // vertical
        ["Is the {color} object at the top or at the bottom?",
         "Is the {color} object in the top or bottom half of the image?",
         "Is the {color} shape near the top or near the bottom?",
         "Which half of the image, top or bottom, is the {color} object in?"],
        // closest
        ["What is the shape of the object closest to the {color} object?",
         "What shape is the object nearest to the {color} one?",
         "Is the object closest to the {color} object a square or a circle?",
         "What kind of shape is nearest to the {color} shape?"],
        // furthest
        ["What is the shape of the object furthest from the {color} object?",
         "What shape is the object farthest from the {color} one?",
         "Is the object farthest from the {color} object a square or a circle?",
         "What kind of shape is furthest away from the {color} shape?"],
        // count
        ["How many objects have the same shape as the {color} object?",
         "How many shapes share the shape of the {color} one?",
         "How many objects are the same shape as the {color} object?",
         "Counting the {color} object itself, how many objects have its shape?"],
    ]
}
