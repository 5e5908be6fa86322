import Foundation
import ScribeCore

/// The exact CTC log-likelihood log P(labels | posteriors), summed over every path that
/// spells the labels: the forward algorithm of Graves et al. (2006) over the states
/// `blank l1 blank l2 … lL blank`, in log space and double precision.
///
/// Unlike the beam search's acoustic score, which only sums the paths its beam kept, this
/// does not depend on what was pruned, so it can rescore any proposal: `EnsembleDecoder`
/// scores the proposals of several networks under each of them.
public enum CTCLikelihood {
    /// log P(labels | logProbs) for a frames × classes matrix of natural-log probabilities;
    /// `LogSpace.zero` when the labels need more frames than there are.
    public static func logLikelihood(labels: [Int], logProbs: FeatureMatrix, blank: Int) -> Double {
        let T = logProbs.rows, C = logProbs.columns, S = 2 * labels.count + 1
        guard T > 0 else { return labels.isEmpty ? 0 : LogSpace.zero }
        // alpha: (S) log-probabilities of the prefixes of the state sequence ending in state s.
        var previous = [Double](repeating: LogSpace.zero, count: S)
        var current = previous
        return logProbs.values.withUnsafeBufferPointer { lp -> Double in
            previous[0] = Double(lp[blank])
            if S > 1 { previous[1] = Double(lp[labels[0]]) }
            for t in 1..<T {
                let row = t * C
                // States before S - 2(T - t) cannot reach the end any more; states beyond
                // 2t + 1 are not reached yet. Both stay zero without being visited.
                let first = max(0, S - 2 * (T - t) - 1), last = min(S - 1, 2 * t + 1)
                if first > last { return LogSpace.zero } // too few frames for the labels
                for s in 0..<first { current[s] = LogSpace.zero }
                for s in first...last {
                    let isBlank = s % 2 == 0
                    var sum = previous[s]
                    if s >= 1 { sum = LogSpace.logAdd(sum, previous[s - 1]) }
                    if !isBlank && s >= 2 && labels[s / 2] != labels[s / 2 - 1] { sum = LogSpace.logAdd(sum, previous[s - 2]) }
                    current[s] = sum == LogSpace.zero ? sum : sum + Double(lp[row + (isBlank ? blank : labels[s / 2])])
                }
                if last + 1 < S { for s in (last + 1)..<S { current[s] = LogSpace.zero } }
                swap(&previous, &current)
            }
            return S == 1 ? previous[0] : LogSpace.logAdd(previous[S - 1], previous[S - 2])
        }
    }
}
