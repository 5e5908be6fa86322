import Foundation
import ScribeAudio
import ScribeCore
import XCTest

/// Compares Scribe's front end with librosa 0.11 on the cases written by
/// scripts/make_audio_fixtures.py.
///
/// Tolerances, per quantity:
/// - power, magnitude and mel power: relative 1e-4, plus an absolute floor of 1e-6 × the
///   largest value (float32 FFT rounding on near-empty bins is relative to the frame's energy);
/// - log-mel (natural log): absolute 2e-3;
/// - MFCC with deltas: relative 1e-4 plus absolute 1e-3.
/// Every case runs on 1 and 2 threads.
final class LibrosaFixtureTests: XCTestCase {
    struct Case: Decodable {
        let name: String, input: String, kind: String
        let params: Params
    }
    struct Params: Decodable {
        let sample_rate: Int, n_fft: Int, hop_length: Int
        let win_length: Int?, n_mels: Int?, mel_scale: String?, window: String?
        let f_min: Double?, f_max: Double?, n_mfcc: Int?, deltas: Int?, normalize: Bool?
    }
    struct Bank: Decodable {
        let name: String, sample_rate: Int, n_fft: Int, n_mels: Int, f_min: Double, f_max: Double, mel_scale: String
    }
    struct Manifest: Decodable { let cases: [Case]; let filterbanks: [Bank] }

    static let manifest: Manifest = {
        let data = try! Data(contentsOf: fixtures.appendingPathComponent("cases.json"))
        return try! JSONDecoder().decode(Manifest.self, from: data)
    }()

    func config(for c: Case) -> FrontEndConfig {
        let p = c.params
        var config = FrontEndConfig.speech(sampleRate: p.sample_rate, kind: FeatureKind(rawValue: c.kind)!)
        config.nFFT = p.n_fft
        config.winLength = p.win_length ?? p.n_fft
        config.hopLength = p.hop_length
        config.nMels = p.n_mels ?? 80
        config.melScale = MelScale(rawValue: p.mel_scale ?? "slaney")!
        config.window = WindowKind(rawValue: p.window ?? "hann")!
        config.fMin = p.f_min ?? 0
        config.fMax = p.f_max
        config.nMFCC = p.n_mfcc ?? 13
        config.deltaOrder = p.deltas ?? 0
        config.normalize = p.normalize ?? false
        return config
    }

    func testEveryCaseMatchesLibrosa() throws {
        XCTAssertGreaterThanOrEqual(Self.manifest.cases.count, 10)
        for c in Self.manifest.cases {
            let expected = try Npy.read(fixture(c.name + ".npy"))
            for threads in [1, 2] {
                let extractor = try FeatureExtractor(config: config(for: c), threads: threads)
                let actual = try extractor.features(ofFile: fixture(c.input))
                switch c.kind {
                case "logmel":
                    assertClose(actual, expected, rtol: 0, atol: 2e-3, "\(c.name) (\(threads) threads)")
                case "mfcc":
                    assertClose(actual, expected, rtol: 1e-4, atol: 1e-3, "\(c.name) (\(threads) threads)")
                default:
                    assertClose(actual, expected, rtol: 1e-4, atol: 1e-6 * maxAbs(expected), "\(c.name) (\(threads) threads)")
                }
            }
        }
    }

    func testFilterbanksMatchLibrosa() throws {
        for b in Self.manifest.filterbanks {
            let expected = try Npy.read(fixture(b.name + ".npy"))
            let bank = MelFilterbank(sampleRate: b.sample_rate, nFFT: b.n_fft, nMels: b.n_mels,
                                     fMin: b.f_min, fMax: b.f_max, scale: MelScale(rawValue: b.mel_scale)!)
            let actual = FeatureMatrix(rows: bank.count, columns: bank.bins, values: bank.denseWeights)
            assertClose(actual, expected, rtol: 1e-5, atol: 1e-7 * maxAbs(expected), b.name)
        }
    }

    /// The acceptance check, on the real FSDD recording when ../shared/data is present.
    func testFSDDRecordingMatchesLibrosa() throws {
        let root = ProcessInfo.processInfo.environment["SCRIBE_DATA"]
            ?? fixtures.appendingPathComponent("../../../../shared/data").standardized.path
        let wav = root + "/fsdd/recordings/0_george_0.wav"
        guard FileManager.default.fileExists(atPath: wav) else { throw XCTSkip("FSDD not found at \(wav)") }
        var config = FrontEndConfig.speech(sampleRate: 8000, kind: .melpower)
        config.nFFT = 256; config.winLength = 256; config.hopLength = 80; config.nMels = 40
        let actual = try FeatureExtractor(config: config).features(ofFile: wav)
        let expected = try Npy.read(fixture("fsdd_0_george_0_melpower.npy"))
        assertClose(actual, expected, rtol: 1e-4, atol: 1e-6 * maxAbs(expected), "fsdd 0_george_0")
    }
}
