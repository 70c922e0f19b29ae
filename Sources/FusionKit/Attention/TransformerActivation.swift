/// The feed-forward activation of a transformer layer — FusionKit's own layers and the pretrained
/// encoders alike — with the names Hugging Face configurations use (`hidden_act`).
public enum TransformerActivation: String, Sendable, CaseIterable {
    /// x·Φ(x) with the exact normal CDF (`"gelu"`).
    case gelu
    /// The tanh approximation of GELU (`"gelu_new"`, `"gelu_pytorch_tanh"`).
    case geluTanh
    /// max(x, 0) (`"relu"`).
    case relu
    /// x·σ(1.702·x), the GELU approximation CLIP was trained with (`"quick_gelu"`).
    case quickGELU

    /// The activation named `name` in a configuration file, or nil for one FusionKit lacks.
    public init?(huggingFaceName name: String) {
        switch name {
        case "gelu": self = .gelu
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
        case "relu": self = .relu
        case "quick_gelu": self = .quickGELU
        default: return nil
        }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .gelu: x.gelu()
        case .geluTanh: x.gelu(approximate: true)
        case .relu: x.relu()
        case .quickGELU: x * (x * 1.702).sigmoid()
        }
    }
}
