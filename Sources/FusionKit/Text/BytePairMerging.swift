extension BytePairVocabulary {
    /// The tokens `symbols` (ids, in order) become when the merges are applied, as Hugging Face's
    /// `tokenizers` applies them: repeatedly, the adjacent pair with the lowest merge rank — the
    /// leftmost, if several have it — is replaced by the merged token, until no adjacent pair is a
    /// merge.
    ///
    /// The pairs wait in a priority queue ordered by (rank, position); a pair is pushed when it
    /// becomes adjacent and checked when it comes out, since a merge nearby may have consumed one of
    /// its tokens. So a word of n symbols takes O(n log n) time, even a word of 100,000 letters.
    func merging(_ symbols: [Int]) -> [Int] {
        guard symbols.count > 1 else { return symbols }
        // The symbols as a linked list; a symbol merged into the one before it gets the id -1.
        var ids = symbols
        var previous = Array(-1..<symbols.count - 1)
        var next = Array(1...symbols.count)
        next[symbols.count - 1] = -1
        var queue = MergeQueue()
        func pushPair(at position: Int) {
            let key = Self.pairKey(ids[position], ids[next[position]])
            if let merge = merges[key] { queue.push(.init(rank: merge.rank, position: position, pair: key)) }
        }
        for position in 0..<symbols.count - 1 { pushPair(at: position) }

        while let candidate = queue.popFirst() {
            let left = candidate.position
            guard ids[left] >= 0, next[left] >= 0 else { continue }
            let right = next[left]
            // The pair is still there unless a merge since has changed one of its tokens.
            guard Self.pairKey(ids[left], ids[right]) == candidate.pair, let merge = merges[candidate.pair] else { continue }
            ids[left] = merge.merged
            ids[right] = -1
            next[left] = next[right]
            if next[right] >= 0 { previous[next[right]] = left }
            if previous[left] >= 0 { pushPair(at: previous[left]) }
            if next[left] >= 0 { pushPair(at: left) }
        }
        return ids.filter { $0 >= 0 }
    }
}

/// A binary min-heap of candidate merges, ordered by rank, then position.
private struct MergeQueue {
    struct Candidate {
        /// The merge's rank (lower is applied first).
        var rank: Int
        /// The index of the pair's left symbol (lower is applied first among equal ranks).
        var position: Int
        /// The pair's token ids, as ``BytePairVocabulary/pairKey(_:_:)`` packs them.
        var pair: UInt64

        func precedes(_ other: Candidate) -> Bool {
            (rank, position) < (other.rank, other.position)
        }
    }

    private var heap: [Candidate] = []

    mutating func push(_ candidate: Candidate) {
        heap.append(candidate)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the candidate of lowest (rank, position), or nil if there is none.
    mutating func popFirst() -> Candidate? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let first = heap.removeLast()
        var parent = 0
        while true {
            let (left, right) = (2 * parent + 1, 2 * parent + 2)
            var smallest = parent
            if left < heap.count, heap[left].precedes(heap[smallest]) { smallest = left }
            if right < heap.count, heap[right].precedes(heap[smallest]) { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
