/// A stack of encoder layers with an optional final normalisation, as torch.nn.TransformerEncoder
/// (keys `layers.0.…`, `layers.1.…`, `norm.…`).
public final class TransformerEncoder: Module, UnaryLayer {
    public let layers: [TransformerEncoderLayer]
    public let norm: LayerNorm?

    public init(layers: [TransformerEncoderLayer], norm: LayerNorm? = nil) {
        precondition(!layers.isEmpty, "TransformerEncoder: no layers")
        self.layers = layers
        self.norm = norm
        super.init()
    }

    /// `count` layers made by `makeLayer`.
    public convenience init(count: Int, norm: LayerNorm? = nil, _ makeLayer: () -> TransformerEncoderLayer) {
        self.init(layers: (0..<count).map { _ in makeLayer() }, norm: norm)
    }

    public func callAsFunction(_ x: Tensor, keyPaddingMask: Tensor?, attentionMask: Tensor? = nil, causal: Bool = false) -> Tensor {
        let encoded = layers.reduce(x) { $1($0, keyPaddingMask: keyPaddingMask, attentionMask: attentionMask, causal: causal) }
        return norm.map { $0(encoded) } ?? encoded
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, keyPaddingMask: nil) }
}
