import Foundation
import ScribeCore

/// CTC prefix beam search (Hannun et al., 2014, "First-Pass Large Vocabulary Continuous
/// Speech Recognition using Bi-Directional Recurrent DNNs", algorithm 1), in log space.
///
/// Every prefix keeps two acoustic log-probabilities: of all paths that spell it and end in
/// blank (`pB`) and of those ending in its last symbol (`pNB`). Per frame t with
/// log-probabilities y:
///
/// | move                       | goes to        | adds                       |
/// |----------------------------|----------------|----------------------------|
/// | blank                      | same prefix, pB  | (pB ⊕ pNB) + y[blank]    |
/// | repeat the last symbol l   | same prefix, pNB | pNB + y[l]               |
/// | symbol c ≠ l               | prefix + c, pNB  | (pB ⊕ pNB) + y[c]        |
/// | symbol c = l after a blank | prefix + c, pNB  | pB + y[c]                |
///
/// Prefixes are ranked by `(pB ⊕ pNB) + α·LM + β·units`, where the LM score of a prefix
/// comes from a `PrefixScorer`. The decoder reuses its storage between calls: use one
/// instance per thread.
public final class PrefixBeamSearch {
    /// The alphabet the posterior columns follow.
    public let alphabet: Alphabet
    /// Search options.
    public var options: BeamSearchOptions
    /// Optional language model / lexicon.
    public let scorer: PrefixScorer?

    private var tree = PrefixTree()
    // Beams (≤ beamWidth): node, log P(ending in blank), log P(ending in symbol).
    private var beamNode: [Int32] = []
    private var beamB: [Double] = []
    private var beamNB: [Double] = []
    // Candidates of the current frame, indexed through `slotOfNode`.
    private var slotOfNode: [Int32: Int] = [:]
    private var candNode: [Int32] = []
    private var candB: [Double] = []
    private var candNB: [Double] = []
    private var candScore: [Double] = []
    private var order: [Int] = []
    private var active: [Int] = []
    private var sortedClasses: [Int] = []

    public init(alphabet: Alphabet, options: BeamSearchOptions = BeamSearchOptions(), scorer: PrefixScorer? = nil) {
        precondition(options.beamWidth >= 1, "beam width must be at least 1")
        self.alphabet = alphabet
        self.options = options
        self.scorer = scorer
    }

    /// Decodes a frames × classes matrix of natural-log probabilities; returns up to
    /// `options.nBest` hypotheses, best first (at least one).
    public func decode(_ logProbs: FeatureMatrix) -> [Hypothesis] {
        precondition(logProbs.columns == alphabet.classCount,
                     "PrefixBeamSearch: \(logProbs.columns) columns for \(alphabet.classCount) classes")
        tree.reset(classCount: alphabet.classCount, rootState: scorer?.initialState ?? ScorerState(context: -1, word: 0))
        beamNode = [PrefixTree.root]; beamB = [0]; beamNB = [LogSpace.zero]
        logProbs.values.withUnsafeBufferPointer { values in
            for t in 0..<logProbs.rows {
                step(UnsafeBufferPointer(rebasing: values[(t * logProbs.columns)..<((t + 1) * logProbs.columns)]))
            }
        }
        return finish(logProbs)
    }

    // MARK: One frame

    private func step(_ y: UnsafeBufferPointer<Float>) {
        let blank = alphabet.blank
        let yBlank = Double(y[blank])
        if exp(yBlank) >= options.blankSkipProbability {
            for b in beamNode.indices {
                beamB[b] = LogSpace.logAdd(beamB[b], beamNB[b]) + yBlank
                beamNB[b] = LogSpace.zero
            }
            return
        }
        selectClasses(y)
        slotOfNode.removeAll(keepingCapacity: true)
        candNode.removeAll(keepingCapacity: true)
        candB.removeAll(keepingCapacity: true)
        candNB.removeAll(keepingCapacity: true)
        for b in beamNode.indices {
            let node = beamNode[b], pB = beamB[b], pNB = beamNB[b]
            let total = LogSpace.logAdd(pB, pNB)
            add(node, blankEnding: total + yBlank)
            let last = node == PrefixTree.root ? -1 : Int(tree.lastClass[Int(node)])
            if last >= 0 { add(node, symbolEnding: pNB + Double(y[last])) }
            for c in active {
                let child = tree.child(node, c, scorer: scorer)
                if child == PrefixTree.disallowed { continue }
                add(child, symbolEnding: (c == last ? pB : total) + Double(y[c]))
            }
        }
        prune()
    }

