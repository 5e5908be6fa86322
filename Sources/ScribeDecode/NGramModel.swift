import Foundation
import ScribeCore

/// A back-off n-gram language model as stored in an ARPA file.
///
/// Every n-gram gets an integer id; ids `0..<vocabulary.count` are the unigrams. An LM
/// *state* is the id of the longest stored history (at most `order − 1` words) that the
/// next word is scored against, or `-1` for the empty history. Scores are base-10 logs as
/// in the file; `score` converts to natural logs.
public struct NGramModel: Sendable {
    /// Highest order.
    public let order: Int
    /// Words in unigram order; a word's index is its unigram id.
    public let vocabulary: [String]
    /// Number of n-grams of each order (index 0 is order 1).
    public let counts: [Int]
    let wordIds: [String: Int32]
    /// Per n-gram: base-10 log-probability, base-10 log back-off weight, order, and the id
    /// of its longest stored proper suffix (-1 if none).
    let log10Prob: [Float]
    let log10Backoff: [Float]
    let ngramOrder: [UInt8]
    let suffix: [Int32]
    /// (history id + 1) · vocabulary size + word → n-gram id, for orders ≥ 2.
    let table: [Int64: Int32]

    /// Base-10 log-probability charged for a word missing from the vocabulary when the model
    /// has no `<unk>` unigram (KenLM's convention is −100).
    public static let missingUnknownLog10Prob: Float = -100

    init(order: Int, vocabulary: [String], counts: [Int], log10Prob: [Float], log10Backoff: [Float],
         ngramOrder: [UInt8], suffix: [Int32], table: [Int64: Int32]) {
        self.order = order
        self.vocabulary = vocabulary
        self.counts = counts
        var ids: [String: Int32] = [:]
        for (i, w) in vocabulary.enumerated() { ids[w] = Int32(i) }
        self.wordIds = ids
        self.log10Prob = log10Prob
        self.log10Backoff = log10Backoff
        self.ngramOrder = ngramOrder
        self.suffix = suffix
        self.table = table
    }

    /// The id of `word`, or nil if it is not in the vocabulary.
    public func wordId(_ word: String) -> Int32? { wordIds[word] }

    /// The unknown-word id (`<unk>`), if the model has one.
    public var unknownId: Int32? { wordIds["<unk>"] }

    /// The state after the sentence-start token `<s>` (the empty history if absent).
    public var sentenceStartState: Int32 { wordIds["<s>"] ?? -1 }

    /// The id of the n-gram `history · word`, if stored.
    @inline(__always)
    func lookup(history: Int32, word: Int32) -> Int32? {
        if history < 0 { return word }
        return table[(Int64(history) + 1) * Int64(vocabulary.count) + Int64(word)]
    }

    /// Scores `word` (a vocabulary id, or -1 for an out-of-vocabulary word) after `state`.
    /// Returns the natural-log probability and the next state.
    public func score(state: Int32, word: Int32) -> (logProb: Double, state: Int32) {
        let w = word >= 0 ? word : (unknownId ?? -1)
        guard w >= 0 else { return (Double(Self.missingUnknownLog10Prob) * LogSpace.ln10, -1) }
        var history = state
        var backoff: Float = 0
        while true {
            if let id = lookup(history: history, word: w) {
                let next = Int(ngramOrder[Int(id)]) < order ? id : suffix[Int(id)]
                return (Double(backoff + log10Prob[Int(id)]) * LogSpace.ln10, next)
            }
            // history < 0 always finds the unigram, so this loop ends.
            backoff += log10Backoff[Int(history)]
            history = suffix[Int(history)]
        }
    }

    /// Scores `word` by its text; words missing from the vocabulary score as `<unk>`.
    public func score(state: Int32, word: String) -> (logProb: Double, state: Int32) {
        score(state: state, word: wordIds[word] ?? -1)
    }

    /// The natural-log probability of a whole sentence (words scored after `<s>`, then `</s>`).
    public func sentenceLogProb(_ words: [String]) -> (logProb: Double, oovs: Int) {
        var state = sentenceStartState
        var total = 0.0
        var oovs = 0
        for w in words + ["</s>"] {
            if wordIds[w] == nil { oovs += 1 }
            let (lp, next) = score(state: state, word: w)
            total += lp
            state = next
        }
        return (total, oovs)
    }
}
