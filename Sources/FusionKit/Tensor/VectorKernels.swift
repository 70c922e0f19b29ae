import CFusionKitKernels

/// The vectorised math kernels under `exp`, `log`, `tanh` and `sigmoid` (the CFusionKitKernels
/// target), compiled for several instruction sets and chosen for the running CPU.
public enum VectorKernels {
    /// The instruction sets the kernels can run with.
    public enum InstructionSet: Int, Sendable, CaseIterable {
        case baseline = 0, avx2 = 1, avx512 = 2
    }

    /// The instruction set in use: the best the CPU supports unless limited.
    public static var instructionSet: InstructionSet {
        switch String(cString: fk_kernel_isa()) {
        case "avx512": return .avx512
        case "avx2": return .avx2
        default: return .baseline
        }
    }

    /// Restricts the kernels to at most `limit` (nil: the best the CPU supports) and returns the
    /// set now in use. Meant for tests and benchmarks that compare code paths on one machine.
    @discardableResult
    public static func limitInstructionSet(to limit: InstructionSet?) -> InstructionSet {
        InstructionSet(rawValue: Int(fk_limit_kernel_isa(Int32(limit?.rawValue ?? -1)))) ?? .baseline
    }
}
