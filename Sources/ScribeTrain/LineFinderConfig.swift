import Foundation
import ScribeCore

/// A line-finder training configuration: a YAML file with `task: lines` (see the README's
/// "Training a line finder"). Paths are relative to the file's folder.
public struct LineFinderConfig: Equatable {
    public var name: String
    public var output: String
    /// Page manifests: TSV with a header naming `image` and `layout` (ALTO or PAGE XML).
    public var trainPages: String
    public var validPages: String
    /// Channels of the network's four widths.
    public var widths: [Int]
    /// Longest page side the network works at.
    public var workingSide: Int
    public var modelSeed: UInt64
    public var steps: Int
    public var batch: Int
    /// Side of the square training crops, working pixels (a multiple of 16).
    public var crop: Int
    public var learningRate: Double
    public var minLearningRate: Double
    public var warmupSteps: Int
    public var clipNorm: Double
    /// Steps between validations (and checkpoints).
    public var validateEvery: Int
    public var seed: UInt64
    public var augmentation: PageAugmentation

    static let topFields = ["task", "name", "output", "data", "model", "training", "augment"]

    /// Whether the YAML file at `path` asks for line-finder training (`task: lines`).
    public static func isLineFinderConfig(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
              let doc = try? YAMLDocument.load(text, file: path) as? [String: Any] else { return false }
        return doc["task"] as? String == "lines"
    }

    public static func load(path: String) throws -> LineFinderConfig {
        guard let bytes = FileManager.default.contents(atPath: path), let text = String(data: bytes, encoding: .utf8) else {
            throw ConfigError(path: path, field: "", reason: FileManager.default.fileExists(atPath: path)
                ? "cannot read the file as UTF-8 text" : "no such configuration file")
        }
        let document = try YAMLDocument.load(text.replacingOccurrences(of: "\r\n", with: "\n"), file: path)
        func resolve(_ p: String) -> String { RelativePath.resolve(p, againstFolderOf: path) }
        let top = try ConfigSection(file: path, prefix: "", value: document ?? [String: Any](), allowed: topFields)
        let data = try ConfigSection(file: path, prefix: "data", value: top.values["data"], allowed: ["train", "valid"])
        let model = try ConfigSection(file: path, prefix: "model", value: top.values["model"], allowed: ["widths", "working_side", "seed"])
        let training = try ConfigSection(file: path, prefix: "training", value: top.values["training"],
                                         allowed: ["steps", "batch", "crop", "learning_rate", "min_learning_rate", "warmup_steps",
                                                   "clip_norm", "validate_every", "seed"])
        let augment = try ConfigSection(file: path, prefix: "augment", value: top.values["augment"],
                                        allowed: ["enabled", "scale", "rotation", "contrast", "noise", "sideways"])
        guard try top.string("task") == "lines" else { throw top.fail("task", "expected \"lines\" for a line-finder configuration") }
        guard let train = try data.string("train") else { throw data.fail("train", "the training page manifest is required") }
        guard let valid = try data.string("valid") else { throw data.fail("valid", "the validation page manifest is required") }
        var widths = [8, 16, 32, 64]
        if model.isSet("widths") {
            guard let list = model.values["widths"] as? [Any], list.count == 4,
                  let ints = list.map({ $0 as? Int }) as? [Int], ints.allSatisfy({ (1...1024).contains($0) }) else {
                throw model.fail("widths", "expected four channel counts in 1...1024, e.g. [8, 16, 32, 64]")
            }
            widths = ints
        }
        var aug = PageAugmentation()
        aug.enabled = try augment.bool("enabled", default: true)
        aug.scale = try augment.interval("scale", default: aug.scale, range: 0.1...10) ?? aug.scale
        aug.rotation = try augment.double("rotation", default: aug.rotation, range: 0...45)
        aug.contrast = try augment.double("contrast", default: aug.contrast, range: 0...0.9)
        aug.noise = try augment.double("noise", default: aug.noise, range: 0...1)
        aug.sideways = try augment.double("sideways", default: aug.sideways, range: 0...1)
        let crop = try training.int("crop", default: 320, range: 64...2048)
        guard crop % 16 == 0 else { throw training.fail("crop", "\(crop) is not a multiple of 16 (the network pools four times)") }
        return LineFinderConfig(
            name: try top.string("name", default: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent),
            output: resolve(try top.string("output", default: "run")),
            trainPages: resolve(train), validPages: resolve(valid), widths: widths,
            workingSide: try model.int("working_side", default: 1000, range: 128...8000),
            modelSeed: UInt64(try model.int("seed", default: 1, range: 0...Int(Int32.max))),
            steps: try training.int("steps", default: 3000, range: 1...10_000_000),
            batch: try training.int("batch", default: 8, range: 1...256), crop: crop,
            learningRate: try training.double("learning_rate", default: 1e-3, range: 1e-7...1),
            minLearningRate: try training.double("min_learning_rate", default: 2e-5, range: 0...1),
            warmupSteps: try training.int("warmup_steps", default: 100, range: 0...1_000_000),
            clipNorm: try training.double("clip_norm", default: 5, range: 0...1e6),
            validateEvery: try training.int("validate_every", default: 100, range: 1...1_000_000),
            seed: UInt64(try training.int("seed", default: 1, range: 0...Int(Int32.max))),
            augmentation: aug)
    }
}
