import Foundation

/// The state a `PrefixScorer` keeps per prefix: an LM history and a position in the word
/// being spelled (a trie node, or a negative marker).
public struct ScorerState: Hashable, Sendable {
    /// Language-model state (`NGramModel` history id, -1 for none).
    public var context: Int32
    /// Position within the current word (scorer-specific).
    public var word: Int32

    public init(context: Int32, word: Int32) {
        self.context = context
        self.word = word
    }
}

/// What a language model says about one more symbol.
public struct ScorerStep: Sendable {
    /// The state after the symbol.
    public var state: ScorerState
    /// Natural-log LM probability charged for the symbol (unweighted).
    public var logProb: Double
    /// Units the insertion bonus β counts for the symbol (words or characters completed).
    public var units: Int
    /// Natural-log penalty added to the total unweighted by α (pyctcdecode's
    /// `unk_score_offset`), e.g. when a word leaves the vocabulary. Usually 0.
    public var penalty: Double

    public init(state: ScorerState, logProb: Double, units: Int, penalty: Double = 0) {
        self.state = state
        self.logProb = logProb
        self.units = units
        self.penalty = penalty
    }
}

/// Scores prefixes symbol by symbol for beam search. Scores depend only on the prefix, so
/// the decoder computes each prefix's score once and caches it in its prefix tree.
/// In the style of pyctcdecode's `score(state, word) -> (score, state)`.
public protocol PrefixScorer: Sendable {
    /// The state of the empty prefix.
    var initialState: ScorerState { get }
    /// Scores appending non-blank class `c`; nil if the symbol is not allowed (lexicon).
    func extend(_ state: ScorerState, with c: Int) -> ScorerStep?
    /// Scores ending the utterance (a pending word, then `</s>`); nil if not allowed.
    func finish(_ state: ScorerState) -> ScorerStep?
}

/// A character n-gram LM: every symbol is an LM token; the space symbol is `<space>`.
/// The insertion bonus counts symbols.
public struct CharacterLMScorer: PrefixScorer {
    /// The LM token that stands for the space symbol.
    public static let spaceToken = "<space>"
    let model: NGramModel
    let tokenOfClass: [Int32]

    /// Maps `alphabet`'s classes onto `model`'s vocabulary.
    public init(model: NGramModel, alphabet: Alphabet) {
        self.model = model
        tokenOfClass = (0..<alphabet.classCount).map { c in
            guard c != alphabet.blank else { return -1 }
            let s = alphabet.symbol(ofClass: c)
            return model.wordId(s == " " ? Self.spaceToken : s) ?? -1
        }
    }

    public var initialState: ScorerState { ScorerState(context: model.sentenceStartState, word: 0) }

    public func extend(_ state: ScorerState, with c: Int) -> ScorerStep? {
        let (lp, next) = model.score(state: state.context, word: tokenOfClass[c])
        return ScorerStep(state: ScorerState(context: next, word: 0), logProb: lp, units: 1)
    }

    public func finish(_ state: ScorerState) -> ScorerStep? {
        let (lp, next) = model.score(state: state.context, word: "</s>")
        return ScorerStep(state: ScorerState(context: next, word: 0), logProb: lp, units: 0)
    }
}

/// A word n-gram LM applied at word boundaries (the space symbol and the utterance end).
///
/// The partial word is tracked in a trie of the LM's vocabulary (or of a lexicon). While it
/// can still become a known word it costs nothing; the moment it cannot, it is charged the
/// `<unk>` score at once (so hopeless prefixes fall out of the beam early) and nothing more
/// when it ends, plus `unknownWordPenalty` unweighted by α (as pyctcdecode's
/// `unk_score_offset` does), so that gluing two known words into one unknown word does not
/// pay off. With `constrained`, words outside the trie are not allowed at all.
/// The insertion bonus counts words.
public struct WordLMScorer: PrefixScorer {
    let model: NGramModel
    let trie: LexiconTrie
    let spaceClass: Int?
    let constrained: Bool
    /// Natural-log penalty for a word outside the vocabulary, not scaled by α.
    public let unknownWordPenalty: Double
    /// pyctcdecode's default `unk_score_offset`.
    public static let defaultUnknownWordPenalty = -10.0
    /// `ScorerState.word` of a partial word already charged as `<unk>`.
    static let outOfVocabulary: Int32 = -1
    /// Trie word id of a lexicon word missing from the LM vocabulary.
    static let knownButNotInLM: Int32 = -2

    /// Word LM over `model`'s vocabulary; with `lexicon`, only the lexicon's words are known,
    /// and with `constrained` only they are allowed.
    public init(model: NGramModel, alphabet: Alphabet, lexicon: [String]? = nil, constrained: Bool = false,
                unknownWordPenalty: Double = WordLMScorer.defaultUnknownWordPenalty) {
        self.model = model
        self.unknownWordPenalty = unknownWordPenalty
        let special: Set<String> = ["<s>", "</s>", "<unk>"]
        let words = lexicon ?? model.vocabulary.filter { !special.contains($0) }
        // A lexicon word the LM lacks is a word all the same: it scores as <unk>.
        trie = LexiconTrie(words: words, alphabet: alphabet, wordId: { model.wordId($0) ?? Self.knownButNotInLM })
        spaceClass = alphabet.spaceClass
        self.constrained = constrained && lexicon != nil
    }

    public var initialState: ScorerState { ScorerState(context: model.sentenceStartState, word: 0) }

    public func extend(_ state: ScorerState, with c: Int) -> ScorerStep? {
        if c == spaceClass { return endWord(state) }
        if state.word == Self.outOfVocabulary {
            return ScorerStep(state: state, logProb: 0, units: 0)
        }
        if let next = trie.child(state.word, c) {
            return ScorerStep(state: ScorerState(context: state.context, word: next), logProb: 0, units: 0)
        }
        if constrained { return nil }
        let (lp, context) = model.score(state: state.context, word: -1)
        return ScorerStep(state: ScorerState(context: context, word: Self.outOfVocabulary), logProb: lp, units: 1,
                          penalty: unknownWordPenalty)
    }

    public func finish(_ state: ScorerState) -> ScorerStep? {
        guard var step = endWord(state) else { return nil }
        let (lp, context) = model.score(state: step.state.context, word: "</s>")
        step.logProb += lp
        step.state.context = context
        return step
    }

    /// Scores the pending word, if any, and returns to the word start.
    func endWord(_ state: ScorerState) -> ScorerStep? {
        if state.word == 0 || state.word == Self.outOfVocabulary {
            return ScorerStep(state: ScorerState(context: state.context, word: 0), logProb: 0, units: 0)
        }
        let id = trie.wordId(at: state.word)
        if id == -1 && constrained { return nil }
        let (lp, context) = model.score(state: state.context, word: id >= 0 ? id : -1)
        // A prefix of a known word that ends here is not a word: it is unknown after all.
        let penalty = id == -1 ? unknownWordPenalty : 0
        return ScorerStep(state: ScorerState(context: context, word: 0), logProb: lp, units: 1, penalty: penalty)
    }
}
