import Foundation
import XCTest
@testable import ScribeTrain
import ScribeCore

final class ConfigTests: XCTestCase {
    func parse(_ yaml: String) throws -> TrainConfig { try TrainConfig.parse(yaml, path: "/runs/x/train.yaml") }

    func assertError(_ yaml: String, _ fragment: String, line: UInt = #line) {
        XCTAssertThrowsError(try parse(yaml), line: line) { XCTAssertTrue("\($0)".contains(fragment), "\($0)", line: line) }
    }

    func testDefaultsAndRelativePaths() throws {
        let c = try parse("data:\n  train: build/train.tsv\n  valid: /abs/valid.tsv\n")
        XCTAssertEqual(c.name, "train")
        XCTAssertEqual(c.trainManifests, ["/runs/x/build/train.tsv"])
        XCTAssertEqual(c.validManifest, "/abs/valid.tsv")
        XCTAssertEqual(c.output, "/runs/x/runs/train")
        XCTAssertEqual(c.frontEnd.features.sampleRate, 16_000)
        XCTAssertEqual(c.frontEnd.stack, 3)
        XCTAssertEqual(c.frontEnd.frameSeconds, 0.03, accuracy: 1e-12)
        XCTAssertEqual(c.spec(classes: 29), "[Lbx256 Lbx256 Lbx256 Fl29]")
        XCTAssertEqual(c.augmentation.speed, 0.9...1.1)
    }

    /// `scribe train corpora/poilus/train.yaml` run from the repository names the file by a
    /// relative path; a manifest in a sibling folder (`../poilus-synth/...`) must keep its
    /// `..` (Foundation's URL standardization dropped it: the path pointed inside poilus/).
    func testParentFolderPathsSurviveARelativeConfigurationPath() throws {
        let cwd = FileManager.default.currentDirectoryPath
        let c = try TrainConfig.parse("data:\n  train: [build/t.tsv, ../other/s.tsv]\n  valid: ../../v.tsv\nmodel: {init: ./m.safetensors}\n",
                                      path: "corpora/poilus/train.yaml")
        let base = URL(fileURLWithPath: cwd)
        func expect(_ p: String) -> String { base.appendingPathComponent(p).standardizedFileURL.path }
        XCTAssertEqual(c.trainManifests, [expect("corpora/poilus/build/t.tsv"), expect("corpora/other/s.tsv")])
        XCTAssertEqual(c.validManifest, expect("v.tsv"))
        XCTAssertEqual(c.initialModel, expect("corpora/poilus/m.safetensors"))
        XCTAssertEqual(RelativePath.resolve("../a", againstFolderOf: "/x/y/f.yaml"), "/x/a")
        XCTAssertEqual(RelativePath.resolve("/abs/a", againstFolderOf: "b/f.yaml"), "/abs/a")
    }

    func testFieldsAreRead() throws {
        let c = try parse("""
        name: digits
        data: {train: [t.tsv, ../s.tsv], valid: v.tsv, train_split: train, max_duration: 12}
        front_end: {sample_rate: 8000, n_fft: 200, hop_length: 80, n_mels: 40, stack: 2}
        model: {layers: Lbx64, seed: 4}
        training: {epochs: 7, learning_rate: 0.003, batch_seconds: 50}
        augment: {speed: [], noise_snr_db: [0, 20], time_masks: 3}
        decoding: {decoder: greedy}
        """)
        XCTAssertEqual(c.trainManifests, ["/runs/x/t.tsv", "/runs/s.tsv"])
        XCTAssertEqual(c.trainSplit, "train")
        XCTAssertEqual(c.maxDuration, 12)
        XCTAssertEqual(c.frontEnd.inputSize, 80)
        XCTAssertEqual(c.spec(classes: 5), "[Lbx64 Fl5]")
        XCTAssertEqual(c.epochs, 7)
        XCTAssertEqual(c.learningRate, 0.003)
        XCTAssertNil(c.augmentation.speed)
        XCTAssertEqual(c.augmentation.noiseSNR, 0...20)
        XCTAssertEqual(c.augmentation.timeMasks, 3)
        XCTAssertEqual(c.decoding.decoder, .greedy)
        XCTAssertEqual(c.keep, .best)
        XCTAssertEqual(try parse("data: {train: t.tsv, valid: v.tsv}\ntraining: {keep: last}\n").keep, .last)
    }

    /// Found by `scripts/fuzz config`: Yams.load traps on a duplicated key.
    func testDuplicateKeysAreErrorsNotTraps() {
        assertError("training:\n  epochs: 2\n  epochs: 3\n", "training.epochs: the field is given twice")
        assertError("decoding:\n  beam: 8\n  beam: 8\n", "decoding.beam: the field is given twice")
        assertError("decoding:\n  decoder: beam\n? beam!: 8\n", "a key is not plain text")
    }

