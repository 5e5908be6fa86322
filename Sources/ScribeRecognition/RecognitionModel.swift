import Foundation
import ScribeAudio
import ScribeCore
import ScribeDecode
import ScribeHTR
import ScribeImage
import ScribeNN

/// What a model reads: audio through a speech front end, or line images through a line
/// front end. Stored as the model file's `scribe.front_end` JSON, told apart by its "type".
public enum ModelInput: Equatable, Sendable {
    case audio(SpeechFrontEnd)
    case line(LineFrontEnd)

    /// Values per network step.
    public var inputSize: Int {
        switch self {
        case .audio(let f): return f.inputSize
        case .line(let f): return f.inputSize
        }
    }

    /// "audio" or "image".
    public var kind: String {
        if case .line = self { return "image" }
        return "audio"
    }

    /// JSON text for the model file.
    public func json() throws -> String {
        switch self {
        case .audio(let f): return try f.json()
        case .line(let f): return try f.json()
        }
    }

    /// Reads the JSON stored in a model file; `source` names it in errors.
    public static func decode(json: String, source: String) throws -> ModelInput {
        struct Kind: Decodable { var type: String? }
        let kind = (try? JSONDecoder().decode(Kind.self, from: Data(json.utf8)))?.type ?? "audio"
        guard kind == "image" else { return .audio(try SpeechFrontEnd.decode(json: json, source: source)) }
        do {
            let f = try JSONDecoder().decode(LineFrontEnd.self, from: Data(json.utf8))
            try f.validate()
            return .line(f)
        } catch {
            throw RecognitionError.badModel(path: source, reason: "scribe.front_end is not a valid line front end (\(error))")
        }
    }
}

/// A trained speech model loaded from its file: the network's weights, the alphabet, the
/// front end and the decoding defaults. It is shared by all threads; each thread makes its
/// own `SpeechRecognizer` (layers keep per-call caches), whose network shares the weights.
public final class RecognitionModel: @unchecked Sendable {
    /// The file the model came from.
    public let path: String
    /// What the model file says about itself.
    public let file: ModelFile
    /// Output symbols with the blank.
    public let alphabet: Alphabet
    /// The input side: audio features or line normalization.
    public private(set) var input: ModelInput
    /// The decoding settings the model was tuned with.
    public let decoding: DecodingSettings
    /// Parameter values by name, shared (copy-on-write) by every network instance.
    private let weights: [String: Tensor]

    /// Loads and checks the model at `path`.
    public init(path: String) throws {
        let loaded = try ModelFile.load(path: path)
        self.path = path
        file = loaded.model
        alphabet = try Self.alphabet(of: loaded.model, source: path)
        input = try ModelInput.decode(json: loaded.model.frontEnd, source: path)
        guard input.inputSize == loaded.model.inputSize else {
            throw RecognitionError.badModel(path: path, reason: "the front end gives \(input.inputSize) values per step but the network takes \(loaded.model.inputSize)")
        }
        do { decoding = try JSONDecoder().decode(DecodingSettings.self, from: Data(loaded.model.decoding.utf8)) } catch {
            throw RecognitionError.badModel(path: path, reason: "scribe.decoding is not valid decoding settings (\(error))")
        }
        weights = Dictionary(uniqueKeysWithValues: loaded.network.namedParameters().map { ($0.name, $0.parameter.value) })
    }

    /// The decoder-side alphabet of a model file (symbols without the blank, blank index kept).
    public static func alphabet(of model: ModelFile, source: String) throws -> Alphabet {
        var symbols = model.alphabet
        symbols.remove(at: model.blank)
        guard !symbols.contains(where: \.isEmpty) else {
            throw RecognitionError.badModel(path: source, reason: "scribe.alphabet holds an empty symbol")
        }
        return Alphabet(symbols: symbols, blank: model.blank)
    }

