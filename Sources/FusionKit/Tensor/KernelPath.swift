/// The kernels of an operation that has several, named by one enum per operation: the operation
/// picks a case in a pure function of its geometry, reports the one it ran to `KernelPathLog`
/// under `operation`, reads a forced case from a task-local (`forced`, used by `forcing`), and
/// has a plain `reference` case
/// that the tests compare every other with. `KernelPaths.all` lists every such enum;
/// Tests/FusionKitTests/Tensor/KernelPathRegistryTests.swift runs every case of each against its
/// reference, and checks that every path an operation reports and every forceable choice in
/// the sources belongs to an enum listed there.
public protocol KernelPath: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    /// The name the operation reports its path under in `KernelPathLog`.
    static var operation: String { get }
    /// The plain path every other one is tested against.
    static var reference: Self { get }
    /// The task-local the operation reads a forced path from (`Tensor.$forcedConvolutionPath`).
    static var forced: TaskLocal<Self?> { get }
}

extension KernelPath {
    /// Runs `body` with `path` forced (nil: the operation's own choice).
    public static func forcing<Result>(_ path: Self?, _ body: () throws -> Result) rethrows -> Result {
        try forced.withValue(path, operation: body)
    }

    /// Every case's name, the reference's among them.
    public static var pathNames: [String] { allCases.map(\.rawValue) }

    /// The reference's name.
    public static var referenceName: String { reference.rawValue }

    /// `forcing` by a case's name (for code that holds the enum only as `any KernelPath.Type`).
    public static func forcing<Result>(named name: String, _ body: () throws -> Result) rethrows -> Result {
        guard let path = Self(rawValue: name) else { preconditionFailure("\(operation): no path named \(name)") }
        return try forcing(path, body)
    }
}

/// Every operation with several kernels. A few choices are made inside one of these paths and
/// reported under their own names, covered by that path's tests (`subChoices`).
public enum KernelPaths {
    public static let all: [any KernelPath.Type] = [
        ConvolutionPath.self, MatmulPath.self, GEMMKernel.self, MaxPoolPath.self, AttentionPath.self, ModulationPath.self,
    ]

    /// Choices reported to `KernelPathLog` within an operation's path, with that operation: how
    /// `.unfolded` and `.winograd` compute the input gradient (`ConvolutionInputGradientPath`,
    /// asserted by the convolution path tests), how Winograd shares one image's steps among the
    /// cores (the same sums either way), and whether conv2d's epilogue ran fused or composed
    /// (`ConvolutionEpilogue`; composed is the reference), and how the blocked GEMM kernels ended
    /// a row of strips (`StripEndings`; `.loops` is the reference).
    public static let subChoices: [String: String] = [
        "conv2d input gradient": "conv2d", "winograd sharing": "conv2d", "conv2d epilogue": "conv2d",
        "gemm last strip": "gemm",
    ]
}

// The conformances: each names its operation and its task-local (the same two lines by design;
// `reference` is the enum's own case except for the GEMM kernels).

extension ConvolutionPath: KernelPath {
    public static var operation: String { "conv2d" }
    public static var forced: TaskLocal<ConvolutionPath?> { Tensor.$forcedConvolutionPath }
}

extension MatmulPath: KernelPath {
    public static var operation: String { "matmul" }
    public static var forced: TaskLocal<MatmulPath?> { Tensor.$forcedMatmulPath }
}

extension GEMMKernel: KernelPath {
    public static var operation: String { "gemm" }
    public static var reference: GEMMKernel { .loops }
    public static var forced: TaskLocal<GEMMKernel?> { Tensor.$forcedGEMMKernel }
}

extension MaxPoolPath: KernelPath {
    public static var operation: String { "maxPool2d" }
    public static var forced: TaskLocal<MaxPoolPath?> { Tensor.$forcedMaxPoolPath }
}

extension AttentionPath: KernelPath {
    public static var operation: String { "attention" }
    public static var forced: TaskLocal<AttentionPath?> { Attention.$forcedPath }
}

extension ModulationPath: KernelPath {
    public static var operation: String { "modulated" }
    public static var forced: TaskLocal<ModulationPath?> { Tensor.$forcedModulationPath }
}
