import Foundation
import ScribeAudio
import ScribeCore
import ScribeHTR
import ScribeImage
import ScribeRecognition

/// Everything `scribe train` needs, read from one YAML file (every field is documented in
/// the README's "Training" section; unknown fields are errors). Paths in the file are
/// relative to the file's folder.
public struct TrainConfig: Equatable {
    /// Model name, used in logs and as the default output folder name.
    public var name: String
    /// Folder for checkpoints, the best model, the metrics log and the curve.
    public var output: String

    // MARK: data
    /// Training manifests (one or several, read in order; ids must be unique across them).
    public var trainManifests: [String]
    public var validManifest: String
    public var trainSplit: String?
    public var validSplit: String?
    /// Alphabet file; nil: the characters of the training transcripts.
    public var alphabetFile: String?
    /// Utterances longer than this (seconds) are skipped and reported.
    public var maxDuration: Double

    // MARK: front end and model
    public var frontEnd: SpeechFrontEnd
    /// Set for handwriting (`front_end.type: image`): line normalization; `frontEnd` is then unused.
    public var lineFrontEnd: LineFrontEnd?
    /// Network layers before the output layer, e.g. "Lbx256 Lbx256"; the trainer appends
    /// `Fl<classes>`.
    public var layers: String
    public var modelSeed: UInt64
    /// A trained model whose weights start this run (same layers; the output layer follows
    /// the symbols when the alphabets differ), for fine-tuning or continuing a finished run
    /// with a new schedule; nil: random weights.
    public var initialModel: String?

    // MARK: optimisation
    public var epochs: Int
    /// Audio per batch in seconds (batches are bucketed by length, so similar lengths share one).
    public var batchSeconds: Double
    public var maxBatch: Int
    public var learningRate: Double
    public var minLearningRate: Double
    public var warmupSteps: Int
    public var weightDecay: Double
    public var clipNorm: Double
    /// Epochs without a better validation CER before training stops.
    public var patience: Int
    public var checkpointEverySteps: Int
    public var seed: UInt64
    /// Consecutive skipped (non-finite) batches that stop training.
    public var maxBadBatches: Int
    /// At the end, average the weights of this many best epochs (by validation CER) and keep
    /// the mean if it validates better; 0 or 1: off.
    public var averageBest: Int = 0
    /// Which epoch's weights become the model: the best on validation, or the last one (a
    /// fixed schedule, e.g. a final run on training and validation data together, where the
    /// validation lines are no longer held out). `last` turns off early stopping and averaging.
    public var keep: ModelSelection = .best
    /// Whether the run keeps its best epochs' weights and tries their mean at the end.
    public var averagesEpochs: Bool { averageBest > 1 && keep == .best }

    // MARK: augmentation and decoding
    public var augmentation: AudioAugmentation
    public var lineAugmentation: LineAugmentation
    /// Padded output frames per batch for line images (audio uses `batchSeconds`).
    public var batchFrames: Int
    public var decoding: DecodingSettings

    static let topFields = ["name", "output", "data", "front_end", "model", "training", "augment", "decoding"]
    static let dataFields = ["train", "valid", "train_split", "valid_split", "alphabet", "max_duration"]
    static let frontEndFields = ["type", "sample_rate", "n_fft", "win_length", "hop_length", "n_mels", "f_min", "f_max", "kind",
                                 "n_mfcc", "deltas", "normalize", "pre_emphasis", "stack", "mel_scale"]
    static let lineFrontEndFields = ["type", "height", "invert", "contrast", "sparse_ink", "binarization", "deskew", "max_skew", "slant",
                                     "max_slant", "dewarp", "dewarp_range", "crop", "margin", "trim_margins"]
    static let modelFields = ["layers", "seed", "init"]
    static let trainingFields = ["epochs", "batch_seconds", "batch_frames", "max_batch", "learning_rate", "min_learning_rate", "warmup_steps",
                                 "weight_decay", "clip_norm", "patience", "checkpoint_every", "seed", "max_bad_batches", "average_best", "keep"]
    static let augmentFields = ["enabled", "speed", "gain_db", "noise_probability", "noise_snr_db", "time_masks", "time_mask_max",
                                "frequency_masks", "frequency_mask_max"]
    static let lineAugmentFields = ["enabled", "rotation", "shear", "width_scale", "height_scale", "shift", "elastic", "elastic_grid",
                                    "thicken", "thin", "thin_keep", "blur", "ink_level", "paper_level", "pixel_noise"]
    static let decodingFields = ["decoder", "beam", "alpha", "beta", "prune"]

