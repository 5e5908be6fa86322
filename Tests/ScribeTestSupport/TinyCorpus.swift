import Foundation
import ScribeAudio
import ScribeCore
import ScribeTrain

/// Test support shared by the trainer and CLI tests.
///
/// A corpus the tests generate in a few milliseconds: "words" over the letters a, b, c,
/// each letter a 120 ms tone of its own pitch (500, 1100, 1700 Hz) with a little noise,
/// letters 40 ms apart, words 150 ms apart. Tiny networks learn it in seconds.
public enum TinyCorpus {
    public static let rate = 8000
    public static let pitches: [Character: Double] = ["a": 500, "b": 1100, "c": 1700]

    public static func samples(for text: String, generator g: inout SeededGenerator) -> [Float] {
        var out: [Float] = Array(repeating: 0, count: 400)
        for (i, word) in text.split(separator: " ").enumerated() {
            if i > 0 { out += Array(repeating: 0, count: 1200) }
            for (j, ch) in word.enumerated() {
                if j > 0 { out += Array(repeating: 0, count: 320) }
                let f = pitches[ch]!
                for n in 0..<960 { out.append(Float(0.3 * sin(2 * .pi * f * Double(n) / Double(rate)))) }
            }
        }
        out += Array(repeating: 0, count: 400)
        return out.map { $0 + Float(0.003 * g.nextGaussian()) }
    }

    public static func randomText(_ g: inout SeededGenerator) -> String {
        let words = 1 + Int(g.next() % 3)
        return (0..<words).map { _ in
            String((0..<(1 + Int(g.next() % 3))).map { _ in Array("abc")[Int(g.next() % 3)] })
        }.joined(separator: " ")
    }

    /// Writes `count` utterances and a headered manifest `name.tsv` into `folder`; returns the manifest path.
    @discardableResult
    public static func write(_ name: String, count: Int, seed: UInt64, in folder: String, extraRows: [String] = []) throws -> String {
        try FileManager.default.createDirectory(atPath: folder + "/wav", withIntermediateDirectories: true)
        var g = SeededGenerator(seed: seed)
        var rows = ["id\tpath\ttext"]
        for i in 0..<count {
            let text = randomText(&g)
            let file = "wav/\(name)-\(i).wav"
            try AudioWriter.write(samples(for: text, generator: &g), sampleRate: rate, to: folder + "/" + file)
            rows.append("\(name)-\(i)\t\(file)\t\(text)")
        }
        let path = folder + "/\(name).tsv"
        try (rows + extraRows).joined(separator: "\n").write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// A configuration for a tiny model over `folder`'s train.tsv and valid.tsv.
    public static func config(folder: String, output: String, epochs: Int, extra: String = "", augment: String? = nil,
                              layers: String = "Lbx12") throws -> TrainConfig {
        let path = try writeConfig(folder: folder, output: output, epochs: epochs, extra: extra, augment: augment, layers: layers)
        return try TrainConfig.load(path: path)
    }

    /// Writes the tiny model's YAML configuration into `folder`; returns its path.
    public static func writeConfig(folder: String, output: String, epochs: Int, extra: String = "", augment: String? = nil,
                                   layers: String = "Lbx12", name: String = "tiny.yaml") throws -> String {
        let yaml = """
        name: tiny
        output: \(output)
        data:
          train: train.tsv
          valid: valid.tsv
        front_end:
          sample_rate: 8000
          n_fft: 200
          hop_length: 80
          n_mels: 20
          stack: 2
        model:
          layers: \(layers)
          seed: 3
        training:
          epochs: \(epochs)
          batch_seconds: 8
          max_batch: 8
          learning_rate: 0.02
          warmup_steps: 5
          checkpoint_every: 4
          patience: 100
        \(extra)
        augment:
        \(augment ?? "  speed: []\n  gain_db: []\n  noise_probability: 0\n  time_masks: 0\n  frequency_masks: 0")
        """
        let path = folder + "/" + name
        try yaml.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// Training options for tests: one thread, no log output.
    public static func quietOptions() -> TrainOptions {
        var o = TrainOptions()
        o.threads = 1
        o.log = { _ in }
        return o
    }

    /// A fresh temporary folder holding the trainer tests' usual splits: `train.tsv` (48
    /// recordings, seed 1) and `valid.tsv` (12, seed 2).
    public static func folderWithSplits(_ name: String) throws -> String {
        let folder = try temporaryFolder(name)
        try write("train", count: 48, seed: 1, in: folder)
        try write("valid", count: 12, seed: 2, in: folder)
        return folder
    }

    public static func temporaryFolder(_ name: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scribe-train-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
