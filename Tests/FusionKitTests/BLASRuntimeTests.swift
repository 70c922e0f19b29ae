import FusionKit
import Foundation
import Testing

@Suite("BLAS runtime", .serialized)
struct BLASRuntimeTests {
    @Test func preferredKernelFollowsCPUFlags() {
        #expect(BLAS.preferredKernel(cpuFlags: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd", "avx2", "fma"]) == "SkylakeX")
        #expect(BLAS.preferredKernel(cpuFlags: ["avx", "avx2", "fma"]) == "Haswell")
        #expect(BLAS.preferredKernel(cpuFlags: ["avx"]) == "Sandybridge")
        #expect(BLAS.preferredKernel(cpuFlags: ["sse2"]) == nil)
    }

    @Test func olderKernelIsUpgradedAndResultsStayTheSame() throws {
        let configuration = BLAS.configuration
        // Only meaningful where FusionKit, not the user, picks the kernel.
        try #require(configuration.choice != .user)
        let a = random([64, 48], seed: 41), b = random([48, 32], seed: 42)
        let fast = a.matmul(b)
        let live = BLAS.kernelName
        #expect(BLAS.selectKernel("Prescott") == "Prescott")
        let slow = a.matmul(b)
        let upgraded = BLAS.upgradeKernelIfOlder()
        #expect(upgraded != "Prescott")
        #expect(upgraded == live, "the upgrade should restore the best kernel")
        #expect(isClose(slow, fast, relative: 1e-5, absolute: 1e-5))
    }

    @Test func threadCountCanBeSet() {
        let original = BLAS.threadCount
        BLAS.threadCount = 1
        #expect(BLAS.threadCount == 1)
        BLAS.threadCount = original
        #expect(BLAS.threadCount == original)
    }
}
