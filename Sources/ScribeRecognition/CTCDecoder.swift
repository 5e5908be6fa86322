import Foundation
import ScribeCore
import ScribeDecode
import ScribeImage

/// Which CTC decoder to run.
public enum DecoderKind: String, Codable, CaseIterable, Sendable {
    case greedy, beam
}

/// Whether an LM's tokens are characters or words.
public enum LMUnit: String, Codable, CaseIterable, Sendable {
    /// Character LM if the vocabulary holds `<space>`, word LM otherwise.
    case auto
    case char
    case word
}

/// Pruning presets for beam search.
public enum PruningPreset: String, Codable, CaseIterable, Sendable {
    /// No pruning beyond the beam width.
    case none
    /// pyctcdecode's defaults: skip classes below log-probability −5 and prefixes more than
    /// 10 below the best, and frames whose blank probability is ≥ 0.999.
    case fast
}

/// Every decoding setting in one documented value; a model file stores its best settings
/// as `scribe.decoding` so that `transcribe` uses them unless told otherwise.
public struct DecodingSettings: Codable, Equatable, Sendable {
    /// greedy (best path) or beam (prefix beam search).
    public var decoder: DecoderKind = .beam
    /// Beam width.
    public var beam: Int = 16
    /// Beam pruning preset.
    public var prune: PruningPreset = .fast
    /// Extend at most this many classes per frame (0: no limit).
    public var topK: Int = 0
    /// Hypotheses to keep per input.
    public var nBest: Int = 1
    /// Language-model weight α.
    public var alpha: Double = 0.5
    /// Insertion bonus β per word (word LM) or per character (char LM).
    public var beta: Double = 1.0
    /// Natural-log penalty for a word outside the LM vocabulary, not scaled by α.
    public var unkPenalty: Double = WordLMScorer.defaultUnknownWordPenalty
    /// Unit of the LM's tokens.
    public var lmUnit: LMUnit = .auto
    /// An ARPA language model shipped with a model, as a path relative to the model file's
    /// folder (nil: none).
    public var lm: String?
    /// A lexicon shipped with a model (one word per line; with a word LM only these words
    /// may be output), relative to the model file's folder (nil: none).
    public var lexicon: String?
    /// Other models whose outputs are combined with this model's (`EnsembleDecoder`), as
    /// paths relative to the model file's folder (nil: none).
    public var ensemble: [String]?
    /// With an ensemble: transcripts each member's beam search proposes for rescoring.
    public var proposals: Int = 8
    /// Handwriting: `LineView` specs of distortions each member also reads every line as
    /// (test-time augmentation; nil: none).
    public var views: [String]?

    public init() {}

    /// The parsed `views`; `path` (the model file) names the file in errors.
    public func lineViews(path: String) throws -> [LineView] {
        do { return try (views ?? []).map { try LineView(spec: $0) } } catch let error as LineViewError {
            throw RecognitionError.badModel(path: path, reason: "its stored decoding defaults hold an invalid \(error.description)")
        }
    }

    enum CodingKeys: String, CodingKey {
        case decoder, beam, prune, topK = "top_k", nBest = "n_best", alpha, beta, unkPenalty = "unk_penalty", lmUnit = "lm_unit", lm, lexicon, ensemble, proposals, views
    }

