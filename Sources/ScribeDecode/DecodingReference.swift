import Foundation
import ScribeCore

/// Plain, slow reference implementations that the fast decoders are tested against.
public enum DecodingReference {
    /// log P(labels | logProbs): the CTC forward algorithm summed over all paths.
    public static func logLikelihood(labels: [Int], logProbs: FeatureMatrix, blank: Int) -> Double {
        let T = logProbs.rows, S = 2 * labels.count + 1
        guard T > 0 else { return labels.isEmpty ? 0 : LogSpace.zero }
        func symbol(_ s: Int) -> Int { s % 2 == 0 ? blank : labels[s / 2] }
        var alpha = [Double](repeating: LogSpace.zero, count: S)
        alpha[0] = Double(logProbs[0, blank])
        if S > 1 { alpha[1] = Double(logProbs[0, labels[0]]) }
        for t in 1..<T {
            var next = [Double](repeating: LogSpace.zero, count: S)
            for s in 0..<S {
                var a = alpha[s]
                if s >= 1 { a = LogSpace.logAdd(a, alpha[s - 1]) }
                if s >= 2 && s % 2 == 1 && labels[s / 2] != labels[s / 2 - 1] { a = LogSpace.logAdd(a, alpha[s - 2]) }
                next[s] = a + Double(logProbs[t, symbol(s)])
            }
            alpha = next
        }
        return S > 1 ? LogSpace.logAdd(alpha[S - 1], alpha[S - 2]) : alpha[0]
    }

    /// Every label sequence of length ≤ `maxLength` over the non-blank classes, scored as
    /// beam search scores it (acoustic + α·LM + β·units + penalty, the LM's `finish` included), best
    /// first. Exponential: for tiny alphabets and frame counts only.
    public static func exhaustive(logProbs: FeatureMatrix, alphabet: Alphabet, scorer: PrefixScorer? = nil,
                                  alpha: Double = 0, beta: Double = 0, maxLength: Int? = nil) -> [(labels: [Int], acoustic: Double, lm: Double, total: Double)] {
        let classes = (0..<alphabet.classCount).filter { $0 != alphabet.blank }
        let limit = maxLength ?? logProbs.rows
        var results: [(labels: [Int], acoustic: Double, lm: Double, total: Double)] = []
        func visit(_ labels: [Int], _ state: ScorerState?, _ lm: Double, _ units: Int, _ penalty: Double) {
            let acoustic = logLikelihood(labels: labels, logProbs: logProbs, blank: alphabet.blank)
            if acoustic > LogSpace.zero {
                var finalLM = lm, finalUnits = units, finalPenalty = penalty, allowed = true
                if let scorer, let state {
                    if let step = scorer.finish(state) {
                        finalLM += step.logProb; finalUnits += step.units; finalPenalty += step.penalty
                    } else { allowed = false }
                }
                if allowed {
                    results.append((labels, acoustic, finalLM, acoustic + alpha * finalLM + beta * Double(finalUnits) + finalPenalty))
                }
            }
            guard labels.count < limit else { return }
            for c in classes {
                if let scorer, let state {
                    guard let step = scorer.extend(state, with: c) else { continue }
                    visit(labels + [c], step.state, lm + step.logProb, units + step.units, penalty + step.penalty)
                } else {
                    visit(labels + [c], nil, 0, 0, 0)
                }
            }
        }
        visit([], scorer?.initialState, 0, 0, 0)
        return results.sorted { $0.total > $1.total }
    }
}
