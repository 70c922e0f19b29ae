/// The key names of a CLIP encoder layer, relative to `encoder.layers.N`.
let clipLayerKeys = PreNormEncoderBlock.KeyNames(
    query: "self_attn.q_proj", key: "self_attn.k_proj", value: "self_attn.v_proj", output: "self_attn.out_proj",
    norm1: "layer_norm1", norm2: "layer_norm2", fc1: "mlp.fc1", fc2: "mlp.fc2")

/// The layers of one CLIP tower.
private func clipLayers(_ tower: CLIPConfiguration.Tower, generator: inout RandomGenerator) -> [PreNormEncoderBlock] {
    let activation = TransformerActivation(huggingFaceName: tower.hiddenActivation) ?? .quickGELU
    return (0..<tower.layerCount).map { _ in
        PreNormEncoderBlock(width: tower.hiddenSize, headCount: tower.headCount, intermediateSize: tower.intermediateSize,
                            activation: activation, layerNormEpsilon: tower.layerNormEpsilon, names: clipLayerKeys,
                            generator: &generator)
    }
}

/// CLIP's image tower (Hugging Face's `CLIPVisionTransformer`, keys under `vision_model.`): patches
/// by a bias-free strided convolution (`embeddings.patch_embedding`), a learned class embedding
/// (`embeddings.class_embedding`), position embeddings (`embeddings.position_embedding`), a layer
/// norm before the encoder (`pre_layrnorm`, spelled so in the files), pre-norm layers, and the
/// pooled output: `post_layernorm` of the class token's final state. (Not `ViTModel`: other
/// names, a norm before the encoder, no pooler layer.)
public final class CLIPVisionTower: Module {
    public let tower: CLIPConfiguration.Tower
    public let classEmbedding: Parameter
    public let patchEmbedding: Conv2d
    public let positionEmbedding: Embedding
    public let preNorm: LayerNorm
    public let layers: [PreNormEncoderBlock]
    public let postNorm: LayerNorm

    public init(_ tower: CLIPConfiguration.Tower, generator: inout RandomGenerator) {
        self.tower = tower
        let width = tower.hiddenSize, patches = (tower.imageSize / tower.patchSize) * (tower.imageSize / tower.patchSize)
        classEmbedding = Parameter(Tensor.randomNormal([width], standardDeviation: 0.02, generator: &generator))
        patchEmbedding = Conv2d(tower.channelCount, width, kernelSize: tower.patchSize, stride: tower.patchSize, bias: false,
                                generator: &generator)
        positionEmbedding = Embedding(patches + 1, width, generator: &generator)
        preNorm = LayerNorm(width, epsilon: tower.layerNormEpsilon)
        layers = clipLayers(tower, generator: &generator)
        postNorm = LayerNorm(width, epsilon: tower.layerNormEpsilon)
        super.init()
    }

    public override func namedOwnParameters() -> [(String, Parameter)] { [("embeddings.class_embedding", classEmbedding)] }

    public override func namedChildren() -> [(String, Module)] {
        [("embeddings.patch_embedding", patchEmbedding), ("embeddings.position_embedding", positionEmbedding),
         ("pre_layrnorm", preNorm)]
            + layers.enumerated().map { ("encoder.layers.\($0.offset)", $0.element) }
            + [("post_layernorm", postNorm)]
    }

    /// Images [batch, channels, imageSize, imageSize] → the last layer's states [batch, patches + 1,
    /// hidden] (not normed, as Hugging Face returns them), every layer's input and output, and the
    /// pooled class token [batch, hidden].
    public func callAsFunction(_ images: Tensor) -> (lastHiddenState: Tensor, hiddenStates: [Tensor], pooled: Tensor) {
        precondition(images.rank == 4 && images.shape[1] == tower.channelCount && images.shape[2] == tower.imageSize
                     && images.shape[3] == tower.imageSize,
                     "CLIPVisionTower: images of shape \(images.shape), expected [N, \(tower.channelCount), \(tower.imageSize), \(tower.imageSize)]")
        let batch = images.shape[0], width = tower.hiddenSize, side = tower.imageSize / tower.patchSize
        let patches = patchEmbedding(images).reshaped([batch, width, side * side]).permuted([0, 2, 1])
        let classToken = classEmbedding.value.reshaped([1, 1, width]).broadcast(to: [batch, 1, width])
        var hidden = preNorm(Tensor.concatenate([classToken, patches], alongAxis: 1) + positionEmbedding.weight.value)
        var states = [hidden]
        for layer in layers {
            hidden = layer(hidden)
            states.append(hidden)
        }
        let pooled = postNorm(hidden.slice(0..<1, alongAxis: 1).reshaped([batch, width]))
        return (hidden, states, pooled)
    }
}

