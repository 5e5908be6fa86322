import Foundation
import ScribeCore

/// Best-path CTC decoding: the most likely class per frame, repeats merged, blanks dropped.
///
/// Repeats merge only when adjacent: "l", blank, "l" gives "ll" while "l", "l" gives "l".
public struct GreedyDecoder: Sendable {
    /// The alphabet the posterior columns follow.
    public let alphabet: Alphabet

    public init(alphabet: Alphabet) { self.alphabet = alphabet }

    /// Decodes a frames × classes matrix of natural-log probabilities.
    public func decode(_ logProbs: FeatureMatrix) -> Hypothesis {
        precondition(logProbs.columns == alphabet.classCount,
                     "GreedyDecoder: \(logProbs.columns) columns for \(alphabet.classCount) classes")
        let path = Self.bestPath(logProbs)
        let blank = alphabet.blank
        var tokens: [DecodedToken] = []
        var pathScore = 0.0
        var t = 0
        while t < path.count {
            let c = path[t].0
            var end = t
            var runLog = 0.0
            while end < path.count && path[end].0 == c {
                runLog += Double(path[end].1); end += 1
            }
            pathScore += runLog
            if c != blank {
                tokens.append(DecodedToken(classIndex: c, symbol: alphabet.symbol(ofClass: c), startFrame: t,
                                           endFrame: end, confidence: exp(runLog / Double(end - t))))
            }
            t = end
        }
        let labels = tokens.map(\.classIndex)
        return Hypothesis(labels: labels, text: alphabet.text(of: labels), acousticScore: pathScore,
                          lmScore: 0, lmUnits: 0, penalty: 0, totalScore: pathScore, tokens: tokens,
                          words: WordGrouping.words(of: tokens, alphabet: alphabet),
                          confidence: path.isEmpty ? 1 : exp(pathScore / Double(path.count)))
    }

    /// The argmax class and its log-probability for every frame (ties go to the lower class).
    static func bestPath(_ m: FeatureMatrix) -> [(Int, Float)] {
        var out: [(Int, Float)] = []
        out.reserveCapacity(m.rows)
        m.values.withUnsafeBufferPointer { v in
            for r in 0..<m.rows {
                let row = v.baseAddress! + r * m.columns
                var best = 0
                var bestValue = row[0]
                for c in 1..<m.columns where row[c] > bestValue { best = c; bestValue = row[c] }
                out.append((best, bestValue))
            }
        }
        return out
    }
}
