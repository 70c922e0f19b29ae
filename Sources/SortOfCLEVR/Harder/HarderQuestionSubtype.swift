/// The nine kinds of harder Sort-of-CLEVR question: four non-relational, five relational. The raw
/// value is the subtype index stored in data sets (CLEVR's `question_family_index` on export).
public enum HarderQuestionSubtype: Int, CaseIterable, Sendable, Codable {
    /// The object's shape: square, circle, triangle or cross.
    case shape
    /// The object's size class: small or large.
    case size
    /// Whether the object's centre is left or right of the image's middle line (x = 37.5).
    case horizontal
    /// Whether the object's centre is above or below the image's middle line (y = 37.5).
    case vertical
    /// The shape of the object whose centre is closest to the object's centre.
    case closestShape
    /// The shape of the object whose centre is furthest from the object's centre.
    case furthestShape
    /// The colour name of the object whose centre is closest to the object's centre.
    case closestColor
    /// The colour name of the object whose centre is furthest from the object's centre.
    case furthestColor
    /// How many objects (the object itself included) have the object's shape: 1 to 6.
    case count

    /// The non-relational subtypes, in order.
    public static let nonRelational: [HarderQuestionSubtype] = allCases.filter { !$0.isRelational }
    /// The relational subtypes, in order.
    public static let relational: [HarderQuestionSubtype] = allCases.filter(\.isRelational)

    /// Whether the subtype asks about the object's relation to the others.
    public var isRelational: Bool {
        switch self {
        case .shape, .size, .horizontal, .vertical: false
        case .closestShape, .furthestShape, .closestColor, .furthestColor, .count: true
        }
    }

    /// Whether the subtype is relational, as the plain set's ``QuestionKind``.
    public var kind: QuestionKind { isRelational ? .relational : .nonRelational }

    /// Whether the subtype asks about the closest or furthest object, whose answer must be unique.
    public var isClosestOrFurthest: Bool {
        switch self {
        case .closestShape, .furthestShape, .closestColor, .furthestColor: true
        default: false
        }
    }

    /// The subtype's name: "shape", "size", "horizontal", "vertical", "closest-shape",
    /// "furthest-shape", "closest-color", "furthest-color", "count".
    public var name: String {
        switch self {
        case .shape: "shape"
        case .size: "size"
        case .horizontal: "horizontal"
        case .vertical: "vertical"
        case .closestShape: "closest-shape"
        case .furthestShape: "furthest-shape"
        case .closestColor: "closest-color"
        case .furthestColor: "furthest-color"
        case .count: "count"
        }
    }

    /// The English phrasings of this subtype, with `{color}` standing for the colour's name; the
    /// index into this list is the phrasing index.
    ///
    /// Like the plain set's (``QuestionSubtype/phrasings``), no phrasing contains an answer that
    /// only one side of the question would use (a phrasing may offer all of them: "large or
    /// small"), every word but the first is lower-case, and every phrasing ends with "?".
    public var phrasings: [String] { Self.allPhrasings[rawValue] }

    /// The phrasings of every subtype, indexed by raw value.
    // Deliberate pattern (same shape as Sources/SortOfCLEVR/QuestionSubtype.swift:allPhrasings): each set's own table of English phrasings (data, not logic).
    private static let allPhrasings: [[String]] = [
        // shape
        ["What shape is the {color} object?",
         "What is the shape of the {color} object?",
         "Which shape does the {color} object have?",
         "Is the {color} object a square, a circle, a triangle or a cross?"],
        // size
        ["Is the {color} object large or small?",
         "What size is the {color} object?",
         "Is the {color} shape big or small?"],
        // horizontal
        ["Is the {color} object on the left or on the right?",
         "Which side of the image is the {color} object on?",
         "Is the {color} shape on the left or right side of the image?"],
        // vertical
        ["Is the {color} object at the top or at the bottom?",
         "Is the {color} object in the top or bottom half of the image?",
         "Is the {color} shape near the top or near the bottom?"],
        // closestShape
        ["What is the shape of the object closest to the {color} object?",
         "What shape is the object nearest to the {color} one?",
         "What kind of shape is nearest to the {color} shape?"],
        // furthestShape
        ["What is the shape of the object furthest from the {color} object?",
         "What shape is the object farthest from the {color} one?",
         "What kind of shape is furthest away from the {color} shape?"],
        // closestColor
        ["What color is the object closest to the {color} object?",
         "What is the color of the object nearest to the {color} one?",
         "Which color does the object nearest to the {color} shape have?"],
        // furthestColor
        ["What color is the object furthest from the {color} object?",
         "What is the color of the object farthest from the {color} one?",
         "Which color does the object furthest away from the {color} shape have?"],
        // count
        ["How many objects have the same shape as the {color} object?",
         "How many shapes share the shape of the {color} one?",
         "How many objects are the same shape as the {color} object?",
         "Counting the {color} object itself, how many objects have its shape?"],
    ]
}
