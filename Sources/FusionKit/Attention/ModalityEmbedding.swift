import Foundation

/// One learned vector per modality (or segment) added to every token of that modality, so a
/// transformer over concatenated text and image tokens can tell them apart (VisualBERT, ViLT);
/// key `weight` [modalities, width].
public final class ModalityEmbedding: Module {
    public let weight: Parameter

    public init(modalities: Int, width: Int, generator: inout RandomGenerator) {
        weight = Parameter(Tensor.randomNormal([modalities, width], standardDeviation: 0.02, generator: &generator))
        super.init()
    }

    /// The same, initialised from the global generator (see `Random.seed`).
    public convenience init(modalities: Int, width: Int) {
        var generator = Random.splitGenerator()
        self.init(modalities: modalities, width: width, generator: &generator)
    }

    /// `tokens` [batch, L, width] of modality `index`.
    public func callAsFunction(_ tokens: Tensor, modality index: Int) -> Tensor {
        precondition(index >= 0 && index < weight.shape[0], "ModalityEmbedding: modality \(index) outside 0..<\(weight.shape[0])")
        return tokens + weight.value.slice(index..<(index + 1), alongAxis: 0)
    }
}
