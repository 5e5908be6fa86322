import Foundation
import ScribeCore

/// A reference and a hypothesis for one utterance.
public struct UtterancePair: Equatable, Sendable {
    /// Utterance id (the line number for plain text files).
    public var id: String
    public var reference: String
    public var hypothesis: String

    public init(id: String, reference: String, hypothesis: String) {
        self.id = id
        self.reference = reference
        self.hypothesis = hypothesis
    }
}

/// The alignment of one utterance.
public struct UtteranceScore: Sendable {
    public var id: String
    /// Reference units.
    public var reference: [String]
    /// Hypothesis units.
    public var hypothesis: [String]
    public var alignment: EditAlignment

    /// Errors (S + D + I).
    public var errors: Int { alignment.errors }
    /// Errors per reference unit. Policy for an empty reference: 0 if the hypothesis is
    /// empty too, otherwise the number of insertions (as if the reference had one unit).
    public var rate: Double { Double(errors) / Double(max(reference.count, 1)) }
}

/// Error counts pooled over a corpus: rates are total errors / total reference units, so
/// long utterances weigh more, as in sclite and jiwer. An empty reference adds its
/// insertions to the errors and nothing to the reference count; a corpus with no reference
/// units has rate 0 without errors and +∞ with errors.
public struct CorpusScore: Sendable {
    public var unit: ScoringUnit
    public var utterances: [UtteranceScore]
    public var hits = 0
    public var substitutions = 0
    public var deletions = 0
    public var insertions = 0

    /// S + D + I.
    public var errors: Int { substitutions + deletions + insertions }
    /// Reference units: H + S + D.
    public var referenceUnits: Int { hits + substitutions + deletions }
    /// Hypothesis units: H + S + I.
    public var hypothesisUnits: Int { hits + substitutions + insertions }
    /// The pooled error rate (CER or WER).
    public var errorRate: Double {
        referenceUnits > 0 ? Double(errors) / Double(referenceUnits) : (errors == 0 ? 0 : .infinity)
    }
    /// Utterances with at least one error.
    public var utterancesWithErrors: Int { utterances.reduce(0) { $0 + ($1.errors > 0 ? 1 : 0) } }
    /// Sentence error rate: the fraction of utterances with at least one error.
    public var sentenceErrorRate: Double {
        utterances.isEmpty ? 0 : Double(utterancesWithErrors) / Double(utterances.count)
    }

    /// Utterance indices, most errors per reference unit first (ties: more errors first,
    /// then corpus order).
    public func worstFirst() -> [Int] {
        utterances.indices.sorted { a, b in
            let ra = utterances[a].rate, rb = utterances[b].rate
            if ra != rb { return ra > rb }
            if utterances[a].errors != utterances[b].errors { return utterances[a].errors > utterances[b].errors }
            return a < b
        }
    }

    /// Substitution pairs (reference unit → hypothesis unit) by frequency, most frequent
    /// first (ties in alphabetical order).
    public func confusions(limit: Int = 20) -> [(reference: String, hypothesis: String, count: Int)] {
        var counts: [String: (String, String, Int)] = [:]
        for u in utterances {
            for step in u.alignment.steps where step.operation == .substitution {
                let r = u.reference[step.refIndex], h = u.hypothesis[step.hypIndex]
                counts[r + "\u{1}" + h, default: (r, h, 0)].2 += 1
            }
        }
        return counts.values.sorted { a, b in
            a.2 != b.2 ? a.2 > b.2 : (a.0 != b.0 ? a.0 < b.0 : a.1 < b.1)
        }.prefix(limit).map { (reference: $0.0, hypothesis: $0.1, count: $0.2) }
    }

    /// Per-utterance errors and reference lengths, for the bootstrap.
    public var errorCounts: [Int] { utterances.map(\.errors) }
    public var referenceLengths: [Int] { utterances.map { $0.reference.count } }
}

/// Scores pairs of transcripts.
public enum Scoring {
    /// Aligns every pair (in parallel on `threads` threads) and pools the counts.
    public static func score(_ pairs: [UtterancePair], unit: ScoringUnit,
                             normalization: TextNormalization = TextNormalization(),
                             threads: Int = Workers.availableCores) -> CorpusScore {
        var slots = [UtteranceScore?](repeating: nil, count: pairs.count)
        slots.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress! // each chunk writes only its own indices
            Workers.forEachChunk(count: pairs.count, threads: pairs.count < 64 ? 1 : threads) { range, _ in
                for i in range { (base + i).pointee = scoreOne(pairs[i], unit: unit, normalization: normalization) }
            }
        }
        var corpus = CorpusScore(unit: unit, utterances: slots.map { $0! })
        for u in corpus.utterances {
            corpus.hits += u.alignment.hits
            corpus.substitutions += u.alignment.substitutions
            corpus.deletions += u.alignment.deletions
            corpus.insertions += u.alignment.insertions
        }
        return corpus
    }

    /// Aligns one pair.
    public static func scoreOne(_ pair: UtterancePair, unit: ScoringUnit,
                                normalization: TextNormalization = TextNormalization()) -> UtteranceScore {
        let u = Units.unitsAndIds(normalization.apply(pair.reference), normalization.apply(pair.hypothesis), unit: unit)
        return UtteranceScore(id: pair.id, reference: u.ref, hypothesis: u.hyp, alignment: Levenshtein.align(u.refIds, u.hypIds))
    }
}
