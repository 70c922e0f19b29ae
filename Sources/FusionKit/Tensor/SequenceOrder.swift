/// The order in which the recurrent kernels keep a batch's elements: in each core's share, the
/// longest sequences first, so that the elements still running at a position are a prefix of
/// the share and the step's GEMMs can stop there.
///
/// The VQA questions are 6–13 tokens long in a 16-token batch (10.8 on average), so about a third
/// of the recurrent products ran on rows whose result was thrown away. Padded positions are
/// skipped exactly: their gate gradients are zero, so leaving their rows out of dh_prev, dW_hh
/// and dW_ih adds nothing that was not zero.
struct SequenceOrder {
    /// The batch element kept at each internal position.
    let element: [Int]
    /// The length of the element at each internal position.
    let length: [Int]

    /// Sorts the elements by length, longest first, and deals them out over `shares` groups of
    /// consecutive positions (the ranges `BLAS.parallelChunks` hands the cores), so that each
    /// share holds a like mix of lengths, sorted.
    init(lengths: [Int], shares: Int) {
        let sorted = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        let groups = Swift.max(1, Swift.min(shares, sorted.count))
        element = (0..<groups).flatMap { group in stride(from: group, to: sorted.count, by: groups).map { sorted[$0] } }
        length = element.map { lengths[$0] }
    }

    /// The internal position of each batch element (the inverse of `element`).
    var positions: [Int] {
        var result = [Int](repeating: 0, count: element.count)
        for (position, b) in element.enumerated() { result[b] = position }
        return result
    }

    /// One past the last position of `positions` whose element is still running at position `t`
    /// (`positions.lowerBound` when none is): a share's rows lowerBound..<end cover every active one.
    func activeEnd(of positions: Range<Int>, at t: Int) -> Int {
        var end = positions.upperBound
        while end > positions.lowerBound && length[end - 1] <= t { end -= 1 }
        return end
    }
}
