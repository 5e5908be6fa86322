import Foundation

/// Everything `scribe score` and `scribe evaluate` report: per unit, the pooled counts, a
/// bootstrap interval and, with a second system, the paired comparison.
public struct ScoreReport: Sendable {
    /// One scored unit (characters or words).
    public struct Section: Sendable {
        public var score: CorpusScore
        public var interval: ConfidenceInterval
        /// Second system scored on the same references, with the paired bootstrap.
        public var comparison: (score: CorpusScore, paired: PairedComparison)?
    }

    public var referencePath: String
    public var hypothesisPath: String
    public var comparisonPath: String?
    public var sections: [Section]

    /// Scores `pairs` in every unit of `units`; `comparison` are the second system's pairs
    /// (same ids and references, in the same order).
    public static func make(pairs: [UtterancePair], comparison: [UtterancePair]? = nil, units: [ScoringUnit],
                            normalization: TextNormalization = TextNormalization(), referencePath: String,
                            hypothesisPath: String, comparisonPath: String? = nil,
                            resamples: Int = 1000, seed: UInt64 = 1) -> ScoreReport {
        let sections = units.map { unit -> Section in
            let score = Scoring.score(pairs, unit: unit, normalization: normalization)
            let interval = Bootstrap.interval(errors: score.errorCounts, referenceLengths: score.referenceLengths,
                                              resamples: resamples, seed: seed)
            var section = Section(score: score, interval: interval, comparison: nil)
            if let comparison {
                let other = Scoring.score(comparison, unit: unit, normalization: normalization)
                let paired = Bootstrap.paired(errorsA: score.errorCounts, errorsB: other.errorCounts,
                                              referenceLengths: score.referenceLengths, resamples: resamples, seed: seed)
                section.comparison = (other, paired)
            }
            return section
        }
        return ScoreReport(referencePath: referencePath, hypothesisPath: hypothesisPath,
                           comparisonPath: comparisonPath, sections: sections)
    }
}

// MARK: - sclite-style alignment lines

/// REF, HYP and EVAL lines of one alignment, as sclite prints them: errors upper-cased,
/// gaps as asterisks, columns padded to the wider unit.
public struct AlignmentLines: Equatable, Sendable {
    public var reference: String
    public var hypothesis: String
    public var markers: String

    public init(_ u: UtteranceScore, unit: ScoringUnit) {
        var ref: [String] = [], hyp: [String] = [], eval: [String] = []
        for step in u.alignment.steps {
            var r = step.refIndex >= 0 ? u.reference[step.refIndex] : ""
            var h = step.hypIndex >= 0 ? u.hypothesis[step.hypIndex] : ""
            if step.operation != .hit { r = r.uppercased(); h = h.uppercased() }
            if unit == .char { r = r == " " ? "_" : r; h = h == " " ? "_" : h }
            let width = max(r.count, h.count, 1)
            if r.isEmpty { r = String(repeating: "*", count: width) }
            if h.isEmpty { h = String(repeating: "*", count: width) }
            ref.append(r.padding(toLength: width, withPad: " ", startingAt: 0))
            hyp.append(h.padding(toLength: width, withPad: " ", startingAt: 0))
            eval.append(step.operation.marker.padding(toLength: width, withPad: " ", startingAt: 0))
        }
        let sep = unit == .word ? " " : ""
        reference = ref.joined(separator: sep)
        hypothesis = hyp.joined(separator: sep)
        markers = eval.joined(separator: sep)
    }
}
