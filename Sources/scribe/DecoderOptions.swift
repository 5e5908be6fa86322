import ArgumentParser
import Foundation
import ScribeCore
import ScribeDecode
import ScribeImage
import ScribeRecognition

extension PosteriorDomain: ExpressibleByArgument {}
extension DecoderKind: ExpressibleByArgument {}
extension LMUnit: ExpressibleByArgument {}
extension PruningPreset: ExpressibleByArgument {}

/// What posterior matrices from another system mean: `scribe decode` and `evaluate` on a
/// folder of posteriors. Trained models carry their own alphabet.
struct PosteriorOptions: ParsableArguments {
    @Option(help: "Alphabet file: the non-blank symbols in class order, one per line (a line with a single space is the space symbol). Trained models carry their own.")
    var alphabet: String?
    @Option(help: "Class index of the CTC blank (with --alphabet).")
    var blank: Int = 0
    @Option(help: "What the matrices hold: auto, logprob, prob or logits.")
    var input: PosteriorDomain = .auto

    /// The alphabet file's alphabet; `--alphabet` is required where no model supplies one.
    func readAlphabet() throws -> Alphabet {
        guard let alphabet else { throw ValidationError("--alphabet is required: give the file listing the non-blank symbols in class order") }
        return try Alphabet.read(alphabet, blank: blank)
    }
}

/// Decoder options shared by `scribe decode`, `evaluate`, `transcribe` and `bench`.
/// Options left out take the model's stored decoding defaults (or the library defaults
/// when there is no model), so each is optional here.
struct DecoderOptions: ParsableArguments {
    @Option(help: "greedy (best path) or beam (prefix beam search). (default: the model's setting, else beam)")
    var decoder: DecoderKind?
    @Option(help: "Beam width. (default: the model's setting, else 16)")
    var beam: Int?
    @Option(help: "Hypotheses to report per input with --format json (beam only).")
    var nBest: Int?
    @Option(help: "Beam pruning: fast (the default: pyctcdecode's token_min_logp −5 and beam_prune_logp −10, and frames with blank ≥ 0.999 skipped) or none.")
    var prune: PruningPreset?
    @Option(help: "Extend at most this many classes per frame (0: no limit).")
    var topK: Int?
    @Option(help: "ARPA language model (character or word n-grams). (default: the one a model ships with)")
    var lm: String?
    @Flag(help: "Decode without a language model (and lexicon), even one the model ships with.")
    var noLM = false
    @Option(help: "Unit of the --lm tokens: auto, char or word.")
    var lmUnit: LMUnit?
    @Option(help: "Language-model weight α. (default: the model's setting, else 0.5)")
    var alpha: Double?
    @Option(help: "Insertion bonus β per word (word LM) or per character (char LM). (default: the model's setting, else 1)")
    var beta: Double?
    @Option(help: "Natural-log penalty for a word outside the LM vocabulary, not scaled by α (pyctcdecode's unk_score_offset).")
    var unkPenalty: Double?
    @Option(help: "Lexicon file (one word per line): with a word LM, only these words may be output.")
    var lexicon: String?

    func validate() throws {
        if let beam, beam < 1 { throw ValidationError("--beam must be at least 1 (got \(beam))") }
        if let nBest, nBest < 1 { throw ValidationError("--n-best must be at least 1 (got \(nBest))") }
        if let topK, topK < 0 { throw ValidationError("--top-k must be 0 (no limit) or more") }
        if lexicon != nil && lm == nil { throw ValidationError("--lexicon needs a word LM given with --lm") }
        if noLM && lm != nil { throw ValidationError("--no-lm and --lm exclude each other") }
        if lm != nil && decoder == .greedy { throw ValidationError("--lm needs --decoder beam; greedy decoding cannot use a language model") }
    }

    /// `defaults` with every option the user gave applied on top.
    func settings(over defaults: DecodingSettings = DecodingSettings()) -> DecodingSettings {
        var s = defaults
        if let decoder { s.decoder = decoder }
        if let beam { s.beam = beam }
        if let nBest { s.nBest = nBest }
        if let prune { s.prune = prune }
        if let topK { s.topK = topK }
        if let lmUnit { s.lmUnit = lmUnit }
        if let alpha { s.alpha = alpha }
        if let beta { s.beta = beta }
        if let unkPenalty { s.unkPenalty = unkPenalty }
        // A language model only works with beam search, whatever the model's default.
        if lm != nil && decoder == nil { s.decoder = .beam }
        return s
    }

    /// A decoder for posteriors from any system (alphabet and domain from `posteriors`).
    func makeDecoder(posteriors: PosteriorOptions, wordTimings: Bool = true) throws -> CTCDecoder {
        try CTCDecoder(alphabet: posteriors.readAlphabet(), settings: settings(), lm: lm, lexicon: lexicon,
                       domain: posteriors.input, wordTimings: wordTimings)
    }

