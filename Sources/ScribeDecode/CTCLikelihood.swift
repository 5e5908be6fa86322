import Foundation
import ScribeCore

/// The exact CTC log-likelihood log P(labels | posteriors), summed over every path that
/// spells the labels: the forward algorithm of Graves et al. (2006) over the states
/// `blank l1 blank l2 … lL blank`, in log space and double precision.
///
/// Unlike the beam search's acoustic score, which only sums the paths its beam kept, this
/// does not depend on what was pruned, so it can rescore any proposal: `EnsembleDecoder`
/// scores the proposals of several networks under each of them, with `Scorer`, the same
/// recursion on rescaled probabilities, for which this one is the oracle.
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

extension CTCLikelihood {
    /// Scores many label sequences against one network's output, as fast as the forward
    /// algorithm allows: the log-probabilities are exponentiated once (to double precision),
    /// and each score runs the recursion on probabilities, rescaling every frame to sum to
    /// one and keeping the log of the scale (Rabiner's scaling): one logarithm per frame
    /// instead of a `log1p` and an `exp` per state and frame.
    ///
    /// `logLikelihood(labels:logProbs:blank:)`, in log space, is its oracle and its fallback:
    /// when a frame's total falls below `Scorer.smallestTotal`, where products of tiny
    /// probabilities could lose digits, the label sequence is scored in log space instead.
    public struct Scorer: Sendable {
        /// The network's output, frames × classes natural-log probabilities.
        public let logProbs: FeatureMatrix
        /// probabilities (frames, classes): exp of `logProbs`.
        private let probabilities: [Double]

        /// A frame total below this hands the sequence to the log-space recursion.
        public static let smallestTotal = 1e-280

        public init(logProbs: FeatureMatrix) {
            self.logProbs = logProbs
            probabilities = logProbs.values.map { exp(Double($0)) }
        }

        /// log P(labels | logProbs): equal to `CTCLikelihood.logLikelihood` within rounding.
        public func logLikelihood(labels: [Int], blank: Int) -> Double {
            let T = logProbs.rows, C = logProbs.columns, S = 2 * labels.count + 1
            guard T > 0 else { return labels.isEmpty ? 0 : LogSpace.zero }
            let scaled = probabilities.withUnsafeBufferPointer { p in
                Self.scaledForward(labels: labels, p: p.baseAddress!, frames: T, classes: C, states: S, blank: blank)
            }
            return scaled ?? CTCLikelihood.logLikelihood(labels: labels, logProbs: logProbs, blank: blank)
        }

        /// The rescaled forward pass; nil when a frame's total is too small to trust.
        private static func scaledForward(labels: [Int], p: UnsafePointer<Double>, frames T: Int, classes C: Int,
                                          states S: Int, blank: Int) -> Double? {
            // alpha: (S) probabilities of the prefixes of the state sequence ending in state s,
            // divided by the product of the frame totals so far (logScale is its log).
            var previous = [Double](repeating: 0, count: S)
            var current = previous
            previous[0] = p[blank]
            if S > 1 { previous[1] = p[labels[0]] }
            var total = S > 1 ? previous[0] + previous[1] : previous[0]
            guard total >= smallestTotal else { return nil }
            previous[0] /= total
            if S > 1 { previous[1] /= total }
            var logScale = log(total)
            for t in 1..<T {
                let row = p + t * C
                // The same reachable window of states as the log-space recursion.
                let first = max(0, S - 2 * (T - t) - 1), last = min(S - 1, 2 * t + 1)
                if first > last { return LogSpace.zero }
                for s in 0..<first { current[s] = 0 }
                total = 0
                for s in first...last {
                    var sum = previous[s]
                    if s >= 1 { sum += previous[s - 1] }
                    let isBlank = s % 2 == 0
                    if !isBlank && s >= 2 && labels[s / 2] != labels[s / 2 - 1] { sum += previous[s - 2] }
                    let value = sum * row[isBlank ? blank : labels[s / 2]]
                    current[s] = value
                    total += value
                }
                if last + 1 < S { for s in (last + 1)..<S { current[s] = 0 } }
                guard total >= smallestTotal else { return nil }
                let inverse = 1 / total
                for s in first...last { current[s] *= inverse }
                logScale += log(total)
                swap(&previous, &current)
            }
            let end = S == 1 ? previous[0] : previous[S - 1] + previous[S - 2]
            guard end >= smallestTotal else { return nil }
            return log(end) + logScale
        }
    }
}
