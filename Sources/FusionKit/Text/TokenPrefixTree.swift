/// Token ids stored by the Unicode scalars of their tokens, in a prefix tree (trie), so that the
/// longest token at the start of a text is found in one walk, without building a string per
/// candidate.
///
/// Tokens compare scalar by scalar, as Hugging Face's byte-wise vocabulary does; Swift's `String`
/// equality would treat "é" (U+00E9) and "e" + U+0301 as one token, which BERT does not.
///
/// Each edge of the tree is one entry of a dictionary keyed by (node, scalar); each node may hold
/// the id of the token spelled by the path to it.
struct TokenPrefixTree: Sendable {
    typealias Node = Int32

    /// The node of the empty prefix.
    static let root: Node = 0

    /// The child of node `n` along scalar `s`, under the key `n << 21 | s` (scalars are below 2²¹).
    private var children: [UInt64: Node] = [:]
    /// The id of the token that ends at each node, -1 where none does.
    private var tokenIDs: [Int32] = [-1]

    private static func key(_ node: Node, _ scalar: Unicode.Scalar) -> UInt64 {
        UInt64(node) << 21 | UInt64(scalar.value)
    }

    /// Stores `id` for `token`, replacing any id stored for it before.
    mutating func insert(_ token: String, id: Int) {
        var node = Self.root
        for scalar in token.unicodeScalars {
            let key = Self.key(node, scalar)
            if let child = children[key] {
                node = child
            } else {
                let child = Node(tokenIDs.count)
                tokenIDs.append(-1)
                children[key] = child
                node = child
            }
        }
        tokenIDs[Int(node)] = Int32(id)
    }

    /// The node reached from `start` along `scalars`, nil if no stored token starts that way.
    func node(from start: Node = root, along scalars: some Sequence<Unicode.Scalar>) -> Node? {
        var node = start
        for scalar in scalars {
            guard let child = children[Self.key(node, scalar)] else { return nil }
            node = child
        }
        return node
    }

    /// The id of the token that ends at `node`, if any.
    func tokenID(at node: Node) -> Int? {
        let id = tokenIDs[Int(node)]
        return id >= 0 ? Int(id) : nil
    }

    /// The longest nonempty run `scalars[start..<end]` that, appended to the path to `node`, spells a
    /// stored token: that token's id and `end`; nil if none does.
    func longestMatch(in scalars: ArraySlice<Unicode.Scalar>, from start: Int, after node: Node) -> (id: Int, end: Int)? {
        var node = node
        var match: (id: Int, end: Int)?
        var index = start
        while index < scalars.endIndex, let child = children[Self.key(node, scalars[index])] {
            node = child
            index += 1
            if let id = tokenID(at: node) { match = (id, index) }
        }
        return match
    }
}