    /// A short name: the file's stem, or its folder's name for `model.safetensors`.
    public var name: String {
        let url = URL(fileURLWithPath: path)
        let stem = url.deletingPathExtension().lastPathComponent
        return stem == "model" ? url.deletingLastPathComponent().lastPathComponent : stem
    }

    /// The language model the model's decoding defaults name, resolved against the model
    /// file's folder (nil when it names none).
    public var defaultLM: String? { resolve(decoding.lm) }

    /// The lexicon the model's decoding defaults name, resolved likewise.
    public var defaultLexicon: String? { resolve(decoding.lexicon) }

    /// A path stored in the model's metadata, resolved against the model file's folder.
    public func resolve(_ stored: String?) -> String? {
        guard let stored else { return nil }
        return stored.hasPrefix("/") ? stored : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(stored).path
    }

    /// The speech front end; an error naming the model for a handwriting model.
    public func speechFrontEnd() throws -> SpeechFrontEnd {
        guard case .audio(let f) = input else {
            throw RecognitionError.unsuitableInput(path: path, reason: "this is a handwriting model; it reads line images (use scribe recognize), not audio")
        }
        return f
    }

    /// Reads lines with `trim` instead of the margin trim the file stores (nil: none); call
    /// it before making recognizers. Speech models are left as they are.
    public func overrideMarginTrim(_ trim: MarginTrim?) {
        guard case .line(var f) = input else { return }
        f.normalization.trimMargins = trim
        input = .line(f)
    }

    /// The line front end; an error naming the model for a speech model.
    public func lineFrontEnd() throws -> LineFrontEnd {
        guard case .line(let f) = input else {
            throw RecognitionError.unsuitableInput(path: path, reason: "this is a speech model; it reads audio (use scribe transcribe), not images")
        }
        return f
    }

    /// Seconds between output frames (speech models; 0 for handwriting).
    public var frameSeconds: Double {
        if case .audio(let f) = input { return f.frameSeconds }
        return 0
    }

    /// A new network instance holding this model's weights (shared storage).
    public func makeNetwork() throws -> Layer {
        let network = try NetworkSpec.build(file.architecture, inputSize: file.inputSize, seed: 0, forLoading: true)
        for (name, p) in network.namedParameters() { p.value = weights[name]! }
        return network
    }

    /// A recognizer for one thread.
    public func makeRecognizer() throws -> SpeechRecognizer { try SpeechRecognizer(model: self) }

    /// A recognizer for one thread that fits the model's input (audio or line images).
    public func makeAnyRecognizer() throws -> Recognizer {
        if case .line = input { return try makeLineRecognizer() }
        return try makeRecognizer()
    }

    /// A line recognizer for one thread.
    public func makeLineRecognizer() throws -> LineRecognizer { try LineRecognizer(model: self) }

    /// Log-softmax outputs of `network` for a batch of inputs (steps × inputSize each); the
    /// network's caches are released after its forward.
    func logProbabilities(_ network: Layer, inputs: [FeatureMatrix]) throws -> [FeatureMatrix] {
        guard let first = inputs.first else { return [] }
        guard first.columns == file.inputSize else {
            throw RecognitionError.unsuitableInput(path: path, reason: "input has \(first.columns) values per step, the model takes \(file.inputSize)")
        }
        let nonEmpty = inputs.map { $0.rows == 0 ? FeatureMatrix(rows: 1, columns: $0.columns) : $0 }
        let output = network.forward(SequenceBatch(padding: nonEmpty), training: false)
        // Nothing reads backward here: the working memory goes back to the allocator for the
        // next network of an ensemble (and the next input), instead of staying with this one.
        network.releaseCaches()
        return (0..<inputs.count).map { i in
            var m = output.sequence(i)
            Posteriors.logSoftmaxRows(&m)
            return m
        }
    }
}

/// Line images in, CTC log-probabilities out, for one thread.
public final class LineRecognizer: Recognizer {
    public let model: RecognitionModel
    public let frontEnd: LineFrontEnd
    let network: Layer