/// CLIP's text tower (Hugging Face's `CLIPTextTransformer`, keys under `text_model.`): token and
/// position embeddings, pre-norm layers under a causal mask, `final_layer_norm`, and the pooled
/// output: the final state at each sequence's first end-of-text token (`eos_token_id`; at the
/// largest id when `eos_token_id` is 2, as older configurations and Hugging Face do).
///
/// Laid out as `CLIPVisionTower` (the tower's settings, embeddings, `clipLayers`, a final norm): the
/// two are Hugging Face's two towers and keep its key names, so their declarations look alike.
public final class CLIPTextTower: Module {
    public let tower: CLIPConfiguration.Tower
    public let tokenEmbedding: Embedding
    public let positionEmbedding: Embedding
    public let layers: [PreNormEncoderBlock]
    public let finalNorm: LayerNorm

    public init(_ tower: CLIPConfiguration.Tower, generator: inout RandomGenerator) {
        self.tower = tower
        tokenEmbedding = Embedding(tower.vocabularySize, tower.hiddenSize, generator: &generator)
        positionEmbedding = Embedding(tower.maximumPositions, tower.hiddenSize, generator: &generator)
        layers = clipLayers(tower, generator: &generator)
        finalNorm = LayerNorm(tower.hiddenSize, epsilon: tower.layerNormEpsilon)
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] {
        [("embeddings.token_embedding", tokenEmbedding), ("embeddings.position_embedding", positionEmbedding)]
            + layers.enumerated().map { ("encoder.layers.\($0.offset)", $0.element) }
            + [("final_layer_norm", finalNorm)]
    }

    /// Token ids [batch, length] (whole numbers; `attentionMask` 1 for tokens, 0 for padding) →
    /// the final states [batch, length, hidden] (normed), every layer's input and output, and the
    /// pooled end-of-text states [batch, hidden].
    public func callAsFunction(ids: Tensor, attentionMask: Tensor? = nil) -> (lastHiddenState: Tensor, hiddenStates: [Tensor], pooled: Tensor) {
        precondition(ids.rank == 2 && ids.shape[1] <= tower.maximumPositions,
                     "CLIPTextTower: ids of shape \(ids.shape), expected [batch, at most \(tower.maximumPositions)]")
        let (batch, length) = (ids.shape[0], ids.shape[1])
        var hidden = tokenEmbedding(ids) + positionEmbedding.weight.value.slice(0..<length, alongAxis: 0)
        let mask = AttentionMask(keyPadding: AttentionMask.keyPadding(fromAttentionMask: attentionMask), causal: true)
        var states = [hidden]
        for layer in layers {
            hidden = layer(hidden, mask: mask)
            states.append(hidden)
        }
        let last = finalNorm(hidden)
        let positions = ids.withUnsafeBufferPointer { values in
            (0..<batch).map { row -> Int in
                let sequence = values[(row * length)..<((row + 1) * length)]
                if tower.endOfTextTokenID == 2 {
                    return sequence.indices.max { sequence[$0] < sequence[$1] }.map { $0 - row * length } ?? 0
                }
                return sequence.firstIndex(of: Float(tower.endOfTextTokenID)).map { $0 - row * length } ?? 0
            }
        }
        let rows = positions.enumerated().map { $0.offset * length + $0.element }
        let pooled = last.reshaped([batch * length, tower.hiddenSize]).indexSelect(rows, alongAxis: 0)
        return (last, states, pooled)
    }
}
