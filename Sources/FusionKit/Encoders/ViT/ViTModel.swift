import Foundation

/// The vision transformer (Dosovitskiy et al. 2021) as Hugging Face's `ViTModel`: the image cut
/// into patches by a strided convolution, a class token prepended, position embeddings added,
/// pre-norm encoder layers, a final layer norm and an optional pooler (tanh of a dense layer on
/// the class token). Keys are Hugging Face's (`embeddings.cls_token`,
/// `embeddings.patch_embeddings.projection.weight`, `encoder.layer.0.attention.attention.query.weight`,
/// `encoder.layer.0.layernorm_before.weight`, `layernorm.weight`, `pooler.dense.weight`, …).
public final class ViTModel: Module {
    public let configuration: ViTConfiguration
    /// [1, 1, hidden]
    public let classToken: Parameter
    /// [1, patches + 1, hidden]
    public let positions: Parameter
    public let patchProjection: Conv2d
    public let layers: [PreNormEncoderBlock]
    public let finalNorm: LayerNorm
    public let pooler: Linear?

    /// The key names of a ViT layer, relative to `encoder.layer.N`.
    public static let layerKeys = PreNormEncoderBlock.KeyNames(
        query: "attention.attention.query", key: "attention.attention.key", value: "attention.attention.value",
        output: "attention.output.dense", norm1: "layernorm_before", norm2: "layernorm_after",
        fc1: "intermediate.dense", fc2: "output.dense")

    public init(_ configuration: ViTConfiguration, withPooler: Bool = true, generator: inout RandomGenerator) {
        precondition(configuration.problem == nil, "ViTModel: \(configuration.problem ?? "")")
        self.configuration = configuration
        let width = configuration.hiddenSize, patches = configuration.patchesPerSide * configuration.patchesPerSide
        classToken = Parameter(Tensor.randomNormal([1, 1, width], standardDeviation: 0.02, generator: &generator))
        positions = Parameter(Tensor.randomNormal([1, patches + 1, width], standardDeviation: 0.02, generator: &generator))
        patchProjection = Conv2d(configuration.channelCount, width, kernelSize: configuration.patchSize,
                                 stride: configuration.patchSize, generator: &generator)
        let activation = TransformerActivation(huggingFaceName: configuration.hiddenActivation) ?? .gelu
        layers = (0..<configuration.layerCount).map { _ in
            PreNormEncoderBlock(width: width, headCount: configuration.headCount, intermediateSize: configuration.intermediateSize,
                                activation: activation, layerNormEpsilon: configuration.layerNormEpsilon,
                                names: Self.layerKeys, generator: &generator)
        }
        finalNorm = LayerNorm(width, epsilon: configuration.layerNormEpsilon)
        pooler = withPooler ? Linear(width, width, generator: &generator) : nil
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(_ configuration: ViTConfiguration, withPooler: Bool = true) {
        var generator = Random.splitGenerator()
        self.init(configuration, withPooler: withPooler, generator: &generator)
    }

    /// The model of a Hugging Face `ViTModel` folder, in evaluation mode; strict about keys as
    /// ``BertModel/init(folder:strict:)``. A folder without pooler weights gives a model without one.
    public convenience init(folder url: URL, strict: Bool = true) throws {
        let folder = ModelFolder(url)
        let configuration = try folder.configuration(ViTConfiguration.self)
        let weights = try folder.weightSources()
        let key = { (name: String) in name.hasPrefix("vit.") ? String(name.dropFirst(4)) : name }
        var generator = RandomGenerator(seed: 0)
        self.init(configuration, withPooler: weights.keys.contains { key($0).hasPrefix("pooler.") }, generator: &generator)
        try loadPretrained(sources: weights, from: url.path, strict: strict, rename: key,
                           isHarmless: { $0.hasPrefix("classifier.") })
        eval()
    }

    public override func namedOwnParameters() -> [(String, Parameter)] {
        [("embeddings.cls_token", classToken), ("embeddings.position_embeddings", positions)]
    }

    public override func namedChildren() -> [(String, Module)] {
        var children: [(String, Module)] = [("embeddings.patch_embeddings.projection", patchProjection)]
        children += layers.enumerated().map { ("encoder.layer.\($0.offset)", $0.element) }
        children.append(("layernorm", finalNorm))
        if let pooler { children.append(("pooler.dense", pooler)) }
        return children
    }

    /// What a forward pass returns.
    public struct Output {
        /// The final layer norm of the last layer's states [batch, patches + 1, hidden]; row 0 is the class token.
        public var lastHiddenState: Tensor
        /// tanh(dense(class token)) [batch, hidden], nil without a pooler.
        public var pooled: Tensor?
        /// The embeddings' output and every layer's (before the final norm), as `output_hidden_states`.
        public var hiddenStates: [Tensor]
    }

    /// Encodes images [batch, channels, imageSize, imageSize] (normalised as the weights expect).
    /// With `interpolatingPositions`, images of any size whose sides are multiples of the patch
    /// size are accepted, the position embeddings resized bicubically to their grid of patches (as
    /// Hugging Face's `interpolate_pos_encoding=True`).
    public func callAsFunction(_ images: Tensor, interpolatingPositions: Bool = false) -> Output {
        let c = configuration
        precondition(images.rank == 4 && images.shape[1] == c.channelCount,
                     "ViTModel: images of shape \(images.shape), expected [N, \(c.channelCount), H, W]")
        precondition(interpolatingPositions ? images.shape[2] % c.patchSize == 0 && images.shape[3] % c.patchSize == 0
                                            : images.shape[2] == c.imageSize && images.shape[3] == c.imageSize,
                     interpolatingPositions
                        ? "ViTModel: image sides \(images.shape[2]) × \(images.shape[3]) are not multiples of the patch size \(c.patchSize)"
                        : "ViTModel: images of shape \(images.shape), expected [N, \(c.channelCount), \(c.imageSize), \(c.imageSize)] "
                          + "(or pass interpolatingPositions: true)")
        let batch = images.shape[0], width = c.hiddenSize
        let (rows, columns) = (images.shape[2] / c.patchSize, images.shape[3] / c.patchSize)
        let patches = patchProjection(images).reshaped([batch, width, rows * columns]).permuted([0, 2, 1])
        let tokens = Tensor.concatenate([classToken.value.broadcast(to: [batch, 1, width]), patches], alongAxis: 1)
        var hidden = tokens + PositionInterpolation.resize(positions.value, rows: rows, columns: columns)
        var states = [hidden]
        for layer in layers {
            hidden = layer(hidden)
            states.append(hidden)
        }
        let last = finalNorm(hidden)
        let pooled = pooler.map { $0(last.slice(0..<1, alongAxis: 1).reshaped([batch, width])).tanh() }
        return Output(lastHiddenState: last, pooled: pooled, hiddenStates: states)
    }
}