    /// A decoder for a trained model's outputs (its alphabet, decoding defaults and LM).
    /// `proposals` raises the beam's n-best to that many (capped at the beam width), for an
    /// `EnsembleDecoder` to rescore.
    func makeDecoder(for model: RecognitionModel, wordTimings: Bool = true, proposals: Int? = nil) throws -> CTCDecoder {
        var s = settings(over: model.decoding)
        if let proposals, s.decoder == .beam { s.nBest = max(s.nBest, min(proposals, s.beam)) }
        var languageModel = lm ?? (noLM ? nil : model.defaultLM)
        // The model's lexicon goes with the model's LM; an LM given here comes with its own (or none).
        var words = lexicon ?? (lm == nil && !noLM ? model.defaultLexicon : nil)
        // Greedy decoding asked for explicitly drops the model's LM rather than failing.
        if decoder == .greedy && lm == nil { languageModel = nil; words = nil }
        if noLM { s.lm = nil; s.lexicon = nil }
        return try CTCDecoder(alphabet: model.alphabet, settings: s, lm: languageModel, lexicon: words,
                              domain: .logprob, wordTimings: wordTimings)
    }
}

/// Model ensembles, for `scribe recognize`, `evaluate`, `bench recognize` and `model defaults`.
struct EnsembleOptions: ParsableArguments {
    @Option(help: "Combine --model with this model (repeatable; same alphabet): each proposes its best transcripts and the one the models find most likely together wins. (default: the ensemble the model ships with)")
    var ensemble: [String] = []
    @Flag(help: "Use --model alone, without the models it ships with.")
    var noEnsemble = false
    @Option(help: "Transcripts each model of an ensemble proposes (beam decoding; greedy proposes one). (default: the model's setting, else 8)")
    var proposals: Int?
    @Option(name: .customLong("view"), help: ArgumentHelp("Handwriting: also read each line distorted this way, e.g. x0.9 (width ×0.9), y0.9 (height), s5 (shear 5°), b1 (bolder strokes; b-1 thinner) or x1.1b1; repeatable. Every model reads every view and the readings are combined like an ensemble's: one more network pass per view, more accurate for some models and not others (measure on your validation split). (default: the views the model ships with)", valueName: "spec"))
    var views: [String] = []
    @Flag(help: "Read each line only as normalized, without the views the model ships with.")
    var noViews = false
    @Option(name: .customLong("trim-margins"), help: ArgumentHelp("Handwriting: before normalizing, cut each margin wider than ABOVE text heights to TO text heights (loosely cropped lines), or off. (default: the model's setting; the shipped digit-strings models use 0.5,0.2)", valueName: "ABOVE,TO|off"))
    var trimMargins: String?

    func validate() throws {
        if noEnsemble && !ensemble.isEmpty { throw ValidationError("--no-ensemble and --ensemble exclude each other") }
        if noViews && !views.isEmpty { throw ValidationError("--no-views and --view exclude each other") }
        if let proposals, !(1...1_000).contains(proposals) { throw ValidationError("--proposals must be between 1 and 1000 (got \(proposals))") }
        for spec in views {
            do { _ = try LineView(spec: spec) } catch let error as LineViewError { throw ValidationError("--view: \(error.description)") }
        }
        _ = try chosenTrim()
    }

    /// The margin trim --trim-margins asks for: `.some(nil)` for off, nil when not given.
    func chosenTrim() throws -> MarginTrim?? {
        guard let trimMargins else { return nil }
        guard let trim = MarginTrim.setting(trimMargins) else { throw ValidationError("--trim-margins: " + MarginTrim.invalid(trimMargins)) }
        return trim
    }

    /// The views given with --view, none with --no-views, else nil (the model's own).
    func chosenViews() throws -> [LineView]? {
        if noViews { return [] }
        return views.isEmpty ? nil : try views.map { try LineView(spec: $0) }
    }

    /// `model` and the models to combine it with: those given with --ensemble, else those it
    /// ships with (none with --no-ensemble); and the views (--view, else the model's).
    func members(of model: RecognitionModel) throws -> ModelEnsemble {
        let set = try storedOrChosenMembers(of: model)
        if let trim = try chosenTrim() {
            try Self.requireLines(model)
            set.members.forEach { $0.overrideMarginTrim(trim) }
        }
        return set
    }

    /// Refuses --trim-margins for a speech model.
    static func requireLines(_ model: RecognitionModel) throws {
        guard case .line = model.input else {
            throw ValidationError("--trim-margins: \(model.path) is a speech model; margins are trimmed from line images")
        }
    }

    private func storedOrChosenMembers(of model: RecognitionModel) throws -> ModelEnsemble {
        let views = try chosenViews() ?? model.decoding.lineViews(path: model.path)
        if noEnsemble { return try ModelEnsemble(primary: model, others: [], views: views) }
        if !ensemble.isEmpty {
            if let stored = model.decoding.ensemble, !stored.isEmpty {
                // Replacing is what a repeatable option does, but a user adding one model to a
                // shipped ensemble would silently read with a pair instead.
                printError("note: --ensemble replaces the \(stored.count) other model\(stored.count == 1 ? "" : "s") \(model.name) ships with (scribe model info \(model.name) lists them); to add to them, give them with --ensemble too")
            }
            return try ModelEnsemble(primary: model, others: ensemble.map { try ModelLocator.locate($0) }, views: views)
        }
        return try ModelEnsemble(storedWith: model, views: views)
    }

    /// The decoder for `models`: `decoding` over the primary's defaults; for an ensemble it
    /// proposes `proposals` transcripts per member.
    func makeDecoder(_ decoding: DecoderOptions, for models: ModelEnsemble, wordTimings: Bool) throws -> CTCDecoder {
        let count = models.isEnsemble ? proposals ?? models.primary.decoding.proposals : nil
        return try decoding.makeDecoder(for: models.primary, wordTimings: wordTimings, proposals: count)
    }
}
