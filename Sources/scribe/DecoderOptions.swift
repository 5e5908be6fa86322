import ArgumentParser
import Foundation
import ScribeCore
import ScribeDecode

extension PosteriorDomain: ExpressibleByArgument {}

/// Which CTC decoder to run.
enum DecoderKind: String, ExpressibleByArgument, CaseIterable {
    case greedy, beam
}

/// Whether an LM's tokens are characters or words.
enum LMUnit: String, ExpressibleByArgument, CaseIterable {
    /// Character LM if the vocabulary holds `<space>`, word LM otherwise.
    case auto
    case char
    case word
}

/// Pruning presets for beam search.
enum PruningPreset: String, ExpressibleByArgument, CaseIterable {
    /// No pruning beyond the beam width.
    case none
    /// Skip classes below log-probability −10 and frames whose blank probability is ≥ 0.999.
    case fast
}

/// Decoder options shared by `scribe decode`, `scribe evaluate` and `scribe bench decode`.
struct DecoderOptions: ParsableArguments {
    @Option(help: "Alphabet file: the non-blank symbols in class order, one per line (a line with a single space is the space symbol).")
    var alphabet: String
    @Option(help: "Class index of the CTC blank.")
    var blank: Int = 0
    @Option(help: "What the matrices hold: auto, logprob, prob or logits.")
    var input: PosteriorDomain = .auto
    @Option(help: "greedy (best path) or beam (prefix beam search).")
    var decoder: DecoderKind = .beam
    @Option(help: "Beam width.")
    var beam: Int = 16
    @Option(help: "Hypotheses to report per input with --format json (beam only).")
    var nBest: Int = 1
    @Option(help: "Beam pruning: none, or fast (skip classes below log-prob −10 and frames with blank ≥ 0.999).")
    var prune: PruningPreset = .fast
    @Option(help: "Extend at most this many classes per frame (0: no limit).")
    var topK: Int = 0
    @Option(help: "ARPA language model (character or word n-grams).")
    var lm: String?
    @Option(help: "Unit of the --lm tokens: auto, char or word.")
    var lmUnit: LMUnit = .auto
    @Option(help: "Language-model weight α.")
    var alpha: Double = 0.5
    @Option(help: "Insertion bonus β per word (word LM) or per character (char LM).")
    var beta: Double = 1.0
    @Option(help: "Natural-log penalty for a word outside the LM vocabulary, not scaled by α (pyctcdecode's unk_score_offset).")
    var unkPenalty: Double = WordLMScorer.defaultUnknownWordPenalty
    @Option(help: "Lexicon file (one word per line): with a word LM, only these words may be output.")
    var lexicon: String?
    @Option(help: "Seconds between frames, for word times in JSON output.")
    var frameSeconds: Double = 0.02

    func validate() throws {
        if beam < 1 { throw ValidationError("--beam must be at least 1") }
        if nBest < 1 { throw ValidationError("--n-best must be at least 1") }
        if topK < 0 { throw ValidationError("--top-k must be 0 (no limit) or more") }
        if lexicon != nil && lm == nil { throw ValidationError("--lexicon needs a word LM given with --lm") }
        if lm != nil && decoder == .greedy { throw ValidationError("--lm needs --decoder beam; greedy decoding cannot use a language model") }
    }

    /// Builds the decoder these options describe; `wordTimings` asks the beam search to align
    /// its hypotheses for token and word times (needed by JSON output, not by plain text).
    func makeDecoder(wordTimings: Bool = true) throws -> CTCDecoder {
        let alphabet = try Alphabet.read(self.alphabet, blank: blank)
        var options = prune == .fast ? BeamSearchOptions.fast(beamWidth: beam) : .exact(beamWidth: beam)
        options.wordTimings = wordTimings
        options.nBest = nBest
        options.topK = topK
        options.alpha = alpha
        options.beta = beta
        var scorer: PrefixScorer?
        if let lm {
            let model = try ARPAReader.read(lm)
            let isChar = lmUnit == .char || (lmUnit == .auto && model.wordId(CharacterLMScorer.spaceToken) != nil)
            if isChar {
                if lexicon != nil { throw ValidationError("--lexicon works with word LMs; \(lm) is a character LM") }
                scorer = CharacterLMScorer(model: model, alphabet: alphabet)
            } else if let lexicon {
                let words = try LexiconTrie.read(lexicon, alphabet: alphabet).words
                scorer = WordLMScorer(model: model, alphabet: alphabet, lexicon: words, constrained: true, unknownWordPenalty: unkPenalty)
            } else {
                scorer = WordLMScorer(model: model, alphabet: alphabet, unknownWordPenalty: unkPenalty)
            }
        }
        return CTCDecoder(alphabet: alphabet, kind: decoder, options: options, scorer: scorer, domain: input)
    }
}

/// A configured decoder: posteriors in, hypotheses out. Not thread-safe; `copy()` one per thread.
final class CTCDecoder {
    let alphabet: Alphabet
    let kind: DecoderKind
    let options: BeamSearchOptions
    let scorer: PrefixScorer?
    let domain: PosteriorDomain
    private lazy var beam = PrefixBeamSearch(alphabet: alphabet, options: options, scorer: scorer)

    init(alphabet: Alphabet, kind: DecoderKind, options: BeamSearchOptions, scorer: PrefixScorer?, domain: PosteriorDomain) {
        self.alphabet = alphabet
        self.kind = kind
        self.options = options
        self.scorer = scorer
        self.domain = domain
    }

    /// A decoder with the same settings and its own scratch storage.
    func copy() -> CTCDecoder {
        CTCDecoder(alphabet: alphabet, kind: kind, options: options, scorer: scorer, domain: domain)
    }

    /// Decodes a posterior matrix (in `domain`); `path` names it in errors.
    func decode(_ matrix: FeatureMatrix, path: String) throws -> [Hypothesis] {
        let logProbs = try Posteriors.logProbabilities(matrix, classCount: alphabet.classCount, domain: domain, path: path)
        switch kind {
        case .greedy: return [GreedyDecoder(alphabet: alphabet).decode(logProbs)]
        case .beam: return beam.decode(logProbs)
        }
    }
}
