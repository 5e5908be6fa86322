/// The prefixes seen during one beam search, as a tree: each node is a prefix, its parent
/// the prefix one symbol shorter. A node caches the language-model score of its prefix,
/// which depends on the prefix only, so it is computed once however many frames reach it.
///
/// Children are found through a dense table: a node that is ever extended gets a block of
/// `classCount` entries, so lookups are one array read and no hashing.
struct PrefixTree {
    static let root: Int32 = 0
    /// Marks a (prefix, class) pair the scorer does not allow.
    static let disallowed: Int32 = -1
    /// Marks a (prefix, class) pair not created yet.
    static let unknown: Int32 = -2

    private(set) var parent: [Int32] = []
    private(set) var lastClass: [Int32] = []
    private(set) var lmScore: [Double] = []
    private(set) var units: [Int32] = []
    private(set) var penalty: [Double] = []
    private(set) var state: [ScorerState] = []
    /// Per node: its candidate slot in the current frame, valid when `slotFrame` matches.
    var slot: [Int32] = []
    var slotFrame: [Int32] = []
    private var block: [Int32] = []
    private var children: [Int32] = []
    private var classCount = 0

    var count: Int { parent.count }

    /// Empties the tree, keeping its storage, and creates the root.
    mutating func reset(classCount: Int, rootState: ScorerState) {
        self.classCount = classCount
        parent.removeAll(keepingCapacity: true)
        lastClass.removeAll(keepingCapacity: true)
        lmScore.removeAll(keepingCapacity: true)
        units.removeAll(keepingCapacity: true)
        penalty.removeAll(keepingCapacity: true)
        state.removeAll(keepingCapacity: true)
        slot.removeAll(keepingCapacity: true)
        slotFrame.removeAll(keepingCapacity: true)
        block.removeAll(keepingCapacity: true)
        children.removeAll(keepingCapacity: true)
        append(parent: -1, c: -1, lm: 0, units: 0, penalty: 0, state: rootState)
    }

    private mutating func append(parent p: Int32, c: Int32, lm: Double, units u: Int32, penalty x: Double, state s: ScorerState) {
        parent.append(p); lastClass.append(c); lmScore.append(lm); units.append(u); penalty.append(x); state.append(s)
        slot.append(-1); slotFrame.append(-1); block.append(-1)
    }

    /// The start of `node`'s child block, allocating it on first use.
    @inline(__always)
    mutating func childBlock(_ node: Int32) -> Int {
        let b = block[Int(node)]
        if b >= 0 { return Int(b) }
        let start = children.count
        children.append(contentsOf: repeatElement(Self.unknown, count: classCount))
        block[Int(node)] = Int32(start)
        return start
    }

    /// The node for `node` followed by class `c` given `node`'s child block; created (and
    /// scored) on first use; `disallowed` if the scorer rejects the symbol.
    @inline(__always)
    mutating func child(_ node: Int32, block: Int, _ c: Int, scorer: PrefixScorer?) -> Int32 {
        let existing = children[block + c]
        if existing != Self.unknown { return existing }
        let made = makeChild(node, c, scorer: scorer)
        children[block + c] = made
        return made
    }

    @inline(never)
    private mutating func makeChild(_ node: Int32, _ c: Int, scorer: PrefixScorer?) -> Int32 {
        let n = Int(node)
        var lm = lmScore[n], u = units[n], x = penalty[n], s = state[n]
        if let scorer {
            guard let step = scorer.extend(s, with: c) else { return Self.disallowed }
            lm += step.logProb; u += Int32(step.units); x += step.penalty; s = step.state
        }
        let id = Int32(parent.count)
        append(parent: node, c: Int32(c), lm: lm, units: u, penalty: x, state: s)
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
