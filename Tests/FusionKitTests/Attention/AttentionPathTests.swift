import FusionKit
import Testing

/// Every kernel of `Attention.multiHead` (`AttentionPath`) forced in turn on the same inputs and
/// masks, checked to have run, and compared with the reference path: output, weights and every
/// gradient.
@Suite("Attention paths")
struct AttentionPathTests {
    static let masks: [String] = ["none", "padding", "causal", "additive", "additive-full", "all-hidden"]

    /// The output, weights and gradients (query, key, value, additive mask) of `multiHead` run on
    /// `path`, with the log of the paths that ran.
    static func run(_ path: AttentionPath, kind: String) -> (output: Tensor, weights: Tensor, gradients: [Tensor], ran: [String]) {
        let heads = 2, keys = kind == "causal" ? 5 : 7
        let q = random([2, 5, 8], seed: 61), k = random([2, keys, 8], seed: 62) * 2, v = random([2, keys, 6], seed: 63)
        var mask = AttentionMask()
        switch kind {
        case "padding": mask.keyPadding = Tensor([0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1], shape: [2, 7])
        case "causal": mask.causal = true
        case "additive": mask.additive = random([5, 7], seed: 64).requiringGradient()
        case "additive-full": mask.additive = random([2, heads, 5, 7], seed: 65).requiringGradient()
        case "all-hidden": mask.keyPadding = Tensor([0, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1], shape: [2, 7])
        default: break
        }
        let (query, key, value) = (q.requiringGradient(), k.requiringGradient(), v.requiringGradient())
        let log = KernelPathLog()
        var generator = RandomGenerator(seed: 0)
        let (output, weights) = KernelPathLog.$current.withValue(log) {
            Attention.$forcedPath.withValue(path) {
                Attention.multiHead(query: query, key: key, value: value, heads: heads, mask: mask, generator: &generator)
            }
        }
        output.backward(random([2, 5, 6], seed: 66))
        let gradients = [query.gradient!, key.gradient!, value.gradient!] + (mask.additive.map { [$0.gradient!] } ?? [])
        return (output, weights, gradients, log.paths(of: "attention"))
    }

    @Test("each path runs when forced and matches the reference path",
          arguments: AttentionPath.allCases.filter { $0 != .reference }, masks)
    func matchesTheReference(path: AttentionPath, kind: String) {
        let actual = Self.run(path, kind: kind), expected = Self.run(.reference, kind: kind)
        #expect(actual.ran == [path.rawValue] && expected.ran == ["reference"])
        #expect(isClose(actual.output, expected.output), "output off by \(maxDifference(actual.output, expected.output))")
        #expect(isClose(actual.weights, expected.weights), "weights off by \(maxDifference(actual.weights, expected.weights))")
        #expect(actual.gradients.count == expected.gradients.count)
        for (index, (a, e)) in zip(actual.gradients, expected.gradients).enumerated() {
            #expect(isClose(a, e, relative: 1e-4, absolute: 1e-5), "gradient \(index) off by \(maxDifference(a, e))")
        }
        if kind == "all-hidden" {
            // The second element sees no key at all: no attention, no output.
            #expect(actual.output.slice(1..<2, alongAxis: 0).abs().max().scalar == 0)
        }
    }

    /// The choice is a function of the geometry: a few query-key pairs per head in place, more
    /// through GEMMs per head, and dropout only on the reference path — also when another path
    /// is forced.
    @Test func choiceFollowsTheGeometry() {
        #expect(Attention.path(queries: 1, keys: 9, dropout: 0) == .interleavedHeads)
        #expect(Attention.path(queries: 8, keys: 16, dropout: 0) == .interleavedHeads)
        #expect(Attention.path(queries: 32, keys: 32, dropout: 0) == .headGEMMs)
        #expect(Attention.path(queries: 1, keys: 9, dropout: 0.1) == .reference)
        let x = random([1, 32, 8], seed: 67)
        func ran(forcing path: AttentionPath?, dropout: Float) -> [String] {
            let log = KernelPathLog()
            var generator = RandomGenerator(seed: 1)
            KernelPathLog.$current.withValue(log) {
                Attention.$forcedPath.withValue(path) {
                    _ = Attention.multiHead(query: x, key: x, value: x, heads: 2, dropout: dropout, generator: &generator)
                }
            }
            return log.paths(of: "attention")
        }
        #expect(ran(forcing: nil, dropout: 0) == ["headGEMMs"])
        #expect(ran(forcing: .interleavedHeads, dropout: 0) == ["interleavedHeads"])
        #expect(ran(forcing: .headGEMMs, dropout: 0.1) == ["reference"])
    }

    @Test(arguments: AttentionPath.allCases)
    func gradientsMatchFiniteDifferences(path: AttentionPath) {
        let q = random([2, 3, 8], seed: 68), k = random([2, 4, 8], seed: 69), v = random([2, 4, 4], seed: 70)
        func attend(_ inputs: [Tensor], heads: Int, mask: AttentionMask) -> Tensor {
            var generator = RandomGenerator(seed: 0)
            return Attention.$forcedPath.withValue(path) {
                Attention.multiHead(query: inputs[0], key: inputs[1], value: inputs[2], heads: heads, mask: mask,
                                    generator: &generator).output
            }
        }
        expectGradients([q, k, v, random([2, 2, 3, 4], seed: 71)]) { attend($0, heads: 2, mask: AttentionMask(additive: $0[3])) }
        expectGradients([q, k, v]) {
            attend($0, heads: 4, mask: AttentionMask(keyPadding: Tensor([0, 0, 1, 0, 1, 0, 0, 0], shape: [2, 4])))
        }
    }

    /// Large enough that the blocks are shared among the cores (8 × 4 blocks of 64 × 64 scores
    /// over 16 + 16 depths: 4.2M multiply-adds, over the 2^21 from which they are shared):
    /// output and gradients the same as the reference.
    @Test func sharedAmongCoresMatchesTheReference() {
        let q = random([8, 64, 64], seed: 72), k = random([8, 64, 64], seed: 73), v = random([8, 64, 64], seed: 74)
        let upstream = random([8, 64, 64], seed: 75)
        func run(_ path: AttentionPath) -> [Tensor] {
            let (query, key, value) = (q.requiringGradient(), k.requiringGradient(), v.requiringGradient())
            var generator = RandomGenerator(seed: 0)
            let output = Attention.$forcedPath.withValue(path) {
                Attention.multiHead(query: query, key: key, value: value, heads: 4, generator: &generator).output
            }
            output.backward(upstream)
            return [output, query.gradient!, key.gradient!, value.gradient!]
        }
        for (index, (actual, expected)) in zip(run(.headGEMMs), run(.reference)).enumerated() {
            #expect(isClose(actual, expected, relative: 1e-4, absolute: 1e-5), "result \(index) off by \(maxDifference(actual, expected))")
        }
    }
}