    /// Missing keys take their defaults, so a model file may store only what it changes.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DecodingSettings()
        self.decoder = try c.decodeIfPresent(DecoderKind.self, forKey: .decoder) ?? d.decoder
        beam = try c.decodeIfPresent(Int.self, forKey: .beam) ?? d.beam
        prune = try c.decodeIfPresent(PruningPreset.self, forKey: .prune) ?? d.prune
        topK = try c.decodeIfPresent(Int.self, forKey: .topK) ?? d.topK
        nBest = try c.decodeIfPresent(Int.self, forKey: .nBest) ?? d.nBest
        alpha = try c.decodeIfPresent(Double.self, forKey: .alpha) ?? d.alpha
        beta = try c.decodeIfPresent(Double.self, forKey: .beta) ?? d.beta
        unkPenalty = try c.decodeIfPresent(Double.self, forKey: .unkPenalty) ?? d.unkPenalty
        lmUnit = try c.decodeIfPresent(LMUnit.self, forKey: .lmUnit) ?? d.lmUnit
        lm = try c.decodeIfPresent(String.self, forKey: .lm)
        lexicon = try c.decodeIfPresent(String.self, forKey: .lexicon)
        ensemble = try c.decodeIfPresent([String].self, forKey: .ensemble)
        proposals = try c.decodeIfPresent(Int.self, forKey: .proposals) ?? d.proposals
        views = try c.decodeIfPresent([String].self, forKey: .views)
    }

    /// Checks the ranges, naming the option.
    public func validate() throws {
        func fail(_ m: String) throws -> Never { throw DecodeError.invalidOption(m) }
        if beam < 1 || beam > 100_000 { try fail("--beam must be between 1 and 100000 (got \(beam))") }
        if nBest < 1 || nBest > beam && decoder == .beam { try fail("--n-best must be between 1 and the beam width \(beam) (got \(nBest))") }
        if topK < 0 { try fail("--top-k must be 0 (no limit) or more (got \(topK))") }
        if proposals < 1 || proposals > 1_000 { try fail("--proposals must be between 1 and 1000 (got \(proposals))") }
        if !alpha.isFinite || !beta.isFinite || !unkPenalty.isFinite { try fail("--alpha, --beta and --unk-penalty must be finite numbers") }
    }

    /// JSON text for a model file.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// A configured decoder: posteriors in, hypotheses out. Not thread-safe; `copy()` one per thread.
public final class CTCDecoder {
    public let alphabet: Alphabet
    public let settings: DecodingSettings
    public let options: BeamSearchOptions
    public let scorer: PrefixScorer?
    public let domain: PosteriorDomain
    private lazy var beam = PrefixBeamSearch(alphabet: alphabet, options: options, scorer: scorer)

    /// A decoder for `alphabet` with `settings`; `lm` is an ARPA file (characters or words),
    /// `lexicon` a word list that constrains a word LM. `wordTimings` asks the beam search to
    /// align its hypotheses for token and word times (JSON and subtitles need them).
    public init(alphabet: Alphabet, settings: DecodingSettings, lm: String? = nil, lexicon: String? = nil,
                domain: PosteriorDomain = .logprob, wordTimings: Bool = true) throws {
        try settings.validate()
        if lexicon != nil && lm == nil { throw DecodeError.invalidOption("--lexicon needs a word LM given with --lm") }
        if lm != nil && settings.decoder == .greedy {
            throw DecodeError.invalidOption("--lm needs --decoder beam; greedy decoding cannot use a language model")
        }
        var options = settings.prune == .fast ? BeamSearchOptions.fast(beamWidth: settings.beam) : .exact(beamWidth: settings.beam)
        options.wordTimings = wordTimings
        options.nBest = settings.nBest
        options.topK = settings.topK
        options.alpha = settings.alpha
        options.beta = settings.beta
        var scorer: PrefixScorer?
        if let lm {
            let model = try ARPAReader.read(lm)
            let isChar = settings.lmUnit == .char || (settings.lmUnit == .auto && model.wordId(CharacterLMScorer.spaceToken) != nil)
            if isChar {
                if lexicon != nil { throw DecodeError.invalidOption("--lexicon works with word LMs; \(lm) is a character LM") }
                scorer = CharacterLMScorer(model: model, alphabet: alphabet)
            } else if let lexicon {
                let words = try LexiconTrie.read(lexicon, alphabet: alphabet).words
                scorer = WordLMScorer(model: model, alphabet: alphabet, lexicon: words, constrained: true, unknownWordPenalty: settings.unkPenalty)
            } else {
                scorer = WordLMScorer(model: model, alphabet: alphabet, unknownWordPenalty: settings.unkPenalty)
            }
        }
        self.alphabet = alphabet
        self.settings = settings
        self.options = options
        self.scorer = scorer
        self.domain = domain
    }

    private init(copying other: CTCDecoder) {
        alphabet = other.alphabet
        settings = other.settings
        options = other.options
        scorer = other.scorer
        domain = other.domain
    }

    /// A decoder with the same settings and its own scratch storage.
    public func copy() -> CTCDecoder { CTCDecoder(copying: self) }

    /// Decodes a posterior matrix (in `domain`); `path` names it in errors.
    public func decode(_ matrix: FeatureMatrix, path: String) throws -> [Hypothesis] {
        let logProbs = try Posteriors.logProbabilities(matrix, classCount: alphabet.classCount, domain: domain, path: path)
        switch settings.decoder {
        case .greedy: return [GreedyDecoder(alphabet: alphabet).decode(logProbs)]
        case .beam: return beam.decode(logProbs)
        }
    }
}
