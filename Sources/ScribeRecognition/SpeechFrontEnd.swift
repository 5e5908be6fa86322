import Foundation
import ScribeAudio
import ScribeCore

/// The input side of a speech model, stored as the model file's `scribe.front_end`: the
/// feature extraction (`FrontEndConfig`, librosa's names) and the frame-rate reduction.
///
/// Features are computed, normalized per utterance (when `features.normalize` is set), then
/// `stack` consecutive frames are joined into one network step, so the network runs at
/// `stack · hop` seconds per step (30 ms for 10 ms hops stacked by 3).
public struct SpeechFrontEnd: Codable, Equatable, Sendable {
    /// Always "audio"; handwriting models carry another kind.
    public var type: String = "audio"
    /// Feature extraction settings.
    public var features: FrontEndConfig
    /// Frames stacked into one network step (1: none).
    public var stack: Int

    public init(features: FrontEndConfig, stack: Int) {
        self.features = features
        self.stack = stack
    }

    /// Channels per network step.
    public var inputSize: Int { features.featureDimension * stack }

    /// Seconds between network output frames.
    public var frameSeconds: Double { Double(features.hopLength * stack) / Double(features.sampleRate) }

    /// Checks the settings.
    public func validate() throws {
        try features.validate()
        guard type == "audio" else { throw AudioError.invalidConfiguration("front end type \"\(type)\" is not \"audio\"") }
        guard (1...16).contains(stack) else { throw AudioError.invalidConfiguration("frame stacking \(stack) is outside 1...16") }
    }

    /// Network input for mono `samples` at `features.sampleRate`.
    public func networkInput(samples: [Float], extractor: FeatureExtractor) throws -> FeatureMatrix {
        try networkInput(samples: samples, extractor: extractor) { _ in }
    }

    /// Network input for `samples` with SpecAugment applied between normalization and
    /// stacking (masks then cover whole 10 ms frames and mel bands).
    public func networkInput(samples: [Float], extractor: FeatureExtractor,
                             masking: (inout FeatureMatrix) -> Void) throws -> FeatureMatrix {
        var m = try extractor.features(samples: samples)
        masking(&m)
        return FeatureTransforms.stackFrames(m, factor: stack)
    }

    /// JSON text for the model file.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads the JSON stored in a model file; `source` names it in errors.
    public static func decode(json: String, source: String) throws -> SpeechFrontEnd {
        do {
            let f = try JSONDecoder().decode(SpeechFrontEnd.self, from: Data(json.utf8))
            try f.validate()
            return f
        } catch {
            throw RecognitionError.badModel(path: source, reason: "scribe.front_end is not a valid speech front end (\(error))")
        }
    }
}

/// Errors loading and running recognizers.
public enum RecognitionError: Error, CustomStringConvertible, Equatable {
    /// A model file exists but does not describe a usable model.
    case badModel(path: String, reason: String)
    /// `--model NAME` names no shipped model and no file.
    case modelNotFound(name: String, searched: [String])
    /// The input does not fit the model.
    case unsuitableInput(path: String, reason: String)

    public var description: String {
        switch self {
        case let .badModel(path, reason):
            return "\(path): \(reason). Use a model written by `scribe train`, or one of the shipped models (--model english, --model digits)."
        case let .modelNotFound(name, searched):
            return "no model \"\(name)\": it is neither a file nor a shipped model (looked in \(searched.joined(separator: ", "))). Give a path to a .safetensors model or a shipped name such as english or digits."
        case let .unsuitableInput(path, reason):
            return "\(path): \(reason)"
        }
    }
}
