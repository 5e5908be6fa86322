import Foundation
@testable import ScribeAudio
import ScribeCore
import XCTest

/// The optimized kernels against plain reference implementations.
final class KernelTests: XCTestCase {
    func testFFTMatchesNaiveDFT() {
        for n in [8, 200, 255, 256, 400] {
            var rng = SeededGenerator(seed: UInt64(n))
            let x = (0..<n).map { _ in Float(rng.nextGaussian()) }
            let fast = RealFFT(size: n).transform(x)
            for k in 0..<(n / 2 + 1) {
                var re = 0.0, im = 0.0
                for t in 0..<n {
                    let angle = -2 * Double.pi * Double(k * t % n) / Double(n)
                    re += Double(x[t]) * cos(angle)
                    im += Double(x[t]) * sin(angle)
                }
                XCTAssertEqual(Double(fast[k].re), re, accuracy: 1e-4 * Double(n).squareRoot(), "n \(n) bin \(k) re")
                XCTAssertEqual(Double(fast[k].im), im, accuracy: 1e-4 * Double(n).squareRoot(), "n \(n) bin \(k) im")
            }
        }
    }

    func testSparseMelEqualsDenseProduct() {
        let bank = MelFilterbank(sampleRate: 16_000, nFFT: 512, nMels: 64, fMin: 20, fMax: 7600, scale: .htk)
        let dense = bank.denseWeights
        var rng = SeededGenerator(seed: 3)
        let spectrum = (0..<bank.bins).map { _ in Float(rng.nextUniform()) }
        var fast = [Float](repeating: 0, count: bank.count)
        spectrum.withUnsafeBufferPointer { s in fast.withUnsafeMutableBufferPointer { bank.apply(s.baseAddress!, $0.baseAddress!) } }
        for m in 0..<bank.count {
            let slow = (0..<bank.bins).reduce(Float(0)) { $0 + dense[m * bank.bins + $1] * spectrum[$1] }
            XCTAssertEqual(fast[m], slow, accuracy: 1e-5 * max(1, abs(slow)))
        }
    }

    func testWindowsArePeriodicAndCentred() {
        let hann = WindowKind.hann.coefficients(length: 4, nFFT: 4)
        XCTAssertEqual(hann, [0, 0.5, 1, 0.5], accuracy: 1e-7)
        let hamming = WindowKind.hamming.coefficients(length: 4, nFFT: 8)
        XCTAssertEqual(hamming, [0, 0, 0.08, 0.54, 1, 0.54, 0, 0], accuracy: 1e-6)
    }

    func testMelScalesInvert() {
        for scale in MelScale.allCases {
            for f in [0.0, 300, 999, 1000, 1001, 4000, 22_050] {
                XCTAssertEqual(scale.hz(fromMel: scale.mel(fromHz: f)), f, accuracy: 1e-6 * max(f, 1))
            }
        }
        XCTAssertEqual(MelScale.htk.mel(fromHz: 700), 2595 * log10(2), accuracy: 1e-9)
        XCTAssertEqual(MelScale.slaney.mel(fromHz: 1000), 15, accuracy: 1e-12)
    }

    func testDeltasOfALineAreItsSlope() {
        var m = FeatureMatrix(rows: 10, columns: 2)
        for t in 0..<10 { m[t, 0] = Float(3 * t); m[t, 1] = 7 }
        let d = FeatureTransforms.deltas(m, window: 2)
        for t in 2..<8 { XCTAssertEqual(d[t, 0], 3, accuracy: 1e-6); XCTAssertEqual(d[t, 1], 0) }
        // Edges repeat the first and last frame: at t = 0, (1·(3−0) + 2·(6−0)) / 10 = 1.5.
        XCTAssertEqual(d[0, 0], 1.5, accuracy: 1e-6)
    }

    func testDCTIsOrthonormal() {
        let n = 12
        let basis = FeatureTransforms.dctBasis(n: n, keep: n)
        for a in 0..<n {
            for b in 0..<n {
                let dot = (0..<n).reduce(Float(0)) { $0 + basis[$1 * n + a] * basis[$1 * n + b] }
                XCTAssertEqual(dot, a == b ? 1 : 0, accuracy: 1e-5)
            }
        }
    }

    func testNormalizeGivesZeroMeanUnitVariance() {
        var rng = SeededGenerator(seed: 9)
        var m = FeatureMatrix(rows: 200, columns: 3, values: (0..<600).map { _ in Float(5 + 3 * rng.nextGaussian()) })
        FeatureTransforms.normalize(&m)
        for c in 0..<3 {
            let column = (0..<200).map { Double(m[$0, c]) }
            let mean = column.reduce(0, +) / 200
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 200
            XCTAssertEqual(mean, 0, accuracy: 1e-5)
            XCTAssertEqual(variance, 1, accuracy: 1e-4)
        }
    }

    func testPreEmphasisAndDither() throws {
        var c = FrontEndConfig.speech(sampleRate: 16_000, kind: .power)
        c.nFFT = 4; c.winLength = 4; c.hopLength = 4; c.center = false; c.window = .hann
        c.preEmphasis = 0.5
        // A constant signal becomes x[0] followed by 0.5·x: the DC bin of frame 1 sees 0.5 everywhere.
        let out = try FeatureExtractor(config: c, threads: 1).features(samples: [Float](repeating: 1, count: 8))
        // Frame 1 = [0.5, 0.5, 0.5, 0.5] · Hann [0, .5, 1, .5] → DC = 1, power 1.
        XCTAssertEqual(out[1, 0], 1, accuracy: 1e-6)
        c.preEmphasis = 0
        c.dither = 0.1
        let a = try FeatureExtractor(config: c).features(samples: [Float](repeating: 0, count: 64))
        let b = try FeatureExtractor(config: c).features(samples: [Float](repeating: 0, count: 64))
        XCTAssertEqual(a, b, "dither is seeded")
        XCTAssertGreaterThan(a.values.max()!, 0, "dither adds noise")
    }
}

func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
