import ArgumentParser
import Foundation
import ScribeAudio
import ScribeCore
import ScribeNN
import ScribeRecognition

extension Scribe {
    /// `scribe bench transcribe`: real-time factor of whole transcriptions.
    struct BenchTranscribe: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "transcribe",
            abstract: "Real-time factor of transcription (decoding, features, network and search) with a trained model.",
            discussion: """
            Transcribes the given audio files one after another on one worker whose kernels use \
            the given thread counts, as `scribe transcribe FILE` does for a single file, and \
            reports processing time over audio duration (lower is faster; 0.005 is 200 times \
            faster than real time). Files are decoded from disk on every repetition.

            Example:
              scribe bench transcribe --model english a.flac b.flac c.flac --threads 1,2
            """)

        @Argument(help: "Audio files.")
        var files: [String]
        @Option(help: "Model: a shipped name or a .safetensors file.")
        var model: String = "english"
        @OptionGroup var decoding: DecoderOptions
        @OptionGroup var bench: BenchRunOptions

        func run() throws {
            BLASWarning.check()
            guard !files.isEmpty else { throw ValidationError("give at least one audio file") }
            let counts = try BenchList.positive(bench.threads, option: "threads")
            let trained = try RecognitionModel(path: ModelLocator.locate(model))
            let decoder = try decoding.makeDecoder(for: trained, wordTimings: false)
            let seconds = try files.reduce(0.0) { $0 + (try AudioFile.info($1).duration) }
            var rows: [[String: Any]] = []
            for n in counts {
                ComputeThreads.set(n)
                let transcriber = Transcriber(recognizer: try trained.makeRecognizer(), decoder: decoder.copy())
                let t = try Stopwatch.median(repeats: bench.repeats) { for f in files { _ = try transcriber.transcribe(file: f) } }
                rows.append(["threads": n, "audio_seconds": seconds, "seconds": t, "rtf": t / seconds,
                             "decoder": decoder.settings.decoder.rawValue, "beam": decoder.settings.beam])
            }
            if bench.output.isJSON { try printJSON(rows); return }
            print(String(format: "%@ on %d files, %.1f s of audio, %@ decoding", trained.name, files.count, seconds,
                         decoder.settings.decoder == .beam ? "beam \(decoder.settings.beam)" : "greedy"))
            for r in rows {
                print(String(format: "threads %d: %.3f s, real-time factor %.4f (%.0f× faster than real time)",
                             r["threads"] as! Int, r["seconds"] as! Double, r["rtf"] as! Double, 1 / (r["rtf"] as! Double)))
            }
        }
    }
}

/// Thread counts, repetitions and output format shared by the whole-command benchmarks.
struct BenchRunOptions: ParsableArguments {
    @Option(help: "Comma-separated thread counts.")
    var threads: String = "1,2"
    @Option(help: "Timed repetitions (the median is reported).")
    var repeats: Int = 3
    @OptionGroup var output: TableFormatOption
}

/// How tables and summaries are printed: `--format text|json` (`--json` is kept, hidden, as
/// an older spelling).
struct TableFormatOption: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }
    @Option(help: "Output: text or json.")
    var format: Format = .text
    @Flag(help: .hidden)
    var json = false

    var isJSON: Bool { json || format == .json }
}