    /// Reads and checks a YAML configuration file, with `overrides` applied to its fields first.
    public static func load(path: String, overrides: [ConfigOverride] = []) throws -> TrainConfig {
        if let problem = FileCheck.problem(path), problem != "no such file" {
            throw ConfigError(path: path, field: "", reason: problem + "; expected a YAML training configuration")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(path: path, field: "", reason: FileManager.default.fileExists(atPath: path)
                ? "cannot read the file as UTF-8 text" : "no such configuration file")
        }
        return try parse(text, path: path, overrides: overrides)
    }

    /// Parses configuration text; relative paths resolve against `path`'s folder (those of
    /// `overrides` too).
    public static func parse(_ text: String, path: String, overrides: [ConfigOverride] = []) throws -> TrainConfig {
        var document = try YAMLDocument.load(text.replacingOccurrences(of: "\r\n", with: "\n"), file: path)
        for o in overrides { document = try o.apply(to: document, file: path) }
        func resolve(_ p: String) -> String { RelativePath.resolve(p, againstFolderOf: path) }

        let top = try ConfigSection(file: path, prefix: "", value: document ?? [String: Any](), allowed: topFields)
        let data = try ConfigSection(file: path, prefix: "data", value: top.values["data"], allowed: dataFields)
        let isImage = ((top.values["front_end"] as? [String: Any])?["type"] as? String) == "image"
        let fe = try ConfigSection(file: path, prefix: "front_end", value: top.values["front_end"],
                                   allowed: isImage ? lineFrontEndFields : frontEndFields)
        let model = try ConfigSection(file: path, prefix: "model", value: top.values["model"], allowed: modelFields)
        let training = try ConfigSection(file: path, prefix: "training", value: top.values["training"], allowed: trainingFields)
        let augment = try ConfigSection(file: path, prefix: "augment", value: top.values["augment"],
                                        allowed: isImage ? lineAugmentFields : augmentFields)
        let decode = try ConfigSection(file: path, prefix: "decoding", value: top.values["decoding"], allowed: decodingFields)

        let name = try top.string("name", default: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)
        let train: [String]
        if let list = data.values["train"] as? [Any] {
            train = try list.map { item in
                guard let s = item as? String else { throw data.fail("train", "expected a manifest path or a list of them") }
                return s
            }
            if train.isEmpty { throw data.fail("train", "the list of training manifests is empty") }
        } else if let one = try data.string("train") {
            train = [one]
        } else {
            throw data.fail("train", "the training manifest is required")
        }
        guard let valid = try data.string("valid") else { throw data.fail("valid", "the validation manifest is required") }

        let kind = try fe.string("type", default: "audio")
        guard kind == "audio" || kind == "image" else { throw fe.fail("type", "expected audio or image") }
        let lineFrontEnd = isImage ? try lineFrontEnd(fe) : nil
        let lineAug = isImage ? try lineAugmentation(augment) : LineAugmentation()
        let rate = try isImage ? 16_000 : fe.int("sample_rate", default: 16_000, range: 1000...192_000)
        var features = FrontEndConfig.speech(sampleRate: rate, kind: try fe.choice("kind", default: FeatureKind.logmel))
        features.nFFT = try fe.int("n_fft", default: features.nFFT, range: 2...65_536)
        features.winLength = try fe.int("win_length", default: min(features.winLength, features.nFFT), range: 1...65_536)
        features.hopLength = try fe.int("hop_length", default: features.hopLength, range: 1...65_536)
        features.nMels = try fe.int("n_mels", default: features.nMels, range: 1...512)
        features.fMin = try fe.double("f_min", default: 0, range: 0...96_000)
        features.fMax = try fe.optionalDouble("f_max", range: 1...96_000)
        features.melScale = try fe.choice("mel_scale", default: features.melScale)
        features.nMFCC = try fe.int("n_mfcc", default: features.nMFCC, range: 1...512)
        features.deltaOrder = try fe.int("deltas", default: 0, range: 0...2)
        features.normalize = try fe.bool("normalize", default: true)
        features.preEmphasis = Float(try fe.double("pre_emphasis", default: 0, range: 0...0.999))
        let frontEnd = SpeechFrontEnd(features: features, stack: isImage ? 3 : try fe.int("stack", default: 3, range: 1...16))
        do { try frontEnd.validate() } catch { throw ConfigError(path: path, field: "front_end", reason: "\(error)") }

        let layers = try model.string("layers", default: "Lbx256 Lbx256 Lbx256")
        let epochs = try training.int("epochs", default: 30, range: 1...100_000)
        var aug = AudioAugmentation()
        if !isImage {
        aug.speed = try augment.interval("speed", default: aug.speed, range: 0.6...1.6)
        aug.gainDB = try augment.interval("gain_db", default: aug.gainDB, range: -40...40)
        aug.noiseProbability = try augment.double("noise_probability", default: aug.noiseProbability, range: 0...1)
        aug.noiseSNR = try augment.interval("noise_snr_db", default: aug.noiseSNR, range: -10...100) ?? 10...40
        aug.timeMasks = try augment.int("time_masks", default: aug.timeMasks, range: 0...100)
        aug.timeMaskMax = try augment.int("time_mask_max", default: aug.timeMaskMax, range: 0...10_000)
        aug.frequencyMasks = try augment.int("frequency_masks", default: aug.frequencyMasks, range: 0...100)
        aug.frequencyMaskMax = try augment.int("frequency_mask_max", default: aug.frequencyMaskMax, range: 0...512)
        if !(try augment.bool("enabled", default: true)) { aug = .off }
        }

        var decoding = DecodingSettings()
        decoding.decoder = try decode.choice("decoder", default: decoding.decoder)
        decoding.beam = try decode.int("beam", default: decoding.beam, range: 1...10_000)
        decoding.alpha = try decode.double("alpha", default: decoding.alpha, range: -100...100)
        decoding.beta = try decode.double("beta", default: decoding.beta, range: -100...100)
        decoding.prune = try decode.choice("prune", default: decoding.prune)

        let lr = try training.double("learning_rate", default: 1e-3, range: 1e-7...10)
        return TrainConfig(
            name: name, output: resolve(try top.string("output", default: "runs/\(name)")),
            trainManifests: train.map(resolve), validManifest: resolve(valid),
            trainSplit: try data.string("train_split"), validSplit: try data.string("valid_split"),
            alphabetFile: try data.string("alphabet").map(resolve),
            maxDuration: try data.double("max_duration", default: 30, range: 0.1...3600),
            frontEnd: frontEnd, lineFrontEnd: lineFrontEnd, layers: layers,
            modelSeed: UInt64(try model.int("seed", default: 1, range: 0...Int(Int32.max))),
            initialModel: try model.string("init").map(resolve),
            epochs: epochs,
            batchSeconds: try training.double("batch_seconds", default: 60, range: 0.1...100_000),
            maxBatch: try training.int("max_batch", default: 32, range: 1...4096),
            learningRate: lr,
            minLearningRate: try training.double("min_learning_rate", default: lr / 20, range: 0...10),
            warmupSteps: try training.int("warmup_steps", default: 200, range: 0...10_000_000),
            weightDecay: try training.double("weight_decay", default: 0, range: 0...1),
            clipNorm: try training.double("clip_norm", default: 5, range: 1e-6...1e6),
            patience: try training.int("patience", default: 10, range: 1...100_000),
            checkpointEverySteps: try training.int("checkpoint_every", default: 100, range: 1...10_000_000),
            seed: UInt64(try training.int("seed", default: 1, range: 0...Int(Int32.max))),
            maxBadBatches: try training.int("max_bad_batches", default: 20, range: 1...100_000),
            averageBest: try training.int("average_best", default: 0, range: 0...1000),
            keep: try training.choice("keep", default: ModelSelection.best),
            augmentation: aug, lineAugmentation: lineAug,
            batchFrames: try training.int("batch_frames", default: 4000, range: 1...10_000_000), decoding: decoding)
    }

