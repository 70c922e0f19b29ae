/// Tuning thresholds of kernels that choose how to share work among cores. Each was measured on
/// the host named in the Docs/Benchmarks.md section it points to; a new host may want others.
enum Tuning {
    /// Multiply-adds of one image's Winograd products (16 · tiles · in · out) from which a
    /// convolution over fewer images than cores shares each image's steps among the cores: the
    /// three hand-overs to the other core must be paid for.
    /// Docs/Benchmarks.md, "One image's convolutions on both cores".
    static let winogradSharedImageProducts = 1 << 21

    /// Multiply-adds (m·n·k) from which the `GEMMKernel.avx512…` kernels split one product among the cores:
    /// below it the wake-up of the other core costs more than half the product.
    /// Docs/Benchmarks.md, "Own AVX-512 matrix products".
    static let ownGEMMSharedProducts = 1 << 18

    /// Floats of one image's column matrix from which its unfolding by phase shares the taps'
    /// copies among the cores (when the images are not already shared): a ResNet stem's 1.8
    /// million floats on two cores. Docs/Benchmarks.md, "Batch norm folded, epilogue fused".
    static let parallelUnfoldFloats = 1 << 16

    /// Elements of light work (a copy, an addition, a comparison) from which `Parallel.forEachChunk`
    /// gives each core a share: below it, waking the other core costs more than the share.
    static let parallelElements = 1 << 16

    /// The same for work with more arithmetic per element (a transcendental function, a
    /// normalisation, a pooling window, Winograd's transform of a weight).
    static let parallelArithmeticElements = 1 << 14
}
