import Foundation

/// The models `vqa train --model <name>` can build, by name. Programs add their own models with
/// `register(name:summary:make:)`, after which checkpoints of those models load like the built-in ones.
public enum ModelCatalog {
    /// One entry: the name, what it is, and how to build it.
    public struct Entry: Sendable {
        public let name: String
        public let summary: String
        let make: @Sendable (VQAModelConfiguration) throws -> any VQAModel
    }

    /// The built-in models followed by the registered ones.
    public static var entries: [Entry] { builtIn + registered.withLock { $0 } }

    private static let registered = RegisteredModels()

    /// Adds a model to the catalogue (replacing a registered one of the same name).
    public static func register(name: String, summary: String,
                                make: @escaping @Sendable (VQAModelConfiguration) throws -> any VQAModel) {
        precondition(!builtIn.contains { $0.name == name }, "ModelCatalog.register: \"\(name)\" is a built-in model")
        registered.withLock { entries in
            entries.removeAll { $0.name == name }
            entries.append(Entry(name: name, summary: summary, make: make))
        }
    }

    static let builtIn: [Entry] = [
        Entry(name: "concat-mlp", summary: "CNN features concatenated with the question, MLP (the paper's CNN+MLP baseline)") {
            try ConcatMLPModel($0)
        },
        Entry(name: "film", summary: "FiLM: the question scales and shifts the channels of residual conv blocks") { try FiLMModel($0) },
        Entry(name: "cross-attention", summary: "the question attends over image cells, two hops") { try CrossAttentionModel($0) },
        Entry(name: "spatial-attention", summary: "two hops of question-to-cell attention, the second biased by distance to where the first looked") {
            try SpatialAttentionModel($0)
        },
        Entry(name: "pixel-attention", summary: "spatial-attention with both hops scored over the first convolution's 38×38 map (10×10 cells read)") {
            try SpatialAttentionModel($0, scoring: .firstMap)
        },
        Entry(name: "word-attention", summary: "each vocabulary word attends over the first convolution's map; relations measured from the named word's place over positions and over the words' findings as object slots; learns which word names an object by telling images apart") {
            try WordAttentionModel($0)
        },
        Entry(name: "relation-network", summary: "Relation Network over all pairs of 5×5 cells") { try RelationNetworkModel($0) },
        Entry(name: "mfb", summary: "MFB bilinear pooling with question-guided attention over cells") { try MFBModel($0) },
        Entry(name: "transformer", summary: "transformer over colour slots (k-means colour prototypes: built for Sort-of-CLEVR) and the question") {
            try TransformerModel($0)
        },
        Entry(name: "slot-transformer", summary: "transformer over learned object slots (slot attention on CNN cells) and the question") {
            try TransformerModel($0)
        },
        Entry(name: "cell-transformer", summary: "transformer over 10×10 CNN cells and the question (early fusion)") {
            try TransformerModel($0)
        },
    ]

    /// Every model name, in catalogue order.
    public static var names: [String] { entries.map(\.name) }

    /// Builds the model `configuration.model` names, or throws ``VQAError/unknownModel(_:known:)``
    /// (or the error of loading a pretrained question encoder the configuration names).
    public static func makeModel(_ configuration: VQAModelConfiguration) throws -> any VQAModel {
        guard let entry = entries.first(where: { $0.name == configuration.model }) else {
            throw VQAError.unknownModel(configuration.model, known: names)
        }
        return try entry.make(configuration)
    }
}

/// The registered entries behind a lock.
final class RegisteredModels: @unchecked Sendable {
    private var entries: [ModelCatalog.Entry] = []
    private let lock = NSLock()
    func withLock<R>(_ body: (inout [ModelCatalog.Entry]) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&entries)
    }
}