    /// `front_end` of a handwriting configuration.
    static func lineFrontEnd(_ fe: ConfigSection) throws -> LineFrontEnd {
        var n = LineNormalization()
        n.height = try fe.int("height", default: n.height, range: 8...512)
        n.detectInversion = try fe.bool("invert", default: n.detectInversion)
        n.contrast = try fe.bool("contrast", default: n.contrast)
        n.sparseInk = try fe.bool("sparse_ink", default: n.sparseInk)
        if let b = try fe.string("binarization"), b != "none" {
            guard let method = Binarization(rawValue: b) else { throw fe.fail("binarization", "expected none, otsu or sauvola") }
            n.binarization = method
        }
        n.deskew = try fe.bool("deskew", default: n.deskew)
        n.maxSkewDegrees = try fe.double("max_skew", default: n.maxSkewDegrees, range: 0...45)
        n.slant = try fe.bool("slant", default: n.slant)
        n.maxSlantDegrees = try fe.double("max_slant", default: n.maxSlantDegrees, range: 0...60)
        n.dewarp = try fe.bool("dewarp", default: n.dewarp)
        n.dewarpRange = try fe.double("dewarp_range", default: n.dewarpRange, range: 1...20)
        n.crop = try fe.bool("crop", default: n.crop)
        n.margin = try fe.int("margin", default: n.margin, range: 0...1000)
        n.trimMargins = try marginTrim(fe)
        return LineFrontEnd(normalization: n)
    }

