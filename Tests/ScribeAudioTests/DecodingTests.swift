import Foundation
import ScribeAudio
import XCTest

/// Decoding through libsndfile: every encoding Scribe claims, down-mixing and resampling.
final class DecodingTests: XCTestCase {
    /// A 440 Hz tone with a slow envelope, 0.25 s.
    func tone(rate: Int, seconds: Double = 0.25, frequency: Double = 440) -> [Float] {
        (0..<Int(Double(rate) * seconds)).map { i in
            Float(0.5 * sin(2 * .pi * frequency * Double(i) / Double(rate)))
        }
    }

    func testEveryEncodingRoundTrips() throws {
        let dir = try temporaryFolder(for: self)
        let samples = tone(rate: 16_000)
        // Largest error allowed per encoding: half a quantization step for PCM, exact for float,
        // and a loose bound for lossy Vorbis (checked by SNR instead).
        let bounds: [AudioEncoding: Float] = [.wavPCM8: 1.0 / 128, .wavPCM16: 1.0 / 32_768, .wavPCM24: 1.0 / 8_388_608,
                                              .wavPCM32: 1e-7, .wavFloat: 0, .flac16: 1.0 / 32_768]
        for encoding in AudioEncoding.allCases {
            let path = dir.appendingPathComponent("tone-\(encoding).\(encoding == .oggVorbis ? "ogg" : encoding == .flac16 ? "flac" : "wav")").path
            try AudioWriter.write(samples, sampleRate: 16_000, encoding: encoding, to: path)
            let (decoded, rate) = try AudioFile.readMono(path)
            XCTAssertEqual(rate, 16_000, "\(encoding)")
            XCTAssertEqual(decoded.count, samples.count, "\(encoding): frame count")
            guard decoded.count == samples.count else { continue }
            if let bound = bounds[encoding] {
                let worst = zip(decoded, samples).map { abs($0 - $1) }.max()!
                XCTAssertLessThanOrEqual(worst, bound, "\(encoding): largest sample error")
            } else {
                let noise = zip(decoded, samples).map { Double(($0 - $1) * ($0 - $1)) }.reduce(0, +)
                let signal = samples.map { Double($0 * $0) }.reduce(0, +)
                XCTAssertGreaterThan(10 * log10(signal / noise), 20, "Vorbis round trip SNR")
            }
        }
    }

    func testInfoReportsHeader() throws {
        let dir = try temporaryFolder(for: self)
        let path = dir.appendingPathComponent("stereo.flac").path
        var stereo: [Float] = []
        for i in 0..<8000 {
            stereo.append(Float(i % 100) / 200)
            stereo.append(-Float(i % 50) / 100)
        }
        try AudioWriter.write(stereo, sampleRate: 8000, channels: 2, encoding: .flac16, to: path)
        let info = try AudioFile.info(path)
        XCTAssertEqual(info.sampleRate, 8000)
        XCTAssertEqual(info.channels, 2)
        XCTAssertEqual(info.frames, 8000)
        XCTAssertEqual(info.duration, 1.0, accuracy: 1e-9)
        XCTAssertTrue(info.format.hasPrefix("FLAC"), info.format)
        XCTAssertTrue(info.encoding.contains("16"), info.encoding)
    }

    func testStereoIsAveragedToMono() throws {
        let dir = try temporaryFolder(for: self)
        let path = dir.appendingPathComponent("stereo.wav").path
        let left: [Float] = [0.5, 0.25, -0.5, 0], right: [Float] = [0.25, 0.25, 0.5, -1]
        try AudioWriter.write(zip(left, right).flatMap { [$0, $1] }, sampleRate: 8000, channels: 2, encoding: .wavFloat, to: path)
        let (mono, _) = try AudioFile.readMono(path)
        XCTAssertEqual(mono, [0.375, 0.25, 0, -0.5])
    }

    func testResamplingKeepsFrequencyAmplitudeAndLength() throws {
        let input = tone(rate: 44_100, seconds: 1, frequency: 1000)
        let output = try Resampler.resample(input, from: 44_100, to: 16_000)
        XCTAssertEqual(output.count, 16_000, accuracy: 2)
        // Compare the middle with an ideal 1 kHz tone at 16 kHz (the filter delay is compensated
        // by libsamplerate, so phase lines up).
        let ideal = tone(rate: 16_000, seconds: 1, frequency: 1000)
        let middle = 2000..<14_000
        let worst = middle.map { abs(output[$0] - ideal[$0]) }.max()!
        XCTAssertLessThan(worst, 1e-2, "resampled tone deviates from the ideal tone")
    }

    func testStreamingResamplerEqualsOneShot() throws {
        let input = tone(rate: 22_050, seconds: 1, frequency: 300)
        let oneShot = try Resampler.resample(input, from: 22_050, to: 16_000)
        let r = try Resampler(from: 22_050, to: 16_000)
        var streamed: [Float] = []
        var i = 0
        for size in [1, 100, 4096, 333, 7000, 100_000] where i < input.count {
            let end = min(input.count, i + size)
            try r.process(Array(input[i..<end]), into: &streamed)
            i = end
        }
        try r.finish(into: &streamed)
        XCTAssertEqual(streamed.count, oneShot.count)
        XCTAssertLessThan(zip(streamed, oneShot).map { abs($0 - $1) }.max() ?? 1, 1e-5)
    }

    func testFileFeaturesAreResampledToTheConfiguredRate() throws {
        // The fixture's 44.1 kHz stereo file, analysed at 16 kHz: as many frames as 0.5 s at 16 kHz gives.
        var config = FrontEndConfig.speech(sampleRate: 16_000, kind: .melpower)
        config.nMels = 40
        let features = try FeatureExtractor(config: config).features(ofFile: fixture("stereo44k.wav"))
        XCTAssertEqual(features.rows, config.frameCount(samples: 8000), accuracy: 1)
        // The left channel's 440 Hz tone dominates: the loudest mel band sits near 440 Hz.
        let bank = MelScale.slaney
        let middle = features.rows / 2
        let loudest = (0..<40).max { features[middle, $0] < features[middle, $1] }!
        let centre = bank.hz(fromMel: bank.mel(fromHz: 8000) * Double(loudest + 1) / 41)
        XCTAssertEqual(centre, 440, accuracy: 120)
    }
}
