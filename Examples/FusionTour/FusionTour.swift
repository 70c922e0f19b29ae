import ArgumentParser
import FusionKit
import Foundation

/// A walk through the fusion catalogue: every strategy on small random inputs (text-like vectors
/// and token sequences, image-like feature maps), printing what goes in and what comes out.
// Deliberate pattern (same shape as Examples/DataParallel/main.swift:DataParallelMLP and Examples/MultiBranchCNN/MultiBranchCNN.swift:MultiBranchCNN): each example declares its own command, options and checks in full, so that it reads and runs alone.
@main
struct FusionTour: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fusion-tour",
        abstract: "Run every fusion strategy on small inputs and print the shapes.")

    @Option(help: "Samples per batch.") var batch = 2
    @Option(help: "Seed for the inputs and the weights.") var seed: UInt64 = 1
    @Flag(help: "Print a markdown table (strategy, inputs, output, parameters, GEMM FLOPs) instead.") var markdown = false

    mutating func validate() throws {
        guard (1...64).contains(batch) else { throw ValidationError("--batch must be in 1...64") }
    }

    func run() throws {
        var generator = RandomGenerator(seed: seed)
        func input(_ shape: [Int]) -> Tensor { Tensor.randomNormal([batch] + shape, generator: &generator) }
        // A question vector, an image vector, a third modality; token sequences; feature maps.
        let question = input([8]), image = input([12]), audio = input([6])
        let words = input([5, 8]), regions = input([9, 12])
        let fine = input([4, 8, 8]), coarse = input([6, 4, 4])

        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count + 1), withPad: " ", startingAt: 0) }

        func show(_ level: String, _ name: String, _ strategy: any FusionStrategy, _ inputs: [Tensor]) {
            var output = Tensor(0)
            let operations = BLAS.countingOperations { output = withoutGradient { strategy.fuse(inputs) } }
            let shapes = inputs.map { "\($0.shape)" }.joined(separator: " + ")
            if markdown {
                print("| \(level) | \(name) | \(shapes) | \(output.shape) | \(strategy.parameterCount) | \(operations) |")
            } else {
                print(pad(level, 9) + pad(name, 36) + "\(shapes) → \(output.shape)"
                      + "   (\(strategy.parameterCount) parameters, \(operations) GEMM FLOPs)")
            }
        }

        func heading(_ text: String) { if !markdown { print(text) } }
        if markdown {
            print("| level | strategy | inputs | output | parameters | GEMM FLOPs |")
            print("|---|---|---|---|---|---|")
        }
        heading("Feature level: vectors in, one vector out")
        show("feature", "concatenation", ConcatenationFusion(widths: [8, 12], generator: &generator), [question, image])
        show("feature", "concatenation + MLP", ConcatenationFusion(widths: [8, 12], hiddenWidth: 16, outputWidth: 10, generator: &generator), [question, image])
        show("feature", "addition (projected sum)", ProjectedFusion(widths: [8, 12, 6], width: 10, generator: &generator), [question, image, audio])
        show("feature", "multiplication (projected product)", ProjectedFusion(widths: [8, 12], width: 10, combination: .product, generator: &generator), [question, image])
        show("feature", "learned weighted sum", WeightedSumFusion(widths: [8, 12, 6], width: 10, generator: &generator), [question, image, audio])
        show("feature", "modality attention", ModalityAttentionFusion(widths: [8, 12, 6], width: 10, generator: &generator), [question, image, audio])
        show("feature", "deep sets", DeepSetFusion(widths: [8, 12, 6], width: 10, generator: &generator), [question, image, audio])
        show("feature", "gated multimodal unit", GatedMultimodalUnit(widths: [8, 12], width: 10, generator: &generator), [question, image])
        show("feature", "bilinear (Tucker)", BilinearFusion(widths: [8, 12], projectedWidths: (4, 4), outputWidth: 10, generator: &generator), [question, image])
        show("feature", "MLB", MLBFusion(widths: [8, 12], rank: 16, outputWidth: 10, generator: &generator), [question, image])
        show("feature", "MFB", MFBFusion(widths: [8, 12], factor: 4, outputWidth: 10, generator: &generator), [question, image])
        show("feature", "MFH", MFHFusion(widths: [8, 12], order: 2, factor: 4, outputWidth: 10, generator: &generator), [question, image])
        show("feature", "MUTAN", MUTANFusion(widths: [8, 12], projectedWidths: (8, 8), rank: 3, joinedWidth: 8, outputWidth: 10, generator: &generator), [question, image])
        show("feature", "BLOCK", BLOCKFusion(widths: [8, 12], projectedWidths: (8, 8), chunks: 2, rank: 3, chunkWidth: 4, outputWidth: 10, generator: &generator), [question, image])
        show("feature", "MCB (count sketch + FFT)", CompactBilinearPooling(widths: [8, 12], dimension: 32, generator: &generator), [question, image])
        show("feature", "tensor fusion (3 modalities)", TensorFusion(widths: [8, 12, 6], outputWidth: 10, generator: &generator), [question, image, audio])
        show("feature", "low-rank fusion (LMF)", LowRankFusion(widths: [8, 12, 6], rank: 4, outputWidth: 10, generator: &generator), [question, image, audio])
        show("feature", "multiplicative interaction", MultiplicativeInteraction(widths: [8, 12], outputWidth: 10, generator: &generator), [question, image])

        heading("\nModel level: one modality conditions or attends to another")
        show("model", "FiLM (question → feature map)", FiLM(channels: 4, conditionWidth: 8, generator: &generator), [fine, question])
        show("model", "cross-modal attention", CrossModalAttentionFusion(queryWidth: 8, keyWidth: 12, headCount: 2, generator: &generator), [words, regions])
        show("model", "stacked attention (2 hops)", StackedAttentionFusion(width: 12, attentionWidth: 8, hopCount: 2, generator: &generator), [image, regions])
        show("model", "NL-gate", NonLocalGateFusion(visualWidth: 12, otherWidth: 6, generator: &generator), [regions, audio])
        show("model", "cross-modal transformer (MulT)", CrossModalTransformerFusion(widths: [8, 12], width: 8, headCount: 2, generator: &generator), [words, regions])
        show("model", "early-fusion transformer", EarlyFusionTransformer(widths: [8, 12], width: 8, headCount: 2, generator: &generator), [words, regions])
        show("model", "relation network", RelationNetworkFusion(objectWidth: 12, questionWidth: 8, gWidths: [16, 16], fWidths: [16, 10], generator: &generator), [regions, question])
        let selfAttention = TransformerEncoderLayer(width: 8, headCount: 2, feedForwardWidth: 16, dropout: 0, generator: &generator)
        if !markdown {
            print(pad("model", 9) + pad("self-attention (encoder layer)", 36) + "\(words.shape) → \(withoutGradient { selfAttention(words) }.shape)")
        }

        heading("\nDecision level: per-modality predictions combined")
        let predictions = [input([5]), input([5]), input([5])]
        show("decision", "late fusion: average", LateFusion(modalities: 3, classes: 5, generator: &generator), predictions)
        show("decision", "late fusion: learned weights", LateFusion(modalities: 3, classes: 5, combination: .learnedWeights, generator: &generator), predictions)
        show("decision", "late fusion: maximum", LateFusion(modalities: 3, classes: 5, combination: .maximum, generator: &generator), predictions)
        show("decision", "late fusion: stacking", LateFusion(modalities: 3, classes: 5, combination: .stacking, generator: &generator), predictions)

        heading("\nCNN fusions: feature maps")
        show("cnn", "skip concatenation (UNet)", SkipConcatenationFusion(shallowChannels: 4, deepChannels: 6, outputChannels: 4, generator: &generator), [fine, coarse])
        show("cnn", "residual addition (ResNet)", ResidualAdditionFusion(channels: 4, otherChannels: 4, generator: &generator), [fine, input([4, 8, 8])])
        show("cnn", "squeeze-and-excitation", SqueezeExcitationFusion(channels: [4, 4], reduction: 2, generator: &generator), [fine, input([4, 8, 8])])
        show("cnn", "global pooling", GlobalPoolingFusion(channels: [4, 6]), [fine, coarse])
        show("cnn", "feature pyramid (top-down)", FeaturePyramidFusion(channels: [4, 6], width: 8, generator: &generator), [fine, coarse])
    }
}
