import Foundation
import ScribeAudio
import ScribeCore
import XCTest

/// Every kind of bad input gets a typed error naming the file, never a crash.
final class BadInputTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws { dir = try temporaryFolder(for: self) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Asserts that reading `file` fails with an error matching `check` whose message names the file.
    func assertRejects(_ file: String, _ check: (AudioError) -> Bool, line: UInt = #line) {
        for attempt in 0..<2 {
            do {
                if attempt == 0 { _ = try AudioFile.readMono(file) } else {
                    _ = try FeatureExtractor(config: .speech()).features(ofFile: file)
                }
                XCTFail("\(file) was accepted", line: line)
            } catch let error as AudioError {
                XCTAssertTrue(check(error), "unexpected error: \(error)", line: line)
                XCTAssertTrue(error.description.contains(file), "message does not name the file: \(error)", line: line)
            } catch {
                XCTFail("untyped error \(error)", line: line)
            }
        }
    }

    /// A valid 16-bit mono WAV of `frames` samples at 16 kHz, as bytes.
    func wavBytes(frames: Int = 1600) throws -> [UInt8] {
        let p = path("valid.wav")
        try AudioWriter.write([Float](repeating: 0.1, count: frames), sampleRate: 16_000, to: p)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: p)))
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    func testMissingFile() {
        assertRejects(path("nope.wav")) { if case .fileNotFound = $0 { return true }; return false }
    }

    func testNonAudioFile() throws {
        let p = try write(Array("this is a text file, not audio\n".utf8), "notes.wav")
        assertRejects(p) { if case .unreadable = $0 { return true }; return false }
    }

    func testTruncatedHeader() throws {
        let p = try write(Array(try wavBytes().prefix(20)), "truncated.wav")
        assertRejects(p) { if case .unreadable = $0 { return true }; return false }
    }

    func testZeroLengthAudio() throws {
        let p = path("empty.wav")
        try AudioWriter.write([], sampleRate: 16_000, to: p)
        assertRejects(p) { if case .empty = $0 { return true }; return false }
    }

    /// A zero-byte file and a directory are named as such, not as corrupt audio.
    func testEmptyFileAndDirectory() throws {
        let empty = try write([], "zero-bytes.wav")
        XCTAssertThrowsError(try AudioReader(path: empty)) {
            XCTAssertEqual("\($0)", "\(empty): is empty (0 bytes); give an audio file (WAV, FLAC, OGG/Vorbis or another format libsndfile reads).")
        }
        let folder = path("a-folder.wav")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        XCTAssertThrowsError(try AudioReader(path: folder)) { XCTAssertTrue("\($0)".contains("a-folder.wav: is a directory, not a file"), "\($0)") }
    }

    /// 0 Hz and 2 GHz are corrupt headers; 64 Hz is the rate the audio fuzz target found
    /// slowing it down: 4 KB of samples declared at 64 Hz are 70 s of audio once resampled to
    /// 16 kHz (0.4 s of work per 4 KB file), and at 1 Hz a 16 KB file would be 4.4 hours.
    func testZeroAndAbsurdSampleRates() throws {
        for (rate, name) in [(UInt32(0), "rate0.wav"), (UInt32(2_000_000_000), "rate2G.wav"), (UInt32(64), "rate64.wav"), (UInt32(999), "rate999.wav")] {
            var bytes = try wavBytes()
            // RIFF/WAVE "fmt " chunk: sample rate at byte 24, byte rate at 28 (little-endian).
            for i in 0..<4 { bytes[24 + i] = UInt8((rate >> (8 * UInt32(i))) & 0xff) }
            let byteRate = rate &* 2
            for i in 0..<4 { bytes[28 + i] = UInt8((byteRate >> (8 * UInt32(i))) & 0xff) }
            let p = try write(bytes, name)
            assertRejects(p) {
                switch $0 {
                case let .invalidSampleRate(_, declared): return declared == Int(rate) && "\($0)".contains("expected 1000 Hz to 768000 Hz")
                case .unreadable: return rate == 0 || rate > 768_000  // libsndfile may refuse these itself
                default: return false
                }
            }
        }
        let slowest = path("rate1000.wav")
        try AudioWriter.write([Float](repeating: 0.1, count: 500), sampleRate: 1_000, to: slowest)
        XCTAssertEqual(try AudioFile.readMono(slowest).1, 1_000)
    }

    func testNaNAndInfinityInFloatWAV() throws {
        for (value, name) in [(Float.nan, "nan.wav"), (Float.infinity, "inf.wav")] {
            var samples = [Float](repeating: 0.1, count: 4000)
            samples[3210] = value
            let p = path(name)
            try AudioWriter.write(samples, sampleRate: 16_000, encoding: .wavFloat, to: p)
            assertRejects(p) {
                if case let .nonFiniteSample(_, frame, channel) = $0 { return frame == 3210 && channel == 0 }
                return false
            }
        }
    }

    func testTruncatedData() throws {
        // A header that promises more data than the file holds: libsndfile reads what is there.
        let bytes = try wavBytes(frames: 16_000)
        let p = try write(Array(bytes.prefix(1000)), "cut.wav")
        let (samples, _) = try AudioFile.readMono(p)
        XCTAssertLessThan(samples.count, 16_000)
    }

    /// A header's frame count is the file's word, not a fact: a WAV declaring 2^31 frames in
    /// a 200-byte file is read for what it holds, without reserving 8 GB first.
    func testHeaderDeclaringTwoToTheThirtyOneFrames() throws {
        let file = path("liar.wav")
        try AudioWriter.write([Float](repeating: 0.25, count: 80), sampleRate: 8000, to: file)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let data = try XCTUnwrap((0..<(bytes.count - 4)).first { bytes[$0..<($0 + 4)].elementsEqual("data".utf8) })
        for (k, b) in [UInt8(0xFE), 0xFF, 0xFF, 0xFF].enumerated() { bytes[data + 4 + k] = b }  // 2^32 - 2 bytes of 16-bit mono
        for (k, b) in [UInt8(0xFF), 0xFF, 0xFF, 0xFF].enumerated() { bytes[4 + k] = b }
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let reader = try AudioReader(path: file)
        XCTAssertLessThanOrEqual(reader.plausibleFrames, 8 * bytes.count)
        let samples = try AudioFile.readMono(file).samples
        XCTAssertLessThanOrEqual(samples.count, 80)
        let features = try FeatureExtractor(config: .speech(sampleRate: 8000), threads: 1).features(ofFile: file)
        XCTAssertLessThanOrEqual(features.rows, 2)
    }

    /// Found by `scripts/fuzz audio`: a 120-byte FLAC whose STREAMINFO declares billions of
    /// samples made the feature extractor reserve 34 GB before decoding a frame.
    func testFuzzFindingFLACWithForgedSampleCount() throws {
        let file = path("forged.flac")
        let base64 = "ZkxhQwAAACIQABAAAANMAANMAfQA8gAAAyCCg28Ws16G3NGtNFrC5I7whAAAKCAAAAByZWZlcmVuY2UgbGliUakrBW3JFAgVHxKWm5mWCd0MXAifmL8iaO0ipFj8bKGm/3lFKaaU2l1fclcwvJ9ayqtSSTh0oEZ2"
        let bytes = try XCTUnwrap(Data(base64Encoded: base64))
        try bytes.write(to: URL(fileURLWithPath: file))
        // The reservation follows the file's size, not the header's billions of samples
        // (which libsndfile reports as they are).
        let reader = try AudioReader(path: file)
        XCTAssertGreaterThan(reader.info.frames, 1_000_000, "the forged header is what the test is about")
        XCTAssertLessThanOrEqual(reader.plausibleFrames, 8 * bytes.count)
        do {
            _ = try FeatureExtractor(config: .speech(), threads: 1).features(ofFile: file)
        } catch let error as AudioError {
            XCTAssertTrue(error.description.contains(file), "\(error)")
        }
    }

    func testUnwritableOutput() {
        XCTAssertThrowsError(try Npy.write(FeatureMatrix(rows: 1, columns: 1), to: "/nonexistent-folder/x.npy")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-folder/x.npy"))
        }
        XCTAssertThrowsError(try AudioWriter.write([0], sampleRate: 16_000, to: "/nonexistent-folder/x.wav")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent-folder/x.wav"))
        }
    }

    func testInvalidSettingsAreNamed() {
        var c = FrontEndConfig.speech()
        c.hopLength = 0
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("--hop-length")) }
        c = .speech(sampleRate: 8000)
        c.nMels = 128
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("--n-mels")) }
        c = .speech()
        c.fMax = 9000
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("Nyquist")) }
        c = .speech()
        c.winLength = 512
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("--win-length")) }
        XCTAssertNoThrow(try FrontEndConfig.speech(sampleRate: 8000).validate())
        XCTAssertNoThrow(try FrontEndConfig.speech(sampleRate: 16_000).validate())
        XCTAssertNoThrow(try FrontEndConfig.speech(sampleRate: 44_100).validate())
    }

    func testShortFileWithoutCentringHasNoFrames() throws {
        var c = FrontEndConfig.speech()
        c.center = false
        XCTAssertThrowsError(try FeatureExtractor(config: c).features(ofFile: fixture("short16k.wav"))) {
            XCTAssertTrue("\($0)".contains("shorter than one window"), "\($0)")
        }
    }
}
