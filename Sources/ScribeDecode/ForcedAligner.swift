import Foundation
import ScribeCore

/// The best CTC path of a known label sequence: Viterbi over the trellis of the labels with
/// blanks between them (states `blank l1 blank l2 … blank`).
public struct ForcedAlignment: Equatable, Sendable {
    /// The aligned symbols with their frame spans and confidences, in transcript order.
    public var tokens: [DecodedToken]
    /// Words (runs of non-space symbols) with frame spans.
    public var words: [DecodedWord]
    /// Log-probability of the best path.
    public var pathScore: Double
    /// Per frame, the index in `tokens` of the symbol emitted, or -1 for blank.
    public var frameTokens: [Int]
}

/// Viterbi forced alignment of transcripts to CTC log-probabilities.
public struct ForcedAligner: Sendable {
    /// The alphabet the posterior columns follow.
    public let alphabet: Alphabet

    public init(alphabet: Alphabet) { self.alphabet = alphabet }

    /// Aligns `text` (spelled with the alphabet) to a frames × classes log-probability matrix.
    public func align(_ text: String, to logProbs: FeatureMatrix) throws -> ForcedAlignment {
        try align(labels: alphabet.labels(for: text), to: logProbs)
    }

    /// Aligns a label sequence (class indices, no blanks). Throws if the matrix has too few
    /// frames: each label needs one frame and each repeated pair a blank between.
    public func align(labels: [Int], to logProbs: FeatureMatrix) throws -> ForcedAlignment {
        precondition(logProbs.columns == alphabet.classCount, "ForcedAligner: column count differs from the alphabet")
        let frames = logProbs.rows
        var needed = labels.count
        for i in labels.indices.dropFirst() where labels[i] == labels[i - 1] { needed += 1 }
        guard needed <= frames else {
            throw DecodeError.alignment(reason: "the transcript needs at least \(needed) frames (one per symbol plus a blank between repeats) but the posteriors have \(frames)")
        }
        if labels.isEmpty {
            var score = 0.0
            for t in 0..<frames { score += Double(logProbs[t, alphabet.blank]) }
            return ForcedAlignment(tokens: [], words: [], pathScore: score, frameTokens: Array(repeating: -1, count: frames))
        }
        let states = Self.viterbi(labels: labels, logProbs: logProbs, blank: alphabet.blank)
        return summarize(labels: labels, states: states.path, score: states.score, logProbs: logProbs)
    }

    /// The best state sequence through `blank l1 blank … lL blank`; state `s` emits
    /// `labels[(s - 1) / 2]` when odd and blank when even.
    static func viterbi(labels: [Int], logProbs: FeatureMatrix, blank: Int) -> (path: [Int], score: Double) {
        let T = logProbs.rows, C = logProbs.columns, S = 2 * labels.count + 1
        var previous = [Double](repeating: LogSpace.zero, count: S)
        var current = previous
        var back = [UInt8](repeating: 0, count: T * S) // 0 stay, 1 from s-1, 2 from s-2
        logProbs.values.withUnsafeBufferPointer { lp in
            previous[0] = Double(lp[blank])
            previous[1] = Double(lp[labels[0]])
            for t in 1..<max(T, 1) {
                let row = t * C
                for s in 0..<S {
                    let emit = Double(lp[row + (s % 2 == 0 ? blank : labels[s / 2])])
                    var best = previous[s], from: UInt8 = 0
                    if s >= 1 && previous[s - 1] > best { best = previous[s - 1]; from = 1 }
                    if s >= 2 && s % 2 == 1 && labels[s / 2] != labels[s / 2 - 1] && previous[s - 2] > best {
                        best = previous[s - 2]; from = 2
                    }
                    current[s] = best + emit
                    back[t * S + s] = from
                }
                swap(&previous, &current)
            }
        }
        var s = S >= 2 && previous[S - 2] > previous[S - 1] ? S - 2 : S - 1
        let score = previous[s]
        var path = [Int](repeating: 0, count: T)
        for t in stride(from: T - 1, through: 0, by: -1) {
            path[t] = s
            if t > 0 { s -= Int(back[t * S + s]) }
        }
        return (path, score)
    }

    /// Turns a state path into tokens and words.
    func summarize(labels: [Int], states: [Int], score: Double, logProbs: FeatureMatrix) -> ForcedAlignment {
        var start = [Int](repeating: -1, count: labels.count)
        var end = [Int](repeating: 0, count: labels.count)
        var sum = [Double](repeating: 0, count: labels.count)
        var frameTokens = [Int](repeating: -1, count: states.count)
        for (t, s) in states.enumerated() where s % 2 == 1 {
            let i = s / 2
            if start[i] < 0 { start[i] = t }
            end[i] = t + 1
            sum[i] += Double(logProbs[t, labels[i]])
            frameTokens[t] = i
        }
        let tokens = labels.indices.map { i in
            DecodedToken(classIndex: labels[i], symbol: alphabet.symbol(ofClass: labels[i]), startFrame: start[i],
                         endFrame: end[i], confidence: exp(sum[i] / Double(end[i] - start[i])))
        }
        return ForcedAlignment(tokens: tokens, words: WordGrouping.words(of: tokens, alphabet: alphabet),
                               pathScore: score, frameTokens: frameTokens)
    }
}
