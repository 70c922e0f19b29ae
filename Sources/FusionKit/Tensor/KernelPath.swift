/// The kernels of an operation that has several, named by one enum per operation: the operation
/// picks a case in a pure function of its geometry, reports the one it ran to `KernelPathLog`
/// under `operation`, can be made to run any case (`forcing`), and has a plain `reference` case
/// that the tests compare every other with. `KernelPaths.all` lists every such enum;
/// Tests/FusionKitTests/KernelPathRegistryTests.swift runs every case of each against its
/// reference, and checks that every path an operation reports and every forceable choice in
/// the sources belongs to an enum listed there.
public protocol KernelPath: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    /// The name the operation reports its path under in `KernelPathLog`.
    static var operation: String { get }
    /// The plain path every other one is tested against.
    static var reference: Self { get }
    /// Runs `body` with `path` forced (nil: the operation's own choice).
    static func forcing<Result>(_ path: Self?, _ body: () throws -> Result) rethrows -> Result
}

extension KernelPath {
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
    /// (`ConvolutionEpilogue`; composed is the reference).
    public static let subChoices: [String: String] = [
        "conv2d input gradient": "conv2d", "winograd sharing": "conv2d", "conv2d epilogue": "conv2d",
    ]
}

extension ConvolutionPath: KernelPath {
    public static var operation: String { "conv2d" }
    public static func forcing<Result>(_ path: ConvolutionPath?, _ body: () throws -> Result) rethrows -> Result {
        try Tensor.$forcedConvolutionPath.withValue(path, operation: body)
    }
}

extension MatmulPath: KernelPath {
    public static var operation: String { "matmul" }
    public static func forcing<Result>(_ path: MatmulPath?, _ body: () throws -> Result) rethrows -> Result {
        try Tensor.$forcedMatmulPath.withValue(path, operation: body)
    }
}

extension GEMMKernel: KernelPath {
    public static var operation: String { "gemm" }
    public static var reference: GEMMKernel { .loops }
    public static func forcing<Result>(_ path: GEMMKernel?, _ body: () throws -> Result) rethrows -> Result {
        try Tensor.$forcedGEMMKernel.withValue(path, operation: body)
    }
}

extension MaxPoolPath: KernelPath {
    public static var operation: String { "maxPool2d" }
    public static func forcing<Result>(_ path: MaxPoolPath?, _ body: () throws -> Result) rethrows -> Result {
        try Tensor.$forcedMaxPoolPath.withValue(path, operation: body)
    }
}

extension AttentionPath: KernelPath {
    public static var operation: String { "attention" }
    public static func forcing<Result>(_ path: AttentionPath?, _ body: () throws -> Result) rethrows -> Result {
        try Attention.$forcedPath.withValue(path, operation: body)
    }
}

extension ModulationPath: KernelPath {
    public static var operation: String { "modulated" }
    public static func forcing<Result>(_ path: ModulationPath?, _ body: () throws -> Result) rethrows -> Result {
        try Tensor.$forcedModulationPath.withValue(path, operation: body)
    }
}
