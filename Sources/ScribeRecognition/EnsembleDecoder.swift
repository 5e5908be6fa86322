import Foundation
import ScribeCore
import ScribeDecode

/// Decodes the outputs of several networks trained for the same alphabet as one.
///
/// Averaging the members' posteriors frame by frame does not work for CTC: networks trained
/// apart emit a symbol on different frames, and the mean of two offset peaks loses to the
/// blank. Instead each member's decoder proposes its n best transcripts, and every proposal
/// is scored by its exact CTC log-likelihood under every member (`CTCLikelihood`, the sum
/// over all alignments, so the members need not agree on where a symbol is, nor on the
/// number of frames). The transcript with the highest
/// `mean over members of log P(y | x_m) + α·LM(y) + β·units(y) + penalty(y)` wins: a product
/// of the members' likelihoods, scaled to one member so that α and β keep their meaning.
/// Not thread-safe: `copy()` one per thread.
public final class EnsembleDecoder {
    /// Proposes transcripts; its `nBest` is the number of proposals per member.
    public let proposer: CTCDecoder

    /// `proposer` decodes each member's posteriors into proposals (ask it for several with
    /// `DecodingSettings.nBest`; greedy decoding proposes one per member). When it was made
    /// with word timings, the winner is aligned to the first member's frames for symbol
    /// positions and confidences.
    public init(proposer: CTCDecoder) {
        self.proposer = proposer
    }

    /// A decoder with the same settings and its own scratch storage.
    public func copy() -> EnsembleDecoder { EnsembleDecoder(proposer: proposer.copy()) }

    /// The best transcript for the members' log-probabilities (frames × classes each, in the
    /// proposer's domain); `path` names the input in errors.
    public func decode(_ members: [FeatureMatrix], path: String) throws -> Hypothesis {
        precondition(!members.isEmpty, "EnsembleDecoder: no member outputs")
        let alphabet = proposer.alphabet
        let logProbs = try members.map {
            try Posteriors.logProbabilities($0, classCount: alphabet.classCount, domain: proposer.domain, path: path)
        }
        var proposals: [[Int]: Hypothesis] = [:]
        for m in logProbs {
            for h in try proposer.decode(m, path: path) where proposals[h.labels] == nil { proposals[h.labels] = h }
        }
        let hasLM = proposer.scorer != nil
        let scorers = logProbs.map { CTCLikelihood.Scorer(logProbs: $0) }
        var best: (hypothesis: Hypothesis, acoustic: Double, total: Double)?
        for h in proposals.values {
            var acoustic = 0.0
            for m in scorers { acoustic += m.logLikelihood(labels: h.labels, blank: alphabet.blank) }
            acoustic /= Double(scorers.count)
            let total = hasLM ? acoustic + proposer.options.alpha * h.lmScore + proposer.options.beta * Double(h.lmUnits) + h.penalty : acoustic
            // Ties (two impossible proposals, or equal scores) go to the shorter, then the
            // lexically smaller label sequence, so the result does not depend on hashing.
            if let b = best, !(total > b.total || total == b.total && Self.precedes(h.labels, b.hypothesis.labels)) { continue }
            best = (h, acoustic, total)
        }
        guard let (chosen, acoustic, total) = best else { preconditionFailure("a decoder proposes at least one hypothesis") }
        var winner = chosen
        winner.acousticScore = acoustic
        winner.totalScore = total
        let alignment = proposer.options.wordTimings ? try? ForcedAligner(alphabet: alphabet).align(labels: winner.labels, to: logProbs[0]) : nil
        winner.tokens = alignment?.tokens ?? []
        winner.words = alignment?.words ?? []
        winner.confidence = PrefixBeamSearch.confidence(alignment?.pathScore ?? acoustic, frames: logProbs[0].rows)
        return winner
    }

    static func precedes(_ a: [Int], _ b: [Int]) -> Bool {
        a.count != b.count ? a.count < b.count : a.lexicographicallyPrecedes(b)
    }
}
