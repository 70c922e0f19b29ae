@testable import FusionKit

extension VectorKernels.InstructionSet {
    /// Every instruction-set path of the vector kernels this CPU can run, baseline first, for
    /// tests that run each (with `VectorKernels.limitInstructionSet(to:)`). Reading it lifts any
    /// limit set before.
    static var runnable: [VectorKernels.InstructionSet] {
        let best = VectorKernels.limitInstructionSet(to: nil)
        return allCases.filter { $0.rawValue <= best.rawValue }
    }
}
