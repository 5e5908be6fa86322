import Foundation
import ScribeAudio
import ScribeCore
import ScribeRecognition

/// Augmentation settings for speech (see `SpeechAugmentation` for each transform).
public struct AudioAugmentation: Equatable, Sendable {
    /// Speed factors drawn uniformly from this interval (nil: off).
    public var speed: ClosedRange<Double>? = 0.9...1.1
    /// Gain in dB drawn uniformly (nil: off).
    public var gainDB: ClosedRange<Double>? = -6...6
    /// Probability of adding noise to an utterance.
    public var noiseProbability: Double = 0.5
    /// Signal-to-noise ratio in dB, drawn uniformly.
    public var noiseSNR: ClosedRange<Double> = 10...40
    /// SpecAugment time masks per utterance and their maximum width in frames.
    public var timeMasks = 2
    public var timeMaskMax = 10
    /// SpecAugment frequency masks per utterance and their maximum width in mel bands.
    public var frequencyMasks = 2
    public var frequencyMaskMax = 8

    public init() {}

    /// No augmentation at all.
    public static let off: AudioAugmentation = {
        var a = AudioAugmentation()
        a.speed = nil; a.gainDB = nil; a.noiseProbability = 0; a.timeMasks = 0; a.frequencyMasks = 0
        return a
    }()
}

/// Where training examples come from: a manifest entry in, network input out. The trainer
/// knows nothing else about the input side, so line images plug in the same way as audio.
public protocol TrainingDataSource: Sendable {
    /// Channels per network step.
    var inputSize: Int { get }
    /// Opens the entry's file cheaply (a header) and returns its length in network steps;
    /// throws, naming the file, if it cannot be used.
    func measure(_ entry: ManifestEntry) throws -> (steps: Int, seconds: Double)
    /// The network input for `entry`, augmented with randomness drawn from `generator` when
    /// `augment` is set.
    func example(_ entry: ManifestEntry, augment: Bool, generator: inout SeededGenerator) throws -> FeatureMatrix
    /// What to change when an entry has fewer network steps than CTC needs for its transcript.
    var tooFewStepsAdvice: String { get }
}

/// Audio files through a speech front end, with waveform and SpecAugment augmentation.
public struct AudioDataSource: TrainingDataSource {
    public var tooFewStepsAdvice: String { "lower front_end.stack, or check that the transcript belongs to this recording" }
    public let frontEnd: SpeechFrontEnd
    public let augmentation: AudioAugmentation
    /// Validated once; each call makes its own spectrogram stream, so threads may share it.
    let extractor: FeatureExtractor

    public init(frontEnd: SpeechFrontEnd, augmentation: AudioAugmentation) throws {
        try frontEnd.validate()
        self.frontEnd = frontEnd
        self.augmentation = augmentation
        extractor = try FeatureExtractor(config: frontEnd.features, threads: 1)
    }

    public var inputSize: Int { frontEnd.inputSize }

    public func measure(_ entry: ManifestEntry) throws -> (steps: Int, seconds: Double) {
        let info = try AudioFile.info(entry.path)
        let samples = Int(Double(info.frames) * Double(frontEnd.features.sampleRate) / Double(info.sampleRate))
        let frames = frontEnd.features.frameCount(samples: samples)
        return ((frames + frontEnd.stack - 1) / frontEnd.stack, info.duration)
    }

    public func example(_ entry: ManifestEntry, augment: Bool, generator g: inout SeededGenerator) throws -> FeatureMatrix {
        let rate = frontEnd.features.sampleRate
        var samples = try AudioFile.readMono(entry.path, sampleRate: rate)
        guard augment else { return try frontEnd.networkInput(samples: samples, extractor: extractor) }
        let a = augmentation
        if let speed = a.speed {
            samples = try SpeechAugmentation.speed(samples, sampleRate: rate, factor: Double.random(in: speed, using: &g))
        }
        if let gain = a.gainDB { SpeechAugmentation.gain(&samples, decibels: Double.random(in: gain, using: &g)) }
        if a.noiseProbability > 0, g.nextUniform() < a.noiseProbability {
            let snr = Double.random(in: a.noiseSNR, using: &g)
            SpeechAugmentation.addNoise(&samples, snr: snr, pink: g.nextUniform() < 0.5, generator: &g)
        }
        var local = g
        let input = try frontEnd.networkInput(samples: samples, extractor: extractor) { m in
            SpeechAugmentation.specAugment(&m, timeMasks: a.timeMasks, maxTime: a.timeMaskMax,
                                           frequencyMasks: a.frequencyMasks, maxFrequency: a.frequencyMaskMax,
                                           fill: frontEnd.features.normalize ? 0 : Self.fillValue(m), generator: &local)
        }
        g = local
        return input
    }

    /// The mean of a matrix: the neutral value for masks on unnormalized features.
    static func fillValue(_ m: FeatureMatrix) -> Float {
        m.values.isEmpty ? 0 : m.values.reduce(0, +) / Float(m.values.count)
    }
}
