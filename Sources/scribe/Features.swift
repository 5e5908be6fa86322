import ArgumentParser
import Foundation
import ScribeAudio
import ScribeCore

extension Scribe {
    /// `scribe features FILE -o OUT.npy`: the recognizer's input features, for inspection.
    struct Features: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute features of an audio file and save them as a float32 .npy (frames × bins).",
            discussion: """
            Frame t is centred at sample t·hop-length; the signal is zero-padded by n-fft/2 on \
            both sides (librosa center=True, pad_mode="constant"). --kind melpower equals \
            librosa.feature.melspectrogram(...).T; logmel is its natural log floored at 1e-10; \
            mfcc is the orthonormal DCT-II of logmel.
            """)

        @Argument(help: "Audio file.")
        var file: String

        @Option(name: [.short, .customLong("output")], help: "Output .npy path.")
        var output: String

        @Option(help: "power, magnitude, melpower, logmel or mfcc.")
        var kind: FeatureKind = .logmel

        @OptionGroup var frontEnd: FrontEndOptions
        @OptionGroup var shape: FeatureShapeOptions

        func run() throws {
            try FileCheck.writable(output)
            var config = try frontEnd.config(kind: kind, file: file)
            shape.apply(to: &config)
            let extractor = try FeatureExtractor(config: config, threads: frontEnd.threadCount)
            let features = try extractWithProgress(extractor, file: file)
            try Npy.write(features, to: output)
            printError("\(output): \(features.rows) frames × \(features.columns) \(kind.rawValue) features")
        }
    }
}

/// Extracts features, drawing a progress bar for files longer than a minute.
func extractWithProgress(_ extractor: FeatureExtractor, file: String) throws -> FeatureMatrix {
    let info = try AudioFile.info(file)
    guard info.duration > 60 else { return try extractor.features(ofFile: file) }
    let bar = ProgressBar(total: info.frames, label: "features")
    var last = 0
    let out = try extractor.features(ofFile: file) { done, _ in
        bar.advance(by: done - last)
        last = done
    }
    bar.finish()
    return out
}
