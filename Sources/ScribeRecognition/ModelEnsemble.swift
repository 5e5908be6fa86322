import Foundation
import ScribeDecode
import ScribeImage

/// A model and the models its decoding combines it with: the first member is the model
/// named on the command line (its alphabet, decoding defaults and, for lines, the character
/// positions come from it); the others come from `--ensemble` or from the model's stored
/// `DecodingSettings.ensemble`. Loaded once; threads make their own readers from it.
public final class ModelEnsemble: @unchecked Sendable {
    /// The models, the named one first.
    public let members: [RecognitionModel]

    /// The primary model.
    public var primary: RecognitionModel { members[0] }

    /// Distortions of each normalized line that every member reads besides the line itself
    /// (handwriting models only).
    public let views: [LineView]

    /// `primary` and the models at `others` (paths); each must share the primary's alphabet
    /// and read the same kind of input. `views` (handwriting only) are read by every member.
    public init(primary: RecognitionModel, others: [String], views: [LineView] = []) throws {
        if !views.isEmpty, case .audio = primary.input {
            throw RecognitionError.unsuitableInput(path: primary.path, reason: "views distort line images; a speech model reads audio. Leave out --view")
        }
        self.views = views
        var members = [primary]
        for path in others {
            let model = try RecognitionModel(path: path)
            guard model.alphabet == primary.alphabet else {
                throw RecognitionError.unsuitableInput(path: path, reason: Self.alphabetMismatch(model.alphabet, primary.alphabet, primary: primary.path))
            }
            switch (model.input, primary.input) {
            case (.line, .line), (.audio, .audio): break
            default:
                throw RecognitionError.badModel(path: path, reason: "it reads another kind of input than \(primary.path); an ensemble combines handwriting models or speech models, not both")
            }
            members.append(model)
        }
        self.members = members
    }

    /// Why a member's alphabet cannot join the primary's, naming the symbols that differ.
    static func alphabetMismatch(_ member: Alphabet, _ primary: Alphabet, primary path: String) -> String {
        let quoted = { (symbols: [String]) in symbols.prefix(8).map { "\"\($0)\"" }.joined(separator: " ") + (symbols.count > 8 ? " …" : "") }
        let mine = Set(member.symbols), theirs = Set(primary.symbols)
        let extra = member.symbols.filter { !theirs.contains($0) }, missing = primary.symbols.filter { !mine.contains($0) }
        var what = "its alphabet (\(member.symbols.count) symbols) differs from that of \(path) (\(primary.symbols.count))"
        if !missing.isEmpty { what += "; it lacks \(quoted(missing))" }
        if !extra.isEmpty { what += "; only it has \(quoted(extra))" }
        if missing.isEmpty && extra.isEmpty { what += ": the same symbols in another order" }
        return what + ". Members of an ensemble must write the same symbols in the same order: train them on the same manifests, or give each training config the same `data.alphabet` file."
    }

    /// The primary model and the ensemble its decoding defaults name; `views` nil takes the
    /// views the defaults name.
    public convenience init(storedWith primary: RecognitionModel, views: [LineView]? = nil) throws {
        let others = (primary.decoding.ensemble ?? []).compactMap { primary.resolve($0) }
        for path in others where !FileManager.default.isReadableFile(atPath: path) {
            throw RecognitionError.unsuitableInput(path: primary.path, reason: "the model is stored with the ensemble member \(path), which cannot be read; put it back beside the model, or read with --no-ensemble")
        }
        try self.init(primary: primary, others: others, views: views ?? primary.decoding.lineViews(path: primary.path))
    }

    /// Whether decoding combines several readings of an input (several models, or views).
    public var isEnsemble: Bool { members.count > 1 || !views.isEmpty }

    /// A line reader for one thread: each member's recognizer, the views, and `decoder`
    /// (which should propose several transcripts per reading when there are several) for
    /// the combination.
    public func makeLineReader(decoder: CTCDecoder, maxPixels: Int = 100_000_000) throws -> LineReader {
        try LineReader(recognizers: members.map { try $0.makeLineRecognizer() }, views: views, decoder: decoder, maxPixels: maxPixels)
    }
}
