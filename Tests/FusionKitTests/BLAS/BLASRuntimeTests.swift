import FusionKit
import Foundation
import Testing

/// The BLAS runtime. Switching kernels or thread counts changes process-wide state, so those
/// tests run in a child process (an exit test) instead of beside the other tests' matrix products.
@Suite("BLAS runtime")
struct BLASRuntimeTests {
    @Test func preferredKernelFollowsCPUFlags() {
        #expect(BLAS.preferredKernel(cpuFlags: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd", "avx2", "fma"]) == "SkylakeX")
        #expect(BLAS.preferredKernel(cpuFlags: ["avx", "avx2", "fma"]) == "Haswell")
        #expect(BLAS.preferredKernel(cpuFlags: ["avx"]) == "Sandybridge")
        #expect(BLAS.preferredKernel(cpuFlags: ["sse2"]) == nil)
    }

    @Test func olderKernelIsUpgradedAndResultsStayTheSame() async {
        await #expect(processExitsWith: .success) {
            let configuration = BLAS.configuration
            // Only meaningful where FusionKit, not the user, picks the kernel.
            guard configuration.choice != .user else { return }
            var generator = RandomGenerator(seed: 41)
            let a = Tensor.randomNormal([64, 48], generator: &generator), b = Tensor.randomNormal([48, 32], generator: &generator)
            let fast = a.matmul(b)
            let live = BLAS.kernelName
            precondition(BLAS.selectKernel("Prescott") == "Prescott", "could not select Prescott")
            let slow = a.matmul(b)
            let upgraded = BLAS.upgradeKernelIfOlder()
            precondition(upgraded != "Prescott" && upgraded == live, "upgrade gave \(upgraded), expected \(live)")
            let difference = zip(slow.scalars, fast.scalars).map { abs($0 - $1) }.max() ?? 0
            precondition(difference < 1e-4, "kernels disagree by \(difference)")
        }
    }

    @Test func idleWorkersSpinBrieflyUnlessTheUserChose() async {
        await #expect(processExitsWith: .success) {
            let requested = ProcessInfo.processInfo.environment["OPENBLAS_THREAD_TIMEOUT"].flatMap { Int($0) }
            let expected = requested.map { Swift.min(Swift.max($0, 4), 30) } ?? BLAS.threadSpinExponent
            precondition(BLAS.threadSpin == expected, "idle spin 2^\(BLAS.threadSpin), expected 2^\(expected)")
            // The restarted workers still compute: a product large enough for OpenBLAS to thread.
            var generator = RandomGenerator(seed: 42)
            let a = Tensor.randomNormal([256, 300], generator: &generator), b = Tensor.randomNormal([300, 200], generator: &generator)
            let product = a.matmul(b)
            let row = (0..<200).map { j in (0..<300).reduce(Float(0)) { $0 + a[0, $1] * b[$1, j] } }
            let difference = (0..<200).map { abs(product[0, $0] - row[$0]) }.max() ?? 0
            precondition(difference < 1e-3, "product differs by \(difference)")
        }
    }

    @Test func threadCountCanBeSet() async {
        await #expect(processExitsWith: .success) {
            let original = BLAS.threadCount
            BLAS.threadCount = 1
            precondition(BLAS.threadCount == 1)
            BLAS.threadCount = original
            precondition(BLAS.threadCount == original)
        }
    }
}