    /// Found by `scripts/fuzz config` (long run, after 517,767 executions): Yams composes
    /// nested collections recursively, and a 2 KB file of `{` overflowed the stack. Nesting
    /// is now bounded on the text, before Yams sees it.
    func testDeepNestingIsRefusedBeforeYamsRecursesIntoIt() {
        let finding = String(decoding: Data(base64Encoded: "bmRlc2tldzogdHJ1ZX0KbW9kZWw6IHtyczpoczogMSx7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7V2ZybyBseWNyczpoczogMSx7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7ZnJvIGx5Y3JzOmhzOiAxLHt7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7ZnJvIGx5Y3JzOmhzOiAxLHt7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3tmcm8gbHljcnM6aHM6IDEse3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3tmcm8gbHljcnM6aHM6IDEse3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3tmcm8gbHljcnM6aHM6IDEse3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3tXZnJvIGx5Y3JzOmhzOiAxLHt7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3tmcm8gbHljcnM6aHM6IDEse3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3tmcm8gbHljcnM6aHM6IDEse3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3tmcm8gbHljcnM6aHM6IDEse3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e2ZybyBseWNyczpoczogMSx7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e1dmcm8gbHljcnM6aHM6IDEse3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e2ZybyBseWNyczpoczogMSx7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e2ZybyBseWNyczpoczogMSx7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e2ZybyBseWNyczpoczogMSx7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3t7e3thbGlkLCByZHBvY2hzOm9kLnRzdn0rCm5hUW10YXRpb25lOiBsaW5lOnRpMCA0V28uNX0=")!, as: UTF8.self)
        assertError(finding, "nests deeper than 64 levels")
        assertError(String(repeating: "[", count: 100_000), "nests deeper than 64 levels")
        assertError(String(repeating: "- ", count: 50_000) + "x\n", "nests deeper than 64 levels")
        assertError((0..<200).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n") + " 1\n", "line 65 nests")
        // Brackets in quotes and comments do not hide real nesting, and ordinary files pass.
        assertError("a: [\"\\\" ]]]]]]]]]]\", " + String(repeating: "{", count: 70) + "\n", "nests deeper")
        XCTAssertNil(YAMLDocument.deeplyNestedLine("a: \"]]]]]\" # ]]]]\nb: [[1, 2], {c: [3]}]\n"))
        XCTAssertNil(YAMLDocument.deeplyNestedLine(String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + "\n" + String(repeating: "{", count: 60)))
    }

    /// Found by `scripts/fuzz config` (long run): Yams' YAML 1.1 constructors trap on an
    /// overflowing base-60 integer. Scalars are resolved by Scribe: such a value is text,
    /// and a field that wants a number says so.
    func testOverflowingSexagesimalIsTextNotATrap() {
        assertError("279079079000000000:8\n", "expected a mapping of fields")
        assertError("data: {train: t.tsv, valid: v.tsv}\ntraining: {epochs: 279079079000000000:8}\n", "training.epochs: expected a whole number")
        assertError("data: {train: t.tsv, valid: v.tsv}\ntraining: {epochs: 99999999999999999999}\n", "training.epochs: expected a whole number")
        let c = try? parse("data: {train: t.tsv, valid: v.tsv}\ntraining: {epochs: 12, learning_rate: 1e-3, clip_norm: '5'}\naugment: {enabled: off}\n")
        XCTAssertNil(c, "a quoted number is text")
        let d = try? parse("data: {train: t.tsv, valid: v.tsv}\ntraining: {epochs: 12, learning_rate: 1e-3}\naugment: {enabled: off}\n")
        XCTAssertEqual(d?.epochs, 12)
        XCTAssertEqual(d?.learningRate, 0.001)
        XCTAssertEqual(d?.augmentation, .off, "off is false")
    }

    func testAliasBombIsRefused() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        assertError(yaml, "expands to more than")
    }

    func testMistakesAreNamed() {
        let data = "data: {train: t.tsv, valid: v.tsv}\n"
        assertError(data + "trainig: {epochs: 3}\n", "train.yaml: trainig: unknown field; the fields of the top level are:")
        assertError(data + "training: {epoch: 3}\n", "training.epoch: unknown field")
        assertError(data + "training: {epochs: three}\n", "training.epochs: expected a whole number")
        assertError(data + "training: {epochs: 0}\n", "training.epochs: 0 is outside 1...100000")
        assertError(data + "training: {learning_rate: .nan}\n", "training.learning_rate")
        assertError(data + "augment: {speed: [1.2, 0.9]}\n", "augment.speed: expected [low, high] with low ≤ high")
        assertError(data + "decoding: {decoder: viterbi}\n", "\"viterbi\" is not one of: greedy, beam")
        assertError(data + "training: {keep: newest}\n", "\"newest\" is not one of: best, last")
        assertError(data + "front_end: {sample_rate: 8000, n_mels: 200}\n", "front_end: ")
        assertError("data: {valid: v.tsv}\n", "data.train: the training manifest is required")
        assertError("data: [1, 2]\n", "data: expected a mapping")
        assertError("data: {train: [], valid: v.tsv}\n", "data.train: the list of training manifests is empty")
        assertError("data: {train: a\n", "not valid YAML")
        XCTAssertThrowsError(try TrainConfig.load(path: "/no/such.yaml")) { XCTAssertTrue("\($0)".contains("no such configuration file")) }
    }
}
