/// The models `vqa train --model <name>` can build, by name.
public enum ModelCatalog {
    /// One entry: the name, what it is, and how to build it.
    public struct Entry: Sendable {
        public let name: String
        public let summary: String
        let make: @Sendable (VQAModelConfiguration) -> any VQAModel
    }

    public static let entries: [Entry] = [
        Entry(name: "concat-mlp", summary: "CNN features concatenated with the question, MLP (the paper's CNN+MLP baseline)") {
            ConcatMLPModel($0)
        },
        Entry(name: "film", summary: "FiLM: the question scales and shifts the channels of residual conv blocks") { FiLMModel($0) },
        Entry(name: "cross-attention", summary: "the question attends over image cells, two hops") { CrossAttentionModel($0) },
        Entry(name: "relation-network", summary: "Relation Network over all pairs of 5×5 cells") { RelationNetworkModel($0) },
        Entry(name: "mfb", summary: "MFB bilinear pooling with question-guided attention over cells") { MFBModel($0) },
        Entry(name: "transformer", summary: "multimodal transformer: cells, object slots, question cross-attention") {
            TransformerModel($0)
        },
    ]

    /// Every model name, in catalogue order.
    public static var names: [String] { entries.map(\.name) }

    /// Builds the model `configuration.model` names, or throws ``VQAError/unknownModel(_:known:)``.
    public static func makeModel(_ configuration: VQAModelConfiguration) throws -> any VQAModel {
        guard let entry = entries.first(where: { $0.name == configuration.model }) else {
            throw VQAError.unknownModel(configuration.model, known: names)
        }
        return entry.make(configuration)
    }
}