    init(model: RecognitionModel) throws {
        self.model = model
        frontEnd = try model.lineFrontEnd()
        network = try model.makeNetwork()
    }

    /// Log-probabilities (frames × classes) for a line image, and the normalized line's
    /// width in pixels.
    public func logProbabilities(image: GrayImage) throws -> FeatureMatrix {
        try model.logProbabilities(network, inputs: [frontEnd.networkInput(image: image)])[0]
    }

    /// Log-probabilities for several already normalized lines (as columns) run as one batch.
    public func logProbabilities(inputs: [FeatureMatrix]) throws -> [FeatureMatrix] {
        try model.logProbabilities(network, inputs: inputs)
    }

    /// Log-probabilities for a line image file.
    public func logProbabilities(forFile path: String) throws -> FeatureMatrix {
        try logProbabilities(image: GrayImage(PNGReader().read(path)))
    }
}

/// Audio in, CTC log-probabilities out, for one thread.
public final class SpeechRecognizer: Recognizer {
    public let model: RecognitionModel
    public let frontEnd: SpeechFrontEnd
    let network: Layer
    let extractor: FeatureExtractor

    init(model: RecognitionModel) throws {
        self.model = model
        frontEnd = try model.speechFrontEnd()
        network = try model.makeNetwork()
        extractor = try FeatureExtractor(config: frontEnd.features, threads: 1)
    }

    /// Log-probabilities (steps × classes) for mono samples at the model's sample rate.
    public func logProbabilities(samples: [Float]) throws -> FeatureMatrix {
        try logProbabilities(input: frontEnd.networkInput(samples: samples, extractor: extractor))
    }

    /// Log-probabilities for network input (steps × inputSize).
    public func logProbabilities(input: FeatureMatrix) throws -> FeatureMatrix {
        try logProbabilities(inputs: [input])[0]
    }

    /// Log-probabilities for several inputs run as one padded batch.
    public func logProbabilities(inputs: [FeatureMatrix]) throws -> [FeatureMatrix] {
        try model.logProbabilities(network, inputs: inputs)
    }

    /// Log-probabilities for an audio file (decoded, resampled, featurized whole).
    public func logProbabilities(forFile path: String) throws -> FeatureMatrix {
        try logProbabilities(samples: AudioFile.readMono(path, sampleRate: frontEnd.features.sampleRate))
    }
}

/// Finds models by name or path.
public enum ModelLocator {
    /// The file for `nameOrPath`: an existing file as is; otherwise a shipped model's name,
    /// looked up in `$SCRIBE_MODELS` (NAME.safetensors or NAME/model.safetensors), beside
    /// the executable (models/NAME.safetensors, ../share/scribe/models/NAME.safetensors) and
    /// in a source checkout above it (corpora/NAME/model.safetensors).
    public static func locate(_ nameOrPath: String) throws -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: nameOrPath, isDirectory: &isDirectory), !isDirectory.boolValue {
            return nameOrPath
        }
        // Something that looks like a path is only ever a path.
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".safetensors") {
            throw RecognitionError.badModel(path: nameOrPath, reason: "no such model file")
        }
        let candidates = searchPaths(for: nameOrPath)
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        throw RecognitionError.modelNotFound(name: nameOrPath, searched: candidates)
    }

    static func searchPaths(for name: String) -> [String] {
        var out: [String] = []
        if let dir = ProcessInfo.processInfo.environment["SCRIBE_MODELS"] {
            out += ["\(dir)/\(name).safetensors", "\(dir)/\(name)/model.safetensors"]
        }
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        let exeDir = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? exe.path)
            .deletingLastPathComponent()
        out += [exeDir.appendingPathComponent("models/\(name).safetensors").path,
                exeDir.appendingPathComponent("../share/scribe/models/\(name).safetensors").standardized.path]
        var dir = exeDir
        for _ in 0..<6 {
            out.append(dir.appendingPathComponent("corpora/\(name)/model.safetensors").path)
            dir = dir.deletingLastPathComponent()
        }
        return out
    }
}
