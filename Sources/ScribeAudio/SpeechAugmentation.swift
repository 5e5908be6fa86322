import Foundation
import ScribeCore

/// Data augmentation for speech, as pure functions of their input and a seeded generator, so
/// that a training run's examples depend only on the seed (and resume exactly).
///
/// Waveform-level: speed perturbation (Ko et al. 2015: resampling changes tempo and pitch
/// together, like a different vocal tract), gain, additive noise at a random signal-to-noise
/// ratio. Feature-level: SpecAugment time and frequency masks (Park et al. 2019).
public enum SpeechAugmentation {
    /// The signal played `factor` times faster (factor 1.1: 10% shorter and higher), by
    /// resampling from `sampleRate · factor` to `sampleRate` with libsamplerate.
    public static func speed(_ samples: [Float], sampleRate: Int, factor: Double,
                             quality: ResampleQuality = .fastest) throws -> [Float] {
        precondition(factor > 0.5 && factor < 2, "speed factor \(factor) outside (0.5, 2)")
        let from = Int((Double(sampleRate) * factor).rounded())
        if from == sampleRate { return samples }
        return try Resampler.resample(samples, from: from, to: sampleRate, quality: quality)
    }

    /// Multiplies every sample by 10^(dB/20).
    public static func gain(_ samples: inout [Float], decibels: Double) {
        let g = Float(pow(10, decibels / 20))
        samples.withUnsafeMutableBufferPointer { s in for i in s.indices { s[i] *= g } }
    }

    /// Adds noise at `snr` dB below the signal's mean power: white noise, or with `pink`
    /// a 1/f spectrum (Paul Kellet's economy filter), closer to room and babble noise.
    public static func addNoise(_ samples: inout [Float], snr: Double, pink: Bool, generator: inout SeededGenerator) {
        guard !samples.isEmpty else { return }
        var power = 0.0
        for s in samples { power += Double(s) * Double(s) }
        power /= Double(samples.count)
        guard power > 0 else { return }
        var noise = [Float](repeating: 0, count: samples.count)
        var (b0, b1, b2) = (0.0, 0.0, 0.0)
        var noisePower = 0.0
        for i in noise.indices {
            let w = generator.nextGaussian()
            var v = w
            if pink {
                b0 = 0.99765 * b0 + w * 0.0990460
                b1 = 0.96300 * b1 + w * 0.2965164
                b2 = 0.57000 * b2 + w * 1.0526913
                v = b0 + b1 + b2 + w * 0.1848
            }
            noise[i] = Float(v)
            noisePower += v * v
        }
        noisePower /= Double(noise.count)
        let scale = Float((power / pow(10, snr / 10) / max(noisePower, 1e-20)).squareRoot())
        for i in samples.indices { samples[i] += scale * noise[i] }
    }

    /// SpecAugment masks on a frames × bins matrix: `timeMasks` runs of up to `maxTime`
    /// frames (never more than `maxTimeFraction` of the utterance each) and `frequencyMasks`
    /// bands of up to `maxFrequency` bins, set to `fill` (0, the mean of normalized features).
    public static func specAugment(_ m: inout FeatureMatrix, timeMasks: Int, maxTime: Int, maxTimeFraction: Double = 0.2,
                                   frequencyMasks: Int, maxFrequency: Int, fill: Float = 0,
                                   generator: inout SeededGenerator) {
        let (rows, cols) = (m.rows, m.columns)
        guard rows > 0, cols > 0 else { return }
        m.withUnsafeMutableValues { v in
            for _ in 0..<frequencyMasks where maxFrequency > 0 {
                let width = Int(generator.next() % UInt64(min(maxFrequency, cols) + 1))
                let start = Int(generator.next() % UInt64(cols - width + 1))
                for r in 0..<rows { for c in start..<(start + width) { v[r * cols + c] = fill } }
            }
            let limit = min(maxTime, Int(Double(rows) * maxTimeFraction))
            for _ in 0..<timeMasks where limit > 0 {
                let width = Int(generator.next() % UInt64(limit + 1))
                let start = Int(generator.next() % UInt64(rows - width + 1))
                (v.baseAddress! + start * cols).update(repeating: fill, count: width * cols)
            }
        }
    }
}

extension FeatureTransforms {
    /// Frame-rate reduction by stacking: output row `r` is rows `r·k ..< r·k + k` side by
    /// side (k · columns values; rows past the end are zeros), so the network runs `k` times
    /// fewer steps and each step still sees every input frame.
    public static func stackFrames(_ m: FeatureMatrix, factor k: Int) -> FeatureMatrix {
        precondition(k >= 1, "stackFrames: factor must be at least 1")
        if k == 1 { return m }
        let rows = (m.rows + k - 1) / k
        var out = FeatureMatrix(rows: rows, columns: m.columns * k)
        m.values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableValues { dst in
                // Row-major: stacked row r is exactly source rows r·k..<r·k+k laid end to end.
                let n = m.rows * m.columns
                dst.baseAddress!.update(from: src.baseAddress!, count: n)
            }
        }
        return out
    }
}

extension AudioFile {
    /// Decodes `path` to mono samples at `sampleRate` (resampled with libsamplerate if the
    /// file's rate differs).
    public static func readMono(_ path: String, sampleRate: Int, quality: ResampleQuality = .medium) throws -> [Float] {
        let (samples, rate) = try readMono(path)
        if rate == sampleRate { return samples }
        do { return try Resampler.resample(samples, from: rate, to: sampleRate, quality: quality) } catch {
            throw AudioError.resamplingFailed(path: path, reason: "\(error)")
        }
    }
}
