/// The prefixes seen during one beam search, as a tree: each node is a prefix, its parent
/// the prefix one symbol shorter. A node caches the language-model score of its prefix,
/// which depends on the prefix only, so it is computed once however many frames reach it.
struct PrefixTree {
    static let root: Int32 = 0
    /// Marks a (prefix, class) pair the scorer does not allow.
    static let disallowed: Int32 = -1

    private(set) var parent: [Int32] = []
    private(set) var lastClass: [Int32] = []
    private(set) var lmScore: [Double] = []
    private(set) var units: [Int32] = []
    private(set) var state: [ScorerState] = []
    private var children: [Int64: Int32] = [:]
    private var classCount = 0

    /// Empties the tree, keeping its storage, and creates the root.
    mutating func reset(classCount: Int, rootState: ScorerState) {
        self.classCount = classCount
        parent.removeAll(keepingCapacity: true)
        lastClass.removeAll(keepingCapacity: true)
        lmScore.removeAll(keepingCapacity: true)
        units.removeAll(keepingCapacity: true)
        state.removeAll(keepingCapacity: true)
        children.removeAll(keepingCapacity: true)
        append(parent: -1, c: -1, lm: 0, units: 0, state: rootState)
    }

    private mutating func append(parent p: Int32, c: Int32, lm: Double, units u: Int32, state s: ScorerState) {
        parent.append(p); lastClass.append(c); lmScore.append(lm); units.append(u); state.append(s)
    }

    /// The node for `node` followed by class `c`, created (and scored) on first use;
    /// `disallowed` if the scorer rejects the symbol.
    @inline(__always)
    mutating func child(_ node: Int32, _ c: Int, scorer: PrefixScorer?) -> Int32 {
        let key = Int64(node) * Int64(classCount) + Int64(c)
        if let existing = children[key] { return existing }
        return makeChild(node, c, key: key, scorer: scorer)
    }

    @inline(never)
    private mutating func makeChild(_ node: Int32, _ c: Int, key: Int64, scorer: PrefixScorer?) -> Int32 {
        let n = Int(node)
        var lm = lmScore[n], u = units[n], s = state[n]
        if let scorer {
            guard let step = scorer.extend(s, with: c) else {
                children[key] = Self.disallowed
                return Self.disallowed
            }
            lm += step.logProb; u += Int32(step.units); s = step.state
        }
        let id = Int32(parent.count)
        append(parent: node, c: Int32(c), lm: lm, units: u, state: s)
        children[key] = id
        return id
    }

    /// The class sequence of `node`'s prefix.
    func labels(of node: Int32) -> [Int] {
        var out: [Int] = []
        var n = node
        while n > 0 { out.append(Int(lastClass[Int(n)])); n = parent[Int(n)] }
        return out.reversed()
    }
}
