@testable import FusionKit
import CFusionKitKernels
import Foundation
import Testing

/// Every operation with several kernels (`KernelPaths.all`): each has a reference path, every
/// path can be forced through its enum (`KernelPath.forcing`), reports that it ran, and gives
/// the reference's results on the same inputs; and nothing in the sources reports a path, or
/// can be forced, outside those enums. The per-operation suites (ConvolutionPathTests,
/// MatmulPathTests, GEMMKernelTests, MaxPoolPathTests, AttentionPathTests, ModulationTests) go
/// through more shapes; this one is what makes a new operation's enum impossible to forget.
@Suite("Kernel path registry")
struct KernelPathRegistryTests {
    /// An operation run with path `forced` on the fixed inputs chosen for path `inputsFor` (a
    /// path may need a shape of its own: a 1×1 kernel, one column): its results (output and
    /// gradients) and the paths it reported. nil: this host cannot run that path (an AVX-512
    /// kernel without AVX-512).
    typealias Run = @Sendable (_ forced: String, _ inputsFor: String) -> (results: [Tensor], ran: [String])?

    static func logged(_ operation: String, _ body: () -> [Tensor]) -> (results: [Tensor], ran: [String]) {
        let log = KernelPathLog()
        let results = KernelPathLog.$current.withValue(log, operation: body)
        return (results, log.paths(of: operation))
    }

