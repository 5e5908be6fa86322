import Foundation
import XCTest
import _ScribeTestSupport

/// `scribe train`, `transcribe` and `evaluate` end to end on a tiny corpus the test writes:
/// training, kill -9 and resume, transcription with bad files among good ones, evaluation.
final class TrainTranscribeCLITests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = try TinyCorpus.temporaryFolder("cli-\(name.filter(\.isLetter))")
        try TinyCorpus.write("train", count: 40, seed: 1, in: folder)
        try TinyCorpus.write("valid", count: 10, seed: 2, in: folder)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func start(_ arguments: [String]) throws -> (Process, Pipe, Pipe) { try ScribeProcess.start(arguments) }

    func scribe(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) { try ScribeProcess.run(arguments) }

    func testTrainTranscribeEvaluate() throws {
        let config = try TinyCorpus.writeConfig(folder: folder, output: "run", epochs: 16)
        let trained = try scribe(["train", config, "--threads", "1"])
        XCTAssertEqual(trained.status, 0, trained.err)
        XCTAssertTrue(trained.out.contains("best validation CER"), trained.out)
        XCTAssertTrue(trained.err.contains("epoch 16:"), trained.err)
        let model = folder + "/run/model.safetensors"

        // Several files in parallel; a missing and a non-audio file fail alone.
        try "not audio".write(toFile: folder + "/bad.wav", atomically: false, encoding: .utf8)
        let files = [folder + "/wav/valid-0.wav", folder + "/missing.wav", folder + "/wav/valid-1.wav", folder + "/bad.wav"]
        let r = try scribe(["transcribe", "--model", model, "--format", "json"] + files)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("missing.wav: no such file"), r.err)
        XCTAssertTrue(r.err.contains("bad.wav: cannot be read as audio"), r.err)
        XCTAssertTrue(r.err.contains("2 of 4 files could not be transcribed"), r.err)
        let lines = r.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(first["file"] as? String, files[0])
        XCTAssertEqual(first["model"] as? String, "run")
        XCTAssertNotNil(first["real_time_factor"] as? Double)
        let valid = try String(contentsOfFile: folder + "/valid.tsv", encoding: .utf8).split(separator: "\n")
        let truth = valid[1].split(separator: "\t")[2]
        XCTAssertEqual(first["text"] as? String, String(truth))
        let words = first["words"] as! [[String: Any]]
        XCTAssertEqual(words.map { $0["word"] as! String }, truth.split(separator: " ").map(String.init))
        XCTAssertTrue(words.allSatisfy { ($0["start"] as! Double) >= 0 && ($0["end"] as! Double) >= ($0["start"] as! Double) })

        let srt = try scribe(["transcribe", "--model", model, "--format", "srt", files[0]])
        XCTAssertEqual(srt.status, 0, srt.err)
        XCTAssertTrue(srt.out.hasPrefix("1\n00:00:00,"), srt.out)
        let several = try scribe(["transcribe", "--model", model, "--format", "vtt", files[0], files[2]])
        XCTAssertNotEqual(several.status, 0)
        XCTAssertTrue(several.err.contains("needs --output-dir"), several.err)

        let e = try scribe(["evaluate", "--model", model, "--manifest", folder + "/valid.tsv", "--decoder", "greedy",
                            "--html", folder + "/report.html"])
        XCTAssertEqual(e.status, 0, e.err)
        XCTAssertTrue(e.out.contains("WER "), e.out)
        let html = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<audio controls preload=none src=\"file://\(folder)/wav/valid-"), "each utterance links its audio")
        // A character LM stored with the model as a decoding default, relative to the model's folder.
        let texts = try String(contentsOfFile: folder + "/train.tsv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: "\t")[2] }.joined(separator: "\n")
        try texts.write(toFile: folder + "/run/text.txt", atomically: false, encoding: .utf8)
        XCTAssertEqual(try scribe(["lm", "build", "--unit", "char", "--order", "3", folder + "/run/text.txt", "-o", folder + "/run/lm.arpa"]).status, 0)
        let stored = try scribe(["model", "defaults", model, "--lm", folder + "/run/lm.arpa", "--alpha", "0.3", "--beta", "0.5"])
        XCTAssertEqual(stored.status, 0, stored.err)
        let info = try scribe(["model", "info", model])
        XCTAssertTrue(info.out.contains("\"lm\":\"lm.arpa\""), info.out)
        XCTAssertTrue(info.out.contains("\"alpha\":0.3"), info.out)
        XCTAssertTrue(info.out.contains("Lbx12"), info.out)
        XCTAssertTrue(info.out.contains("train_manifests: "), "long info keys are not cut: \(info.out)")
        let withLM = try scribe(["transcribe", "--model", model, files[0]])
        XCTAssertEqual(withLM.status, 0, withLM.err)
        XCTAssertEqual(withLM.out, String(truth) + "\n")
        XCTAssertEqual(try scribe(["transcribe", "--model", model, "--no-lm", files[0]]).out, String(truth) + "\n")

        let nameless = try scribe(["transcribe", "--model", "no-such-model", files[0]])
        XCTAssertNotEqual(nameless.status, 0)
        XCTAssertTrue(nameless.err.contains("no model \"no-such-model\""), nameless.err)
    }

    /// `--seed` trains another network from the same recipe: the same seed twice gives the
    /// same weights, another seed other weights.
    func testSeedOverride() throws {
        let config = try TinyCorpus.writeConfig(folder: folder, output: "run", epochs: 1)
        var weights: [String: Data] = [:]
        for (output, seed) in [("s2", "2"), ("s2again", "2"), ("s5", "5")] {
            let r = try scribe(["train", config, "--threads", "1", "--output", folder + "/" + output, "--seed", seed])
            XCTAssertEqual(r.status, 0, r.err)
            weights[output] = try Data(contentsOf: URL(fileURLWithPath: folder + "/\(output)/model.safetensors"))
        }
        XCTAssertEqual(weights["s2"], weights["s2again"])
        XCTAssertNotEqual(weights["s2"], weights["s5"])
        let bad = try scribe(["train", config, "--seed", "3000000000"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("--seed"), bad.err)
    }

    /// `--init` starts a run from another run's weights (a path relative to the working
    /// directory); a missing file is named before any training.
    func testInitOverride() throws {
        let config = try TinyCorpus.writeConfig(folder: folder, output: "run", epochs: 1)
        XCTAssertEqual(try scribe(["train", config, "--threads", "1", "--output", folder + "/first"]).status, 0)
        let started = try scribe(["train", config, "--threads", "1", "--output", folder + "/second",
                                  "--init", folder + "/./first/model.safetensors"])
        XCTAssertEqual(started.status, 0, started.err)
        XCTAssertTrue(started.err.contains("weights from \(folder)/first/model.safetensors"), started.err)
        let missing = try scribe(["train", config, "--threads", "1", "--output", folder + "/third",
                                  "--init", folder + "/none.safetensors"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("none.safetensors"), missing.err)
    }

    /// `--layers` trains another network from the same recipe; a spec the parser rejects is
    /// named before any training, and resuming with other layers is refused by the checkpoint.
    func testLayersOverride() throws {
        let config = try TinyCorpus.writeConfig(folder: folder, output: "run", epochs: 1)
        let small = try scribe(["train", config, "--threads", "1", "--output", folder + "/small", "--layers", "Lbx6 Lbx6"])
        XCTAssertEqual(small.status, 0, small.err)
        let info = try scribe(["model", "info", folder + "/small/model.safetensors"])
        XCTAssertTrue(info.out.contains("Lbx6 Lbx6 Fl"), info.out)
        XCTAssertFalse(info.out.contains("Lbx12"), info.out)
        let bad = try scribe(["train", config, "--threads", "1", "--output", folder + "/bad", "--layers", "Lbx6 Zz9"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("Zz9"), bad.err)
        let other = try scribe(["train", config, "--threads", "1", "--output", folder + "/small", "--resume", "--epochs", "2"])
        XCTAssertNotEqual(other.status, 0, "the recipe's Lbx12 cannot resume the Lbx6 checkpoint")
        XCTAssertTrue(other.err.contains("was written for another configuration (its network"), other.err)
    }

    /// `--set` changes any field for one run (values read as YAML, sections created when
    /// the file has none); a misspelt field, a value of the wrong type and a malformed
    /// setting are refused with the field named.
    func testSetOverride() throws {
        let config = try TinyCorpus.writeConfig(folder: folder, output: "run", epochs: 1)
        let r = try scribe(["train", config, "--threads", "1", "--output", folder + "/set",
                            "--set", "training.epochs=2", "--set", "model.layers=Lbx7", "--set", "augment.speed=[0.9, 1.1]"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("epoch 2:"), r.err)
        XCTAssertTrue(try scribe(["model", "info", folder + "/set/model.safetensors"]).out.contains("Lbx7 Fl"))
        let typo = try scribe(["train", config, "--output", folder + "/typo", "--set", "training.epoch=2"])
        XCTAssertNotEqual(typo.status, 0)
        XCTAssertTrue(typo.err.contains("training.epoch: unknown field"), typo.err)
        let type = try scribe(["train", config, "--output", folder + "/type", "--set", "training.epochs=many"])
        XCTAssertNotEqual(type.status, 0)
        XCTAssertTrue(type.err.contains("training.epochs: expected a whole number"), type.err)
        let malformed = try scribe(["train", config, "--output", folder + "/bad", "--set", "epochs"])
        XCTAssertNotEqual(malformed.status, 0)
        XCTAssertTrue(malformed.err.contains("is not FIELD=VALUE"), malformed.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/typo"), "nothing is trained on a refused setting")
    }

    /// A training process killed with SIGKILL while it runs resumes with --resume and ends
    /// with every epoch in its metrics log.
    func testKillNineAndResume() throws {
        let config = try TinyCorpus.writeConfig(folder: folder, output: "run", epochs: 5)
        let (p, _, _) = try start(["train", config, "--threads", "1"])
        let checkpoint = folder + "/run/checkpoint.safetensors"
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: checkpoint) && Date() < deadline && p.isRunning { usleep(20_000) }
        XCTAssertTrue(p.isRunning, "training ended before it could be killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        let again = try scribe(["train", config, "--threads", "1"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.err.contains("pass --resume"), again.err)
        let reseeded = try scribe(["train", config, "--threads", "1", "--resume", "--seed", "2"])
        XCTAssertNotEqual(reseeded.status, 0)
        XCTAssertTrue(reseeded.err.contains("another configuration"), reseeded.err)
        let resumed = try scribe(["train", config, "--threads", "1", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue(resumed.err.contains("resumed from"), resumed.err)
        let log = try String(contentsOfFile: folder + "/run/metrics.jsonl", encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").count, 5)
    }

    func testConfigErrorsAreClear() throws {
        let path = folder + "/bad.yaml"
        try "data: {train: train.tsv, valid: valid.tsv}\ntraining: {epochs: 2, lerning_rate: 0.1}\n".write(toFile: path, atomically: false, encoding: .utf8)
        let r = try scribe(["train", path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("bad.yaml: training.lerning_rate: unknown field"), r.err)
        // Directories and empty files are named as such.
        let dir = try scribe(["train", folder + "/wav"])
        XCTAssertNotEqual(dir.status, 0)
        XCTAssertTrue(dir.err.contains("wav: is a directory, not a file; expected a YAML training configuration"), dir.err)
        let manifest = try scribe(["evaluate", "--model", "digits", "--manifest", folder + "/wav"])
        XCTAssertTrue(manifest.err.contains("is a directory, not a file; expected a manifest"), manifest.err)
        FileManager.default.createFile(atPath: folder + "/empty.wav", contents: Data())
        let empty = try scribe(["transcribe", "--model", "digits", folder + "/empty.wav"])
        XCTAssertEqual(empty.status, 1)
        XCTAssertTrue(empty.err.contains("empty.wav: is empty (0 bytes)"), empty.err)
    }
}
