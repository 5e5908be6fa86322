import Foundation
import ScribeCore
import XCTest

/// Runs the built `scribe` binary end to end.
final class CLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("scribe-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    var binary: URL {
        let bundle = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }
        return (bundle?.bundleURL.deletingLastPathComponent() ?? Bundle.main.bundleURL).appendingPathComponent("scribe")
    }

    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ScribeAudioTests/Fixtures").standardized

    /// Runs scribe with `arguments`; returns exit status, stdout and stderr.
    func scribe(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
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
}
