import Foundation
import ScribeCore

/// Audio in, features out: decoding, down-mixing, resampling, framing, spectra, mel,
/// logarithm, MFCC, deltas and normalization, as one `FrontEndConfig` describes.
///
/// Files are streamed: memory beyond the output features stays bounded by a few blocks,
/// whatever the file's length.
public struct FeatureExtractor: Sendable {
    /// The front-end settings.
    public let config: FrontEndConfig
    /// Worker threads for the spectrogram.
    public let threads: Int

    /// Validates `config` and creates an extractor.
    public init(config: FrontEndConfig, threads: Int = Workers.availableCores) throws {
        try config.validate()
        self.config = config
        self.threads = max(1, threads)
    }

    /// Features of the audio file at `path`, resampled to `config.sampleRate`.
    ///
    /// - Parameter progress: called with (frames decoded, total frames) after each block.
    public func features(ofFile path: String, progress: ((Int, Int) -> Void)? = nil) throws -> FeatureMatrix {
        let reader = try AudioReader(path: path)
        let stream = SpectrogramStream(config: config, threads: threads)
        let rate = reader.info.sampleRate
        stream.reserve(samples: Int(Double(reader.plausibleFrames) * Double(config.sampleRate) / Double(rate)))
        let resampler = rate == config.sampleRate ? nil
            : try Resampler(from: rate, to: config.sampleRate, quality: config.resampleQuality)
        var block: [Float] = [], converted: [Float] = []
        var decoded = 0
        while try reader.read(into: &block) {
            decoded += block.count
            if let resampler {
                converted.removeAll(keepingCapacity: true)
                try resampler.process(block, into: &converted)
                stream.feed(converted)
            } else {
                stream.feed(block)
            }
            progress?(decoded, reader.info.frames)
        }
        if decoded == 0 { throw AudioError.empty(path: path) }
        if let resampler {
            converted.removeAll(keepingCapacity: true)
            try resampler.finish(into: &converted)
            stream.feed(converted)
        }
        return try postProcess(stream.finish(), source: path)
    }

    /// Features of mono `samples` already at `config.sampleRate`.
    public func features(samples: [Float]) throws -> FeatureMatrix {
        if let bad = samples.firstIndex(where: { !$0.isFinite }) {
            throw AudioError.nonFiniteSample(path: "<samples>", frame: bad, channel: 0)
        }
        let stream = SpectrogramStream(config: config, threads: threads)
        stream.reserve(samples: samples.count)
        stream.feed(samples)
        return try postProcess(stream.finish(), source: "<samples>")
    }

    /// Log, MFCC, deltas and normalization on the spectrogram rows.
    func postProcess(_ spectrogram: FeatureMatrix, source: String) throws -> FeatureMatrix {
        guard spectrogram.rows > 0 else {
            throw AudioError.invalidConfiguration("\(source) is shorter than one window (\(config.nFFT) samples) and --center is off, so it has no frames")
        }
        var m = spectrogram
        switch config.kind {
        case .power, .magnitude, .melpower, .logmel: break  // the stream already took the log
        case .mfcc: m = FeatureTransforms.dct(m, keep: config.nMFCC)
        }
        if config.deltaOrder > 0 {
            var parts = [m]
            for _ in 0..<config.deltaOrder { parts.append(FeatureTransforms.deltas(parts.last!, window: config.deltaWindow)) }
            m = FeatureTransforms.concatenateColumns(parts)
        }
        if config.normalize { FeatureTransforms.normalize(&m) }
        return m
    }
}