    /// Fills `active` with the non-blank classes this frame extends.
    private func selectClasses(_ y: UnsafeBufferPointer<Float>) {
        let blank = alphabet.blank
        active.removeAll(keepingCapacity: true)
        let limitK = options.topK > 0 ? options.topK : Int.max
        if limitK == Int.max && options.cumulativeProbability >= 1 {
            var best = -1
            for c in 0..<y.count where c != blank {
                if best < 0 || y[c] > y[best] { best = c }
                if Double(y[c]) >= options.minClassLogProb { active.append(c) }
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

    @inline(__always)
    private func slot(_ node: Int32) -> Int {
        if let s = slotOfNode[node] { return s }
        let s = candNode.count
        slotOfNode[node] = s
        candNode.append(node); candB.append(LogSpace.zero); candNB.append(LogSpace.zero)
        return s
    }

    @inline(__always)
    private func add(_ node: Int32, blankEnding p: Double) {
        let s = slot(node)
        candB[s] = LogSpace.logAdd(candB[s], p)
    }

    @inline(__always)
    private func add(_ node: Int32, symbolEnding p: Double) {
        let s = slot(node)
        candNB[s] = LogSpace.logAdd(candNB[s], p)
    }

    /// Keeps the best `beamWidth` candidates (and those within `scoreMargin` of the best).
    private func prune() {
        let alpha = options.alpha, beta = options.beta
        candScore.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        var best = -Double.infinity
        for s in candNode.indices {
            let n = Int(candNode[s])
            var score = LogSpace.logAdd(candB[s], candNB[s])
            if scorer != nil { score += alpha * tree.lmScore[n] + beta * Double(tree.units[n]) }
            candScore.append(score)
            best = max(best, score)
            order.append(s)
        }
        let floor = best - options.scoreMargin
        if order.count > options.beamWidth {
            order.sort { candScore[$0] > candScore[$1] || (candScore[$0] == candScore[$1] && $0 < $1) }
            order.removeLast(order.count - options.beamWidth)
        }
        beamNode.removeAll(keepingCapacity: true)
        beamB.removeAll(keepingCapacity: true)
        beamNB.removeAll(keepingCapacity: true)
        for s in order where candScore[s] >= floor {
            beamNode.append(candNode[s]); beamB.append(candB[s]); beamNB.append(candNB[s])
        }
    }

    // MARK: End of utterance

    private func finish(_ logProbs: FeatureMatrix) -> [Hypothesis] {
        struct Final { var node: Int32; var acoustic: Double; var lm: Double; var units: Int; var total: Double; var allowed: Bool }
        var finals: [Final] = []
        for b in beamNode.indices {
            let n = Int(beamNode[b])
            let acoustic = LogSpace.logAdd(beamB[b], beamNB[b])
            var lm = tree.lmScore[n], units = Int(tree.units[n]), allowed = true
            if let scorer {
                if let step = scorer.finish(tree.state[n]) { lm += step.logProb; units += step.units } else { allowed = false }
            }
            let total = scorer == nil ? acoustic : acoustic + options.alpha * lm + options.beta * Double(units)
            finals.append(Final(node: beamNode[b], acoustic: acoustic, lm: lm, units: units, total: total, allowed: allowed))
        }
        if finals.contains(where: \.allowed) { finals.removeAll { !$0.allowed } }
        finals.sort { $0.total > $1.total }
        let aligner = ForcedAligner(alphabet: alphabet)
        return finals.prefix(max(1, options.nBest)).map { f in
            let labels = tree.labels(of: f.node)
            let alignment = try? aligner.align(labels: labels, to: logProbs)
            return Hypothesis(labels: labels, text: alphabet.text(of: labels), acousticScore: f.acoustic,
                              lmScore: scorer == nil ? 0 : f.lm, lmUnits: scorer == nil ? 0 : f.units, totalScore: f.total,
                              tokens: alignment?.tokens ?? [], words: alignment?.words ?? [],
                              confidence: alignment.map { logProbs.rows > 0 ? exp($0.pathScore / Double(logProbs.rows)) : 1 } ?? 0)
        }
    }
}
