/// One emitted symbol with the frames it covers.
public struct DecodedToken: Equatable, Sendable {
    /// Class index in the posterior matrix.
    public var classIndex: Int
    /// The alphabet symbol.
    public var symbol: String
    /// First frame of the symbol.
    public var startFrame: Int
    /// One past the last frame of the symbol.
    public var endFrame: Int
    /// Geometric mean of the symbol's per-frame probabilities, in (0, 1].
    public var confidence: Double
}

/// A word (a run of non-space symbols) with its frame span.
public struct DecodedWord: Equatable, Sendable {
    /// The word's text.
    public var text: String
    /// First frame of the word's first symbol.
    public var startFrame: Int
    /// One past the last frame of the word's last symbol.
    public var endFrame: Int
    /// Geometric mean of the word's symbols' confidences.
    public var confidence: Double

    /// Start time in seconds for frames `frameSeconds` apart.
    public func startTime(frameSeconds: Double) -> Double { Double(startFrame) * frameSeconds }
    /// End time in seconds for frames `frameSeconds` apart.
    public func endTime(frameSeconds: Double) -> Double { Double(endFrame) * frameSeconds }
}

/// A decoding result. Scores are natural logs:
/// `totalScore = acousticScore + alpha · lmScore + beta · lmUnits + penalty`.
public struct Hypothesis: Equatable, Sendable {
    /// Label sequence (class indices, no blanks).
    public var labels: [Int]
    /// The text the labels spell.
    public var text: String
    /// Acoustic score: log P(labels | posteriors) summed over all CTC paths for beam search,
    /// the best path's log-probability for greedy decoding.
    public var acousticScore: Double
    /// Language-model log-probability (natural log, unweighted), 0 without a language model.
    public var lmScore: Double
    /// Units the insertion bonus counts (words for a word LM, symbols for a character LM).
    public var lmUnits: Int
    /// Unweighted penalties, such as the unknown-word penalty of `WordLMScorer`.
    public var penalty: Double = 0
    /// The score the decoder ranked by.
    public var totalScore: Double
    /// Symbols with frame spans and confidences.
    public var tokens: [DecodedToken]
    /// Words with frame spans.
    public var words: [DecodedWord]
    /// Utterance confidence: geometric mean of the per-frame probabilities of the chosen path.
    public var confidence: Double
}
