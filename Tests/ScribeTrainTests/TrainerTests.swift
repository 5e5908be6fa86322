import Foundation
import XCTest
import ScribeAudio
import ScribeCore
import ScribeDecode
import ScribeNN
@testable import ScribeRecognition
@testable import ScribeTrain
import _ScribeTestSupport

final class TrainerTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = try TinyCorpus.folderWithSplits(name)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func quiet() -> TrainOptions { TinyCorpus.quietOptions() }

    /// An audio configuration's preview is a spectrogram per draw: 20 mel bands high, two
    /// pixels per 10 ms frame, SpecAugment's masks visible as flat bands in the draws only.
    func testAugmentationPreviewOfAudio() throws {
        let augment = "  speed: []\n  gain_db: []\n  noise_probability: 0\n  time_masks: 1\n  time_mask_max: 4\n  frequency_masks: 0"
        let config = try TinyCorpus.config(folder: folder, output: "run", epochs: 1, augment: augment)
        let sheet = try AugmentationPreview.sheet(config: config, entries: 2, draws: 1, seed: 3)
        XCTAssertEqual(sheet.height, 2 * (2 * 20 + 2) + 10)
        XCTAssertEqual(sheet.width % 4, 0, "two pixels per frame, frames in pairs (stack 2)")
        let plain = Array(sheet.pixels[0..<(20 * sheet.width)])
        let masked = Array(sheet.pixels[(22 * sheet.width)..<(42 * sheet.width)])
        XCTAssertNotEqual(plain, masked)
        XCTAssertTrue(plain.contains { $0 < 60 } && plain.contains { $0 > 200 }, "the spectrogram uses the gray range")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/run"), "a preview trains nothing")
    }

    /// A tiny model learns the tone language, and what it writes is a usable model: the
    /// recognizer built from the file transcribes a new recording.
    func testTinyModelLearnsAndTranscribes() throws {
        let config = try TinyCorpus.config(folder: folder, output: "run", epochs: 20)
        let summary = try Trainer(config: config, options: quiet()).run()
        XCTAssertLessThan(summary.bestCER, 0.1, "validation CER after 20 epochs")
        let metrics = try EpochMetrics.readLog(folder + "/run/metrics.jsonl")
        XCTAssertEqual(metrics.map(\.epoch), Array(1...20))
        XCTAssertLessThan(metrics.last!.trainLoss, metrics.first!.trainLoss / 3)
        let png = try Data(contentsOf: URL(fileURLWithPath: folder + "/run/curve.png"))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])

        let model = try RecognitionModel(path: folder + "/run/model.safetensors")
        XCTAssertEqual(model.alphabet.symbols, [" ", "a", "b", "c"])
        XCTAssertEqual(model.frameSeconds, 0.02, accuracy: 1e-12)
        var settings = DecodingSettings()
        settings.decoder = .greedy
        let transcriber = Transcriber(recognizer: try model.makeRecognizer(),
                                      decoder: try CTCDecoder(alphabet: model.alphabet, settings: settings))
        var g = SeededGenerator(seed: 99)
        let samples = TinyCorpus.samples(for: "cab ba", generator: &g)
        let t = try transcriber.transcribe(samples: samples)
        XCTAssertEqual(t.text, "cab ba")
        XCTAssertEqual(t.words.map(\.text), ["cab", "ba"])
        // Word times: "cab" sounds from 0.05 to 0.54 s, "ba" from 0.69 to 0.97 s (CTC emits
        // each symbol somewhere inside its sound, so the times fall inside these spans).
        XCTAssertEqual(t.words[0].start, 0.05, accuracy: 0.2)
        XCTAssertEqual(t.words[0].end, 0.54, accuracy: 0.2)
        XCTAssertEqual(t.words[1].start, 0.69, accuracy: 0.2)
        XCTAssertEqual(t.words[1].end, 0.97, accuracy: 0.2)
    }

    /// A run stopped at an arbitrary step (as by kill -9: nothing written after the last
    /// checkpoint) and resumed ends with exactly the weights and validation numbers of a
    /// run that was never interrupted, augmentation and dropout included.
    func testKilledRunResumesOnTheSameCurve() throws {
        let augment = "  speed: [0.9, 1.1]\n  gain_db: [-3, 3]\n  noise_probability: 0.5\n  time_masks: 1\n  time_mask_max: 3\n  frequency_masks: 1\n  frequency_mask_max: 2"
        let straight = try TinyCorpus.config(folder: folder, output: "straight", epochs: 3, augment: augment, layers: "Lbx12 Do20")
        _ = try Trainer(config: straight, options: quiet()).run()

        let interrupted = try TinyCorpus.config(folder: folder, output: "interrupted", epochs: 3, augment: augment, layers: "Lbx12 Do20")
        var options = quiet()
        options.stopAfterSteps = 7 // checkpoints every 4 steps: steps 5-7 are lost and redone
        XCTAssertTrue(try Trainer(config: interrupted, options: options).run().stoppedEarly)
        options.resume = true
        options.stopAfterSteps = 9 // killed again after resuming, in the next epoch
        XCTAssertTrue(try Trainer(config: interrupted, options: options).run().stoppedEarly)
        options.stopAfterSteps = nil
        XCTAssertFalse(try Trainer(config: interrupted, options: options).run().stoppedEarly)

        try assertSameCheckpoints(folder + "/straight", folder + "/interrupted")
        let ma = try EpochMetrics.readLog(folder + "/straight/metrics.jsonl")
        let mb = try EpochMetrics.readLog(folder + "/interrupted/metrics.jsonl")
        XCTAssertEqual(ma.map(\.trainLoss), mb.map(\.trainLoss))
        XCTAssertEqual(ma.map(\.validCER), mb.map(\.validCER))
        XCTAssertEqual(mb.map(\.epoch), [1, 2, 3])
    }

    /// Starting over a folder that holds a run is refused; a checkpoint of another
    /// configuration is not resumed.
    func testCheckpointGuards() throws {
        let config = try TinyCorpus.config(folder: folder, output: "run", epochs: 1)
        _ = try Trainer(config: config, options: quiet()).run()
        XCTAssertThrowsError(try Trainer(config: config, options: quiet()).run()) {
            XCTAssertTrue("\($0)".contains("pass --resume"), "\($0)")
        }
        var other = config
        other.layers = "Lbx8"
        var resume = quiet()
        resume.resume = true
        XCTAssertThrowsError(try Trainer(config: other, options: resume).run()) {
            XCTAssertTrue("\($0)".contains("another configuration"), "\($0)")
        }
    }

    /// Batches with non-finite inputs are skipped and reported while training goes on; a
    /// run of them stops training with a message that says what to do.
    func testNaNGuard() throws {
        let config = try TinyCorpus.config(folder: folder, output: "run", epochs: 1)
        let audio = try AudioDataSource(frontEnd: config.frontEnd, augmentation: config.augmentation)
        let messages = MessageLog()
        var options = quiet()
        options.log = { messages.append($0) }
        // Poison a few examples: their batches are skipped, the others train.
        let poisoned = PoisonedSource(inner: audio, poison: { $0.id.hasSuffix("-3") || $0.id.hasSuffix("-17") })
        let summary = try Trainer(config: config, options: options, source: poisoned).run()
        XCTAssertEqual(summary.epochs, 1)
        let metrics = try EpochMetrics.readLog(folder + "/run/metrics.jsonl")
        XCTAssertGreaterThanOrEqual(metrics[0].skippedBatches, 1)
        XCTAssertTrue(metrics[0].trainLoss.isFinite)
        XCTAssertTrue(messages.lines.contains { $0.contains("batch skipped") })

        // Every example poisoned: stop after max_bad_batches with a clear error.
        var bad = try TinyCorpus.config(folder: folder, output: "run2", epochs: 1, extra: "")
        bad.maxBadBatches = 3
        let all = PoisonedSource(inner: audio, poison: { _ in true })
        XCTAssertThrowsError(try Trainer(config: bad, options: quiet(), source: all).run()) {
            XCTAssertTrue("\($0)".contains("3 consecutive batches had a non-finite loss"), "\($0)")
        }
    }

    /// Manifest problems are all found before the first step, named by file and line;
    /// --skip-bad leaves them out and lists them.
    func testBadEntriesAreFoundBeforeTraining() throws {
        try TinyCorpus.write("train", count: 12, seed: 1, in: folder, extraRows: [
            "bad-1\twav/missing.wav\tab", "bad-2\twav/train-0.wav\t", "bad-3\twav/train-1.wav\tabd!",
        ])
        let config = try TinyCorpus.config(folder: folder, output: "run", epochs: 1, extra: "")
        var withAlphabet = config
        let alphabetPath = folder + "/alphabet.txt"
        try " \na\nb\nc\n".write(toFile: alphabetPath, atomically: false, encoding: .utf8)
        withAlphabet.alphabetFile = alphabetPath
        XCTAssertThrowsError(try Trainer(config: withAlphabet, options: quiet()).run()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("3 of 15 manifest entries cannot be used"), text)
            XCTAssertTrue(text.contains("train.tsv:14: bad-1:") && text.contains("missing.wav"), text)
            XCTAssertTrue(text.contains("train.tsv:15: bad-2: empty transcript"), text)
            XCTAssertTrue(text.contains("bad-3: characters outside the model's alphabet: \"!\", \"d\""), text)
        }
        var skip = quiet()
        skip.skipBad = true
        XCTAssertNoThrow(try Trainer(config: withAlphabet, options: skip).run())
        let listed = try String(contentsOfFile: folder + "/run/skipped.tsv", encoding: .utf8)
        XCTAssertEqual(listed.split(separator: "\n").count, 3)
    }
}

final class MessageLog: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var lines: [String] = []
    func append(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
}

/// Wraps a data source and turns chosen examples' inputs into NaN.
struct PoisonedSource: TrainingDataSource {
    let inner: AudioDataSource
    let poison: @Sendable (ManifestEntry) -> Bool
    var inputSize: Int { inner.inputSize }
    var tooFewStepsAdvice: String { inner.tooFewStepsAdvice }
    func measure(_ entry: ManifestEntry) throws -> (steps: Int, seconds: Double) { try inner.measure(entry) }
    func example(_ entry: ManifestEntry, augment: Bool, generator: inout SeededGenerator) throws -> FeatureMatrix {
        var m = try inner.example(entry, augment: augment, generator: &generator)
        if augment && poison(entry) { m.apply { _ in .nan } }
        return m
    }
}