    /// `front_end.trim_margins`: `true` (margins wider than half the text's height cut to
    /// 0.2 of it, `MarginTrim`'s defaults), `false`, or `[TO, ABOVE]` in text heights.
    static func marginTrim(_ fe: ConfigSection) throws -> MarginTrim? {
        if let on = fe.values["trim_margins"] as? Bool { return on ? MarginTrim() : nil }
        return try fe.interval("trim_margins", default: nil, range: 0...100).map { MarginTrim(above: $0.upperBound, to: $0.lowerBound) }
    }

    /// `augment` of a handwriting configuration.
    static func lineAugmentation(_ s: ConfigSection) throws -> LineAugmentation {
        var a = LineAugmentation()
        guard try s.bool("enabled", default: true) else { return .off }
        a.rotationDegrees = try s.double("rotation", default: a.rotationDegrees, range: 0...45)
        a.shear = try s.double("shear", default: a.shear, range: 0...2)
        a.widthScale = try s.interval("width_scale", default: a.widthScale, range: 0.2...5) ?? 1...1
        a.heightScale = try s.interval("height_scale", default: a.heightScale, range: 0.2...5) ?? 1...1
        a.shift = try s.double("shift", default: a.shift, range: 0...100)
        a.elastic = try s.double("elastic", default: a.elastic, range: 0...50)
        a.elasticGrid = try s.int("elastic_grid", default: a.elasticGrid, range: 2...1000)
        a.thicken = try s.double("thicken", default: a.thicken, range: 0...1)
        a.thin = try s.double("thin", default: a.thin, range: 0...1)
        a.thinKeep = try s.double("thin_keep", default: a.thinKeep, range: 0...1)
        a.blur = try s.double("blur", default: a.blur, range: 0...1)
        a.inkLevel = try s.double("ink_level", default: a.inkLevel, range: 0...1)
        a.paperLevel = try s.double("paper_level", default: a.paperLevel, range: 0...1)
        a.noise = try s.double("pixel_noise", default: a.noise, range: 0...1)
        return a
    }

    /// The network spec for `classes` output classes.
    public func spec(classes: Int) -> String {
        "[" + (layers.trimmingCharacters(in: .whitespaces).isEmpty ? "" : layers + " ") + "Fl\(classes)]"
    }
}

/// Which epoch's weights `scribe train` keeps as the model (`training.keep`).
public enum ModelSelection: String, CaseIterable, Codable, Sendable {
    /// The epoch with the lowest validation CER (the default), with early stopping.
    case best
    /// The last epoch of a fixed schedule: every epoch is saved over the previous one.
    case last
}
