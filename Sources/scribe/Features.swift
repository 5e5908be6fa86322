import ArgumentParser
import Foundation
import ScribeAudio
import ScribeCore

extension Scribe {
    /// `scribe features FILE... -o OUT`: the recognizer's input features, for inspection.
    struct Features: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute features of audio files and save them as float32 .npy (frames × bins).",
            discussion: """
            Frame t is centred at sample t·hop-length; the signal is zero-padded by n-fft/2 on \
            both sides (librosa center=True, pad_mode="constant"). --kind melpower equals \
            librosa.feature.melspectrogram(...).T; logmel is its natural log floored at 1e-10; \
            mfcc is the orthonormal DCT-II of logmel.

            One file: -o names the .npy (- writes it to standard output). Several files: -o \
            names a folder that receives NAME.npy for each input NAME.wav; a file that cannot \
            be read is reported and the others are still written (exit status 1).
            """)

        @Argument(help: "Audio files.")
        var files: [String]

        @Option(name: [.short, .customLong("output")], help: "Output .npy path (- for standard output), or a folder for several files.")
        var output: String

        @Option(help: "power, magnitude, melpower, logmel or mfcc.")
        var kind: FeatureKind = .logmel

        @OptionGroup var frontEnd: FrontEndOptions
        @OptionGroup var shape: FeatureShapeOptions

        func validate() throws {
            if files.isEmpty { throw ValidationError("give at least one audio file") }
        }

        func run() throws {
            let outputs = try destinations()
            var failed = 0
            for (file, out) in zip(files, outputs) {
                do {
                    var config = try frontEnd.config(kind: kind, file: file)
                    shape.apply(to: &config)
                    let extractor = try FeatureExtractor(config: config, threads: frontEnd.threadCount)
                    let features = try extractWithProgress(extractor, file: file)
                    try Npy.write(features, to: out)
                    printError("\(StandardStreams.outputName(out)): \(features.rows) frames × \(features.columns) \(kind.rawValue) features")
                } catch where files.count > 1 {
                    printError("Error: \(error)")
                    failed += 1
                }
            }
            if failed > 0 {
                printError("\(failed) of \(files.count) files could not be read")
                throw ExitCode(1)
            }
        }

        /// The .npy path of each input, checked before any work.
        func destinations() throws -> [String] {
            guard files.count > 1 else {
                try FileCheck.writable(output)
                return [output]
            }
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: output, isDirectory: &isFolder), isFolder.boolValue else {
                throw AtomicWriteError(path: output, reason: "several input files need an output folder", hint: "create the folder, or give one input file")
            }
            let paths = files.map { URL(fileURLWithPath: output).appendingPathComponent(URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent + ".npy").path }
            if let twice = Dictionary(grouping: paths, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw ValidationError("two inputs would both write \(twice); give inputs with different names")
            }
            try FileCheck.writable(paths[0])
            return paths
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