    /// One run per operation, each forcing through the enum's own `forcing(named:)`.
    static let runs: [String: Run] = [
        "conv2d": { name, inputsFor in
            let path = ConvolutionPath(rawValue: inputsFor)!
            // The first of the path tests' layers this path can compute.
            let layer = ConvolutionPathTests.layers.first {
                path.computes($0.geometry, outChannels: $0.weight[0], groups: $0.groups)
            }!
            let x = random(layer.input, seed: 1).requiringGradient(), w = (random(layer.weight, seed: 2) * 0.3).requiringGradient()
            let b = random([layer.weight[0]], seed: 3).requiringGradient()
            return logged("conv2d") {
                let y = ConvolutionPath.forcing(named: name) {
                    x.conv2d(weight: w, bias: b, stride: layer.stride, padding: layer.padding, dilation: layer.dilation,
                             groups: layer.groups)
                }
                y.backward(random(y.shape, seed: 4))
                return [y, x.gradient!, w.gradient!, b.gradient!]
            }
        },
        "matmul": { name, _ in
            let a = random([4, 5, 16], seed: 5).requiringGradient(), b = random([4, 16, 12], seed: 6).requiringGradient()
            return logged("matmul") {
                let c = MatmulPath.forcing(named: name) { a.matmul(b) }
                return [c]
            }
        },
        "gemm": { name, inputsFor in
            let ownKernels: Set<GEMMKernel> = [.avx512Packed, .avx512Dot, .avx512InPlace, .avx512Vector]
            if ownKernels.contains(GEMMKernel(rawValue: name)!) && fk_sgemm_available() == 0 { return nil }
            let kernel = GEMMKernel(rawValue: inputsFor)!
            // Operands each kernel multiplies: one column for the vector kernel, Bᵀ for dot products.
            let (m, n, k) = kernel == .avx512Vector ? (37, 1, 300) : (13, 70, 37)
            let transposeB = kernel == .avx512Dot
            let a = random([m, k], seed: 7), b = random(transposeB ? [n, k] : [k, n], seed: 8)
            var c = [Float](repeating: 0, count: m * n)
            return logged("gemm") {
                GEMMKernel.forcing(named: name) {
                    Tensor.gemm(a.scalars, b.scalars, &c, m: m, n: n, k: k, transposeA: false, transposeB: transposeB)
                }
                return [Tensor(c, shape: [m, n])]
            }
        },
        "maxPool2d": { name, _ in
            // Without a gradient: the path that skips the winners is only for inference.
            let x = MaxPoolPathTests.map()
            return withoutGradient {
                logged("maxPool2d") { [MaxPoolPath.forcing(named: name) { x.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)) }] }
            }
        },
        "attention": { name, _ in
            let q = random([2, 5, 8], seed: 9).requiringGradient(), k = random([2, 7, 8], seed: 10).requiringGradient()
            let v = random([2, 7, 6], seed: 11).requiringGradient()
            var generator = RandomGenerator(seed: 0)
            return logged("attention") {
                let (output, weights) = AttentionPath.forcing(named: name) {
                    Attention.multiHead(query: q, key: k, value: v, heads: 2, mask: AttentionMask(), generator: &generator)
                }
                output.backward(random(output.shape, seed: 12))
                return [output, weights, q.gradient!, k.gradient!, v.gradient!]
            }
        },
        "modulated": { name, _ in
            let x = random([3, 4, 5, 6], seed: 13).requiringGradient()
            let scale = random([3, 4], seed: 14).requiringGradient(), shift = random([3, 4], seed: 15).requiringGradient()
            return logged("modulated") {
                let y = ModulationPath.forcing(named: name) { x.modulated(scale: scale, shift: shift, scaleOffset: 1) }
                y.backward(random(y.shape, seed: 16))
                return [y, x.gradient!, scale.gradient!, shift.gradient!]
            }
        },
    ]

    @Test("every path of every operation runs when forced and gives the reference's results",
          arguments: KernelPaths.all.map { $0.operation })
    func everyPathMatchesItsReference(operation: String) throws {
        let family = try #require(KernelPaths.all.first { $0.operation == operation })
        #expect(family.pathNames.contains(family.referenceName), "\(operation): its reference is not one of its paths")
        let run = try #require(Self.runs[operation], "\(operation) has several kernels but no run in this test")
        let reference = family.referenceName
        let own = try #require(run(reference, reference), "\(operation): the reference must run on every host")
        #expect(own.ran == [reference], "\(operation): forcing the reference ran \(own.ran)")
        for name in family.pathNames where name != reference {
            guard let actual = run(name, name), let expected = run(reference, name) else { continue }
            #expect(expected.ran == [reference], "\(operation): forcing the reference ran \(expected.ran)")
            #expect(actual.ran == [name], "\(operation): forcing \(name) ran \(actual.ran)")
            for (index, (a, e)) in zip(actual.results, expected.results).enumerated() {
                #expect(isClose(a, e, relative: 1e-4, absolute: 1e-5),
                        "\(operation) \(name), result \(index): off by \(maxDifference(a, e))")
            }
        }
    }

    /// The library's sources, as text.
    static func sources() throws -> [(path: String, text: String)] {
        let root = TestPaths.package.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        return try files.map { ($0.path, try String(contentsOf: $0, encoding: .utf8)) }
    }

    @Test("every path reported and every forceable choice in the sources belongs to a listed enum")
    func nothingOutsideTheRegistry() throws {
        let operations = Set(KernelPaths.all.map { $0.operation })
        for (parent, operation) in KernelPaths.subChoices.map({ ($1, $0) }) {
            #expect(operations.contains(parent), "\(operation) is a choice within \(parent), which is not listed")
        }
        let reported = try Regex(#"KernelPathLog\.record\("([^"]+)""#)
        let forceable = try Regex(#"@TaskLocal\s+(?:public\s+)?static\s+var\s+(forced\w*)\s*:\s*(\w+)\?"#)
        let listedTypes = Set(KernelPaths.all.map { String(describing: $0) })
        var sawReport = false, sawForceable = false
        for (path, text) in try Self.sources() {
            for match in text.matches(of: reported) {
                sawReport = true
                let operation = String(match.output[1].substring!)
                #expect(operations.contains(operation) || KernelPaths.subChoices[operation] != nil,
                        "\(path) reports paths of \"\(operation)\", which no KernelPath enum names")
            }
            for match in text.matches(of: forceable) {
                sawForceable = true
                let type = String(match.output[2].substring!)
                #expect(listedTypes.contains(type), "\(path): \(match.output[1].substring!) forces a \(type), not a listed KernelPath")
            }
        }
        #expect(sawReport && sawForceable, "the source scan found nothing below \(TestPaths.package.path)")
    }
}
