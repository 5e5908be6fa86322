import Foundation
import ScribeCore

/// The mutable state of one prefix beam search: the prefix tree, the beams and the current
/// frame's candidates. A value type, so the hot loop runs without the dynamic exclusivity
/// checks that class properties need; `PrefixBeamSearch` keeps one between calls so the
/// storage is reused.
struct BeamWorkspace {
    var tree = PrefixTree()
    // Beams (≤ beamWidth): node, log P(ending in blank), log P(ending in symbol).
    var beamNode: [Int32] = []
    var beamB: [Double] = []
    var beamNB: [Double] = []
    // Candidates of the current frame.
    var candNode: [Int32] = []
    var candB: [Double] = []
    var candNB: [Double] = []
    var candScore: [Double] = []
    var order: [Int32] = []
    var active: [Int] = []
    var sortedClasses: [Int] = []
    var frame: Int32 = 0

    mutating func reset(classCount: Int, rootState: ScorerState) {
        tree.reset(classCount: classCount, rootState: rootState)
        beamNode.removeAll(keepingCapacity: true); beamNode.append(PrefixTree.root)
        beamB.removeAll(keepingCapacity: true); beamB.append(0)
        beamNB.removeAll(keepingCapacity: true); beamNB.append(LogSpace.zero)
        frame = 0
    }

    /// Advances every beam by one frame of log-probabilities `y`.
    mutating func step(_ y: UnsafeBufferPointer<Float>, blank: Int, options: BeamSearchOptions, scorer: PrefixScorer?) {
        frame += 1
        let yBlank = Double(y[blank])
        if exp(yBlank) >= options.blankSkipProbability {
            for b in beamNode.indices {
                beamB[b] = LogSpace.logAdd(beamB[b], beamNB[b]) + yBlank
                beamNB[b] = LogSpace.zero
            }
            return
        }
        selectClasses(y, blank: blank, options: options)
        candNode.removeAll(keepingCapacity: true)
        candB.removeAll(keepingCapacity: true)
        candNB.removeAll(keepingCapacity: true)
        for b in beamNode.indices {
            let node = beamNode[b], pB = beamB[b], pNB = beamNB[b]
            let total = LogSpace.logAdd(pB, pNB)
            let s = slot(node)
            candB[s] = LogSpace.logAdd(candB[s], total + yBlank)
            let last = node == PrefixTree.root ? -1 : Int(tree.lastClass[Int(node)])
            if last >= 0 { candNB[s] = LogSpace.logAdd(candNB[s], pNB + Double(y[last])) }
            let block = tree.childBlock(node)
            for c in active {
                let child = tree.child(node, block: block, c, scorer: scorer)
                if child == PrefixTree.disallowed { continue }
                let t = slot(child)
                candNB[t] = LogSpace.logAdd(candNB[t], (c == last ? pB : total) + Double(y[c]))
            }
        }
        prune(options: options, scored: scorer != nil)
    }

    /// The candidate slot of `node` in this frame, created empty on first use.
    @inline(__always)
    mutating func slot(_ node: Int32) -> Int {
        let n = Int(node)
        if tree.slotFrame[n] == frame { return Int(tree.slot[n]) }
        let s = candNode.count
        tree.slotFrame[n] = frame
        tree.slot[n] = Int32(s)
        candNode.append(node); candB.append(LogSpace.zero); candNB.append(LogSpace.zero)
        return s
    }

    /// Fills `active` with the non-blank classes this frame extends.
    mutating func selectClasses(_ y: UnsafeBufferPointer<Float>, blank: Int, options: BeamSearchOptions) {
        active.removeAll(keepingCapacity: true)
        let limitK = options.topK > 0 ? options.topK : Int.max
        if limitK == Int.max && options.cumulativeProbability >= 1 {
            var best = -1
            let floor = Float(max(options.minClassLogProb, -Double(Float.greatestFiniteMagnitude)))
            for c in 0..<y.count where c != blank {
                if best < 0 || y[c] > y[best] { best = c }
                if y[c] >= floor { active.append(c) }
            }
            if active.isEmpty && best >= 0 { active.append(best) }
            return
        }
        sortedClasses.removeAll(keepingCapacity: true)
        for c in 0..<y.count where c != blank { sortedClasses.append(c) }
        sortedClasses.sort { y[$0] > y[$1] }
        var mass = 0.0
        for c in sortedClasses {
            if !active.isEmpty && (active.count >= limitK || mass >= options.cumulativeProbability
                                   || Double(y[c]) < options.minClassLogProb) { break }
            active.append(c)
            mass += exp(Double(y[c]))
        }
    }

    /// Keeps the best `beamWidth` candidates (and only those within `scoreMargin` of the
    /// best), best first; ties keep the earlier candidate.
    mutating func prune(options: BeamSearchOptions, scored: Bool) {
        let alpha = options.alpha, beta = options.beta
        candScore.removeAll(keepingCapacity: true)
        var best = -Double.infinity
        for s in candNode.indices {
            var score = LogSpace.logAdd(candB[s], candNB[s])
            if scored {
                let n = Int(candNode[s])
                score += alpha * tree.lmScore[n] + beta * Double(tree.units[n]) + tree.penalty[n]
            }
            candScore.append(score)
            if score > best { best = score }
        }
        let floor = best - options.scoreMargin
        order.removeAll(keepingCapacity: true)
        for s in candNode.indices where candScore[s] >= floor { order.append(Int32(s)) }
        let keep = min(options.beamWidth, order.count)
        candScore.withUnsafeBufferPointer { score in
            order.withUnsafeMutableBufferPointer { idx in
                Selection.partitionTop(idx, count: keep, by: score)
                var top = UnsafeMutableBufferPointer(rebasing: idx[0..<keep])
                top.sort { a, b in Selection.before(a, b, score) }
            }
        }
        beamNode.removeAll(keepingCapacity: true)
        beamB.removeAll(keepingCapacity: true)
        beamNB.removeAll(keepingCapacity: true)
        for s in order.prefix(keep) {
            beamNode.append(candNode[Int(s)]); beamB.append(candB[Int(s)]); beamNB.append(candNB[Int(s)])
        }
    }
}

/// Partial selection (quickselect) used to keep the best beams without sorting them all.
enum Selection {
    /// Whether candidate `a` ranks before `b`: higher score, then lower index.
    @inline(__always)
    static func before(_ a: Int32, _ b: Int32, _ score: UnsafeBufferPointer<Double>) -> Bool {
        let sa = score[Int(a)], sb = score[Int(b)]
        if sa != sb { return sa > sb }
        return a < b
    }

    /// Reorders `idx` so its first `count` entries are those with the highest `score`
    /// (ties: lower index first), in no particular order.
    static func partitionTop(_ idx: UnsafeMutableBufferPointer<Int32>, count: Int, by score: UnsafeBufferPointer<Double>) {
        guard count < idx.count, count > 0 else { return }
        var lo = 0, hi = idx.count - 1
        let k = count - 1
        while lo < hi {
            let pivot = idx[(lo + hi) / 2]
            var i = lo, j = hi
            while i <= j {
                while before(idx[i], pivot, score) { i += 1 }
                while before(pivot, idx[j], score) { j -= 1 }
                if i <= j { idx.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return }
        }
    }
}
