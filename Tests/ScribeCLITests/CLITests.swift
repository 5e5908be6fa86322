import Foundation
import ScribeCore
import ScribeImage
import XCTest
import ScribeNN
import ScribeRecognition
import _ScribeTestSupport
@testable import scribe

/// Runs the built `scribe` binary end to end.
final class CLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try TemporaryFolder.make("cli")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ScribeAudioTests/Fixtures").standardized

    /// Runs scribe with `arguments`; returns exit status, stdout and stderr.
    func scribe(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try ScribeProcess.run(arguments)
    }

    func testInfo() throws {
        let r = try scribe(["info", fixtures.appendingPathComponent("stereo44k.wav").path])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("44100 Hz"), r.out)
        XCTAssertTrue(r.out.contains("channels:    2"), r.out)
        XCTAssertTrue(r.out.contains("0.500 s"), r.out)
    }

    func testFeaturesMatchTheLibrosaFixture() throws {
        let out = dir.appendingPathComponent("x.npy").path
        let r = try scribe(["features", fixtures.appendingPathComponent("tone8k.wav").path, "--kind", "melpower",
                            "--sample-rate", "8000", "--n-fft", "256", "--hop-length", "80", "--n-mels", "40",
                            "--mel-scale", "slaney", "-o", out])
        XCTAssertEqual(r.status, 0, r.err)
        let actual = try Npy.read(out)
        let expected = try Npy.read(fixtures.appendingPathComponent("tone8k_melpower_slaney.npy").path)
        XCTAssertEqual(actual.rows, expected.rows)
        XCTAssertEqual(actual.columns, 40)
        let scale = expected.values.map { abs($0) }.max()!
        for (a, e) in zip(actual.values, expected.values) { XCTAssertEqual(a, e, accuracy: 1e-4 * abs(e) + 1e-6 * scale) }
    }

    func testSpectrogramWritesAPNG() throws {
        let out = dir.appendingPathComponent("s.png").path
        let r = try scribe(["spectrogram", fixtures.appendingPathComponent("tone8k.wav").path, "--sample-rate", "8000", "-o", out])
        XCTAssertEqual(r.status, 0, r.err)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    /// Audio below 16 kHz is analysed at its own rate unless --sample-rate asks otherwise
    /// (upsampling 8 kHz speech only adds an empty top half and mel bands at the floor).
    func testNarrowbandAudioKeepsItsRate() throws {
        try TinyCorpus.write("narrow", count: 1, seed: 1, in: dir.path)
        let wav = dir.appendingPathComponent("wav/narrow-0.wav").path, out = dir.appendingPathComponent("n.npy").path
        let own = try scribe(["features", wav, "-o", out])
        XCTAssertEqual(own.status, 0, own.err)
        XCTAssertTrue(own.err.contains("× 40 logmel features"), own.err)
        let up = try scribe(["features", wav, "-o", out, "--sample-rate", "16000"])
        XCTAssertTrue(up.err.contains("× 80 logmel features"), up.err)
        XCTAssertFalse(try scribe(["spectrogram", "--help"]).out.contains("--n-mfcc"), "pictures take no MFCC options")
    }

    /// Every output path is checked before the work starts, with one error path: exit 1 and
    /// "Error: cannot write PATH: ...", nothing half-printed on standard output.
    func testOutputPathsAreCheckedFirst() throws {
        let text = dir.appendingPathComponent("ref.txt").path
        try "a b c\n".write(toFile: text, atomically: false, encoding: .utf8)
        let missing = dir.appendingPathComponent("no/such/folder").path
        try TinyCorpus.write("w", count: 1, seed: 1, in: dir.path)
        let wav = dir.appendingPathComponent("wav/w-0.wav").path
        for args in [["score", "--ref", text, "--hyp", text, "-o", missing + "/s.txt"],
                     ["lm", "build", text, "-o", missing + "/lm.arpa"],
                     ["features", wav, "-o", missing + "/f.npy"],
                     ["spectrogram", wav, "-o", missing + "/s.png"],
                     ["evaluate", "--model", dir.path, "--manifest", dir.appendingPathComponent("w.tsv").path,
                      "--alphabet", text, "--html", missing + "/r.html"]] {
            let r = try scribe(args)
            XCTAssertEqual(r.status, 1, "\(args[0]): \(r.err)")
            XCTAssertTrue(r.err.hasPrefix("Error: cannot write \(missing)/"), "\(args[0]): \(r.err)")
            XCTAssertTrue(r.err.contains("does not exist; create it first"), r.err)
            XCTAssertEqual(r.out, "", "\(args[0]) printed before failing")
        }
        let folder = try scribe(["features", wav, "-o", dir.path])
        XCTAssertEqual(folder.status, 1)
        XCTAssertTrue(folder.err.contains("it is a folder; give a file name"), folder.err)
    }

    /// A mistyped command gets the nearest one suggested (exit 64), not a complaint about its options.
    func testUnknownCommandSuggestsTheNearest() throws {
        let r = try scribe(["feature", "x.wav", "-o", "a.npy"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.contains("unknown command 'feature'. Did you mean 'features'?"), r.err)
        let far = try scribe(["zzzzzzzz"])
        XCTAssertEqual(far.status, 64)
        XCTAssertFalse(far.err.contains("Did you mean"), far.err)
        XCTAssertTrue(far.err.contains("recognize"), far.err)
    }

    /// Every bench command reads its comma lists one way: a bad entry is an error naming
    /// the option and the subcommand's usage (exit 64), never silently dropped.
    func testBenchListsRefuseBadEntries() throws {
        for (arguments, fragment) in [(["bench", "score", "--threads", "1,x"], "--threads takes positive whole numbers separated by commas, like 1,2 (got \"1,x\")"),
                                      (["bench", "features", "--threads", "0"], "--threads takes positive whole numbers"),
                                      (["bench", "train-step", "--batch", "4,,8"], "--batch takes positive whole numbers"),
                                      (["bench", "decode", "--beams", "16,sixty-four"], "--beams takes positive whole numbers"),
                                      (["bench", "decode", "--pruning", "fast,bogus"], "--pruning takes a comma-separated list of matched, fast, none")] {
            let r = try scribe(arguments)
            XCTAssertEqual(r.status, 64, "\(arguments)")
            XCTAssertTrue(r.err.contains("Error: " + fragment), r.err)
            XCTAssertTrue(r.err.contains("Usage: scribe bench " + arguments[1]), r.err)
        }
    }

    /// `-` is standard input or output in every command that reads or writes a file.
    func testDashIsStandardInputAndOutput() throws {
        let wav = fixtures.appendingPathComponent("short16k.wav").path
        let npy = try ScribeProcess.runRaw(["features", wav, "-o", "-"])
        XCTAssertEqual(npy.status, 0, npy.err)
        let matrix = try Npy.decode(npy.out)
        XCTAssertEqual(matrix.columns, 80)
        XCTAssertTrue(npy.err.contains("standard output: \(matrix.rows) frames × 80 logmel features"), npy.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "-"))
        let png = try ScribeProcess.runRaw(["spectrogram", wav, "-o", "-"])
        XCTAssertEqual(Array(png.out.prefix(4)), [0x89, 0x50, 0x4E, 0x47], png.err)

        let ref = dir.appendingPathComponent("ref.txt").path
        try "a b c\nd e\n".write(toFile: ref, atomically: false, encoding: .utf8)
        let score = try ScribeProcess.run(["score", "--ref", ref, "--hyp", "-", "-o", "-"], input: Data("a x c\nd e\n".utf8))
        XCTAssertEqual(score.status, 0, score.err)
        XCTAssertTrue(score.out.contains("HYP: standard input"), score.out)
        XCTAssertTrue(score.out.contains("WER 20.00%"), score.out)
        let lm = try ScribeProcess.run(["lm", "build", "-", "--order", "2", "-o", "-"], input: Data("a b\nb a\n".utf8))
        XCTAssertEqual(lm.status, 0, lm.err)
        XCTAssertTrue(lm.out.hasPrefix("\n\\data\\") || lm.out.hasPrefix("\\data\\"), lm.out)
    }

    /// Several audio files go to a folder, NAME.npy each; a bad one fails alone (exit 1).
    func testFeaturesOfSeveralFiles() throws {
        let wav = fixtures.appendingPathComponent("short16k.wav").path
        let bad = dir.appendingPathComponent("bad.wav").path
        try "not audio".write(toFile: bad, atomically: false, encoding: .utf8)
        let copy = dir.appendingPathComponent("copy.wav").path
        try FileManager.default.copyItem(atPath: wav, toPath: copy)
        let out = dir.appendingPathComponent("npy")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let r = try scribe(["features", wav, bad, copy, "-o", out.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("1 of 3 files could not be read"), r.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(), ["copy.npy", "short16k.npy"])
        let noFolder = try scribe(["features", wav, copy, "-o", dir.appendingPathComponent("x.npy").path])
        XCTAssertEqual(noFolder.status, 1)
        XCTAssertTrue(noFolder.err.contains("several input files need an output folder"), noFolder.err)
    }

    func testErrorsExitNonZeroAndNameTheFile() throws {
        let text = dir.appendingPathComponent("notes.wav").path
        try Data("not audio".utf8).write(to: URL(fileURLWithPath: text))
        for args in [["info", "/no/such.wav"], ["features", text, "-o", dir.appendingPathComponent("y.npy").path],
                     ["features", fixtures.appendingPathComponent("tone8k.wav").path, "-o", "/no/such/dir/y.npy"],
                     ["spectrogram", "/no/such.wav", "-o", dir.appendingPathComponent("z.png").path]] {
            let r = try scribe(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            let named = args.first { $0.hasPrefix("/no/such") } ?? text
            XCTAssertTrue(r.err.contains(named), "\(args): \(r.err)")
            XCTAssertFalse(r.err.contains("Fatal error"), r.err)
        }
        let bad = try scribe(["features", fixtures.appendingPathComponent("tone8k.wav").path, "--hop-length", "0", "-o", "/tmp/q.npy"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("--hop-length"), bad.err)
    }

    /// A page of six synthetic lines, 60 px apart, written as a PNG.
    func syntheticPage() throws -> String {
        var page = GrayImage(width: 700, height: 480, fill: 0.92)
        for i in 0..<6 {
            var x = 50
            for w in 0..<6 {
                for letter in 0..<(3 + w % 3) {
                    let tall = letter % 3 == 0 ? 30 : 20
                    for y in (90 + 60 * i - tall)..<(90 + 60 * i) { for xx in x..<(x + 5) { page[xx, y] = 0.1 } }
                    x += 9
                }
                x += 25
            }
        }
        let path = dir.appendingPathComponent("page.png").path
        try PNGWriter.write(page.image8, to: path)
        return path
    }

    func testLinesFindsTheLinesAsJSONAndDrawsThem() throws {
        let page = try syntheticPage()
        let overlay = dir.appendingPathComponent("overlay.png").path
        let r = try scribe(["lines", page, "--finder", "classical", "--format", "json", "-o", overlay])
        XCTAssertEqual(r.status, 0, r.err)
        let json = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: [[String: Any]]]
        let lines = json["lines"]!
        XCTAssertEqual(lines.count, 6)
        let tops = lines.map { ($0["box"] as! [Int])[1] }
        XCTAssertEqual(tops, tops.sorted(), "reading order is top to bottom")
        XCTAssertEqual((lines[0]["polygon"] as! [[Int]]).count, 4)
        XCTAssertTrue(FileManager.default.fileExists(atPath: overlay))
    }

    /// `--finder` takes a line-finder model file (an untrained one here: the plumbing, not
    /// the accuracy, is tested) and names a file that is not one.
    func testLinesWithALineFinderModelFile() throws {
        let page = try syntheticPage()
        let model = dir.appendingPathComponent("finder.safetensors").path
        try LineFinder(network: LineFinderNetwork(widths: [2, 2, 4, 4]), workingSide: 512).encoded().write(to: model)
        let r = try scribe(["lines", page, "--finder", model, "--format", "json", "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertNotNil((try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any])["lines"] as? [Any])
        let missing = try scribe(["lines", page, "--finder", dir.appendingPathComponent("none.safetensors").path])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.err.contains("none.safetensors"), missing.err)
        let notFinder = try scribe(["lines", page, "--finder", page])
        XCTAssertEqual(notFinder.status, 1)
        XCTAssertTrue(notFinder.err.contains("page.png"), notFinder.err)
    }

    func testNormalizeWritesAFixedHeightLine() throws {
        let page = try syntheticPage()
        let out = dir.appendingPathComponent("line.png").path
        let r = try scribe(["normalize", page, "-o", out, "--height", "40", "--windows"])
        XCTAssertEqual(r.status, 0, r.err)
        let image = try PNGReader().read(out, rgb: true)
        XCTAssertEqual(image.height, 40 + 16, "line plus the two window bands")
        XCTAssertTrue(r.err.contains("(picture with its windows \(image.width) × \(image.height) px)"), r.err)
        // The synthetic page is taller than wide: normalizing it whole gets a warning.
        XCTAssertTrue(r.err.contains("not the wide strip of one text line"), r.err)
        let bad = try scribe(["normalize", "/no/such/line.png", "-o", out])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("/no/such/line.png"), bad.err)
    }

    /// `--model` takes the shipped model's normalization (digit-strings: 32 px lines) and its
    /// window (W32s4); options given with it override only what they name.
    func testNormalizeAsAModelDoes() throws {
        let page = try syntheticPage()
        let out = dir.appendingPathComponent("seen.png").path
        let seen = try scribe(["normalize", page, "-o", out, "--model", "digit-strings", "--windows"])
        XCTAssertEqual(seen.status, 0, seen.err)
        let image = try PNGReader().read(out, rgb: true)
        XCTAssertEqual(image.height, 32 + 16)
        let line = try scribe(["normalize", page, "-o", out, "--model", "digit-strings", "--height", "40"])
        XCTAssertEqual(line.status, 0, line.err)
        XCTAssertEqual(try PNGReader().read(out).height, 40)
        XCTAssertEqual(Scribe.Normalize.window(inArchitecture: "[Cb3x3,16 Mp2x2 W32s4 Lbx192]"), WindowGeometry(width: 32, stride: 4))
        XCTAssertNil(Scribe.Normalize.window(inArchitecture: "[Lbx256 Fl29]"))
        let speech = try scribe(["normalize", page, "-o", out, "--model", "english"])
        XCTAssertEqual(speech.status, 1)
        XCTAssertTrue(speech.err.contains("speech model"), speech.err)
        let steep = try scribe(["normalize", page, "-o", out, "--max-slant", "70"])
        XCTAssertNotEqual(steep.status, 0)
        XCTAssertTrue(steep.err.contains("--max-slant must be between 0 and 60"), steep.err)
    }
}
