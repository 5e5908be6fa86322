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
/// Prefixes are ranked by `(pB ⊕ pNB) + α·LM + β·units + penalty`, where the LM score of a prefix
/// comes from a `PrefixScorer`. The decoder reuses its storage between calls: use one
/// instance per thread.
public final class PrefixBeamSearch {
    /// The alphabet the posterior columns follow.
    public let alphabet: Alphabet
    /// Search options.
    public var options: BeamSearchOptions
    /// Optional language model / lexicon.
    public let scorer: PrefixScorer?

    private var work = BeamWorkspace()

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
        var w = BeamWorkspace()
        swap(&w, &work) // a local value: no exclusivity checks in the loop, storage reused
        defer { swap(&w, &work) }
        w.reset(classCount: alphabet.classCount, rootState: scorer?.initialState ?? ScorerState(context: -1, word: 0))
        let blank = alphabet.blank, options = self.options, scorer = self.scorer
        logProbs.values.withUnsafeBufferPointer { values in
            for t in 0..<logProbs.rows {
                w.step(UnsafeBufferPointer(rebasing: values[(t * logProbs.columns)..<((t + 1) * logProbs.columns)]),
                       blank: blank, options: options, scorer: scorer)
            }
        }
        return finish(logProbs, w)
    }

    // MARK: End of utterance

    /// `exp(logProb / frames)`, capped at 1; 0 when there is no score (an impossible alignment).
    public static func confidence(_ logProb: Double?, frames: Int) -> Double {
        guard let logProb else { return 0 }
        return frames > 0 ? min(1, exp(logProb / Double(frames))) : 1
    }

    private func finish(_ logProbs: FeatureMatrix, _ w: BeamWorkspace) -> [Hypothesis] {
        struct Final { var node: Int32; var acoustic: Double; var lm: Double; var units: Int; var penalty: Double; var total: Double; var allowed: Bool }
        var finals: [Final] = []
        let tree = w.tree
        for b in w.beamNode.indices {
            let n = Int(w.beamNode[b])
            let acoustic = LogSpace.logAdd(w.beamB[b], w.beamNB[b])
            var lm = tree.lmScore[n], units = Int(tree.units[n]), penalty = tree.penalty[n], allowed = true
            if let scorer {
                if let step = scorer.finish(tree.state[n]) {
                    lm += step.logProb; units += step.units; penalty += step.penalty
                } else { allowed = false }
            }
            let total = scorer == nil ? acoustic : acoustic + options.alpha * lm + options.beta * Double(units) + penalty
            finals.append(Final(node: w.beamNode[b], acoustic: acoustic, lm: lm, units: units, penalty: penalty, total: total, allowed: allowed))
        }
        if finals.contains(where: \.allowed) { finals.removeAll { !$0.allowed } }
        finals.sort { $0.total > $1.total }
        let aligner = ForcedAligner(alphabet: alphabet)
        return finals.prefix(max(1, options.nBest)).map { f in
            let labels = tree.labels(of: f.node)
            let alignment = options.wordTimings ? try? aligner.align(labels: labels, to: logProbs) : nil
            return Hypothesis(labels: labels, text: alphabet.text(of: labels), acousticScore: f.acoustic,
                              lmScore: scorer == nil ? 0 : f.lm, lmUnits: scorer == nil ? 0 : f.units, penalty: f.penalty, totalScore: f.total,
                              tokens: alignment?.tokens ?? [], words: alignment?.words ?? [],
                              confidence: Self.confidence(alignment?.pathScore ?? (options.wordTimings ? nil : f.acoustic), frames: logProbs.rows))
        }
    }
}
