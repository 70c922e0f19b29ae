import Foundation

/// CLIP (Radford et al. 2021) as Hugging Face's `CLIPModel`: an image tower and a text tower, each
/// projected without bias into a shared space (`visual_projection`, `text_projection`), and a
/// learned temperature (`logit_scale`, the log of its inverse). Keys are Hugging Face's
/// (`vision_model.embeddings.class_embedding`, `vision_model.pre_layrnorm.weight`,
/// `text_model.encoder.layers.0.self_attn.q_proj.weight`, `text_model.final_layer_norm.bias`,
/// `visual_projection.weight`, `logit_scale`, …).
public final class CLIPModel: Module {
    public let configuration: CLIPConfiguration
    public let vision: CLIPVisionTower
    public let text: CLIPTextTower
    public let visualProjection: Linear
    public let textProjection: Linear
    /// A scalar: the logits are exp(logitScale)·cos(image, text).
    public let logitScale: Parameter

    public init(_ configuration: CLIPConfiguration, generator: inout RandomGenerator) {
        precondition(configuration.problem == nil, "CLIPModel: \(configuration.problem ?? "")")
        self.configuration = configuration
        vision = CLIPVisionTower(configuration.vision, generator: &generator)
        text = CLIPTextTower(configuration.text, generator: &generator)
        visualProjection = Linear(configuration.vision.hiddenSize, configuration.projectionSize, bias: false, generator: &generator)
        textProjection = Linear(configuration.text.hiddenSize, configuration.projectionSize, bias: false, generator: &generator)
        logitScale = Parameter(Tensor(configuration.logitScaleInitialValue))
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(_ configuration: CLIPConfiguration) {
        var generator = Random.splitGenerator()
        self.init(configuration, generator: &generator)
    }

    /// The model of a Hugging Face `CLIPModel` folder, in evaluation mode; strict about keys as
    /// ``BertModel/init(folder:strict:)`` (older files' `position_ids` buffers are ignored).
    public convenience init(folder url: URL, strict: Bool = true) throws {
        let folder = ModelFolder(url)
        let configuration = try folder.configuration(CLIPConfiguration.self)
        var generator = RandomGenerator(seed: 0)
        self.init(configuration, generator: &generator)
        try folder.load(into: self, strict: strict, isHarmless: { $0.hasSuffix("embeddings.position_ids") })
        eval()
    }

    public override func namedOwnParameters() -> [(String, Parameter)] { [("logit_scale", logitScale)] }

    public override func namedChildren() -> [(String, Module)] {
        [("vision_model", vision), ("text_model", text), ("visual_projection", visualProjection),
         ("text_projection", textProjection)]
    }

    /// Image embeddings [batch, projection] (not normalised).
    public func imageEmbeddings(_ images: Tensor) -> Tensor { visualProjection(vision(images).pooled) }

    /// Text embeddings [batch, projection] (not normalised).
    public func textEmbeddings(ids: Tensor, attentionMask: Tensor? = nil) -> Tensor {
        textProjection(text(ids: ids, attentionMask: attentionMask).pooled)
    }

    /// exp(logitScale)·cos(text, image) [texts, images] (Hugging Face's `logits_per_text`; its
    /// transpose is `logits_per_image`).
    public func logitsPerText(images: Tensor, ids: Tensor, attentionMask: Tensor? = nil) -> Tensor {
        let imageVectors = SentenceEmbedding.l2Normalized(imageEmbeddings(images))
        let textVectors = SentenceEmbedding.l2Normalized(textEmbeddings(ids: ids, attentionMask: attentionMask))
        return textVectors.matmul(imageVectors, transposeB: true) * logitScale.value.exp()
    }
}
