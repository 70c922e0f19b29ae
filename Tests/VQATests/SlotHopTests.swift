import FusionKit
import Testing
import VQAKit

@Suite("word-attention's hop over object slots")
struct SlotHopTests {
    /// Slots 0…4 on one line from the named slot 0 at x = 0: slot 1 at 0.2 (nearest), slot 2 at
    /// −0.5, slot 3 at 0.9 (furthest), slot 4 at 0.05 (a second finding of the named object).
    private let xs: [Float] = [0, 0.2, -0.5, 0.9, 0.05]
    private let width = 4, heads = 2

    /// A hop whose content scores are 0 (zero query weights), so that only the bias decides: head
    /// 0 near, head 1 far, and `dip` as the near head's dip depth.
    private func hop(dip: Float) -> SlotHop {
        var generator = RandomGenerator(seed: 3)
        let hop = SlotHop(vocabulary: xs.count, width: width, heads: heads, generator: &generator)
        for linear in [hop.query, hop.countQuery] {
            linear.weight.value = Tensor.zeros(linear.weight.value.shape)
            linear.bias?.value = Tensor.zeros([width])
        }
        hop.presenceGain.value = Tensor([1], shape: [1, 1, 1, 1])
        hop.dipScales.value = Tensor([dip, 0], shape: [1, heads, 1, 1])
        return hop
    }

    /// One image, one question named by slot 0's word; `strengths` per slot (presence σ(strength)).
    private func read(_ hop: SlotHop, strengths: [Float]) -> SlotHop.Reading {
        let count = xs.count
        var findings = [Float](repeating: 0, count: count * (width + 2))
        for (slot, x) in xs.enumerated() { findings[slot * (width + 2) + width] = x }
        var named = [Float](repeating: 0, count: count)
        named[0] = 1
        return hop(findings: Tensor(findings, shape: [1, count, width + 2]), strength: Tensor(strengths, shape: [1, count]),
                   queries: Tensor.zeros([1, 1, width]), place: Tensor([0, 0], shape: [1, 1, 1, 2]),
                   namedWords: Tensor(named, shape: [1, 1, 1, count]), dipLogWidths: Tensor([-3.5, -3.5], shape: [1, heads, 1, 1]))
    }

    private func strongest(_ weights: Tensor, head: Int) -> Int {
        let row = Array(weights.scalars[(head * xs.count)..<((head + 1) * xs.count)])
        return row.indices.max { row[$0] < row[$1] }!
    }

    @Test("the near head picks the nearest present slot other than the named one, the far head the furthest")
    func nearestAndFurthest() {
        // Without the dip, only the named word's exclusion keeps the near head off slot 0.
        let open = read(hop(dip: 0), strengths: [20, 20, 20, 20, -20])
        #expect(strongest(open.weights, head: 0) == 1, "\(open.weights.scalars)")
        #expect(strongest(open.weights, head: 1) == 3, "\(open.weights.scalars)")
        // Slot 1 absent: the next nearest.
        let absent = read(hop(dip: 0), strengths: [20, -20, 20, 20, -20])
        #expect(strongest(absent.weights, head: 0) == 2, "\(absent.weights.scalars)")
        // A present second finding of the named object (slot 4, 0.05 away) is skipped by the dip.
        let dipped = read(hop(dip: -0.2), strengths: [20, 20, 20, 20, 20])
        #expect(strongest(dipped.weights, head: 0) == 1, "\(dipped.weights.scalars)")
    }

    @Test("each head's count is the number of present slots its gate lets through, not an average")
    func countsPresentSlots() {
        let hop = hop(dip: 0)
        hop.countBias.value = Tensor([20, -20], shape: [1, heads, 1, 1])   // head 0 lets every slot through, head 1 none
        let counts = read(hop, strengths: [20, -20, 20, 20, -20]).counts.scalars   // [1, 1, heads]
        #expect(abs(counts[0] - 3) < 1e-3 && abs(counts[1]) < 1e-3, "\(counts)")
        let more = read(hop, strengths: [20, 20, 20, 20, 20]).counts.scalars
        #expect(abs(more[0] - 5) < 1e-3, "\(more)")
    }
}
