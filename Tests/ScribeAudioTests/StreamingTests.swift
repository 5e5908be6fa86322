import Foundation
@testable import ScribeAudio
import ScribeCore
import XCTest

/// Streaming gives the same features as whole-signal analysis, with bounded memory.
final class StreamingTests: XCTestCase {
    func signal(_ n: Int) -> [Float] {
        var rng = SeededGenerator(seed: 11)
        return (0..<n).map { i in Float(0.3 * sin(Double(i) * 0.07) + 0.05 * rng.nextGaussian()) }
    }

    func testFileStreamingEqualsInMemoryAnalysisOnAnyThreadCount() throws {
        let dir = try temporaryFolder(for: self)
        let path = dir.appendingPathComponent("long.wav").path
        let samples = signal(16_000 * 7 + 123)  // several 16,384-frame decoding blocks, ragged end
        try AudioWriter.write(samples, sampleRate: 16_000, encoding: .wavFloat, to: path)
        let config = FrontEndConfig.speech(kind: .logmel)
        let whole = try FeatureExtractor(config: config, threads: 1).features(samples: samples)
        XCTAssertEqual(whole.rows, 1 + samples.count / 160)
        for threads in [1, 2, 3] {
            let streamed = try FeatureExtractor(config: config, threads: threads).features(ofFile: path)
            XCTAssertEqual(streamed, whole, "threads \(threads): streamed features differ")
        }
    }

    func testBufferStaysBoundedOnLongInput() {
        let config = FrontEndConfig.speech(kind: .melpower)
        let stream = SpectrogramStream(config: config, threads: 2)
        let block = signal(16_384)
        var highWater = 0
        for _ in 0..<600 {   // 10 minutes at 16 kHz
            stream.feed(block)
            highWater = max(highWater, stream.bufferedSamples)
        }
        let out = stream.finish()
        XCTAssertEqual(out.rows, config.frameCount(samples: 600 * 16_384))
        // At most one block of frames, one window and one input block are ever held.
        XCTAssertLessThanOrEqual(highWater, 2 * 1024 * config.hopLength + config.nFFT + 16_384)
    }
}
