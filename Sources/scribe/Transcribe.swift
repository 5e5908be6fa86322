import ArgumentParser
import Foundation
import ScribeAudio
import ScribeCore
import ScribeDecode
import ScribeNN
import ScribeRecognition

/// How `scribe transcribe` prints results.
enum TranscribeOutput: String, ExpressibleByArgument, CaseIterable {
    /// One line per file (prefixed with the file name when there are several).
    case text
    /// One JSON object per file: text, timed words with confidences, model, duration, real-time factor.
    case json
    /// SubRip subtitles.
    case srt
    /// WebVTT subtitles.
    case vtt
}

extension Scribe {
    /// `scribe transcribe FILE...`: speech to text with a trained model.
    struct Transcribe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Transcribe audio files (WAV, FLAC, OGG, ...) with a trained speech model.",
            discussion: """
            Files are decoded, resampled to the model's rate and recognized in parallel on all \
            cores. Long recordings are cut at pauses into chunks of at most --max-chunk seconds, \
            so memory does not grow with their length; word times stay absolute. A file that \
            cannot be read gets its error on standard error while the others finish; the exit \
            status is then 1.

            Examples:
              scribe transcribe speech.wav
              scribe transcribe --model digits digits1.wav digits2.wav --format json
              scribe transcribe talk.flac --format srt -o subtitles/
              scribe transcribe --manifest test.tsv --format json
            """)

        @Argument(help: "Audio files.")
        var files: [String] = []
        @Option(help: "Transcribe every file of a manifest (TSV with a header, JSON lines, or id<TAB>path<TAB>text).")
        var manifest: String?
        @Option(help: "Model: a shipped name (english, digits) or a .safetensors file.")
        var model: String = "english"
        @OptionGroup var decoding: DecoderOptions
        @Option(help: "Output: text, json (one object per file), srt or vtt.")
        var format: TranscribeOutput = .text
        @Option(name: [.short, .customLong("output-dir")], help: "Write one FILE.txt/.json/.srt/.vtt per input into this folder instead of standard output.")
        var outputDir: String?
        @Option(help: "Longest stretch of audio recognized at once, in seconds (long files are cut at pauses).")
        var maxChunk: Double = 30
        @Option(help: "Worker threads. (default: all cores)")
        var threads: Int?
        @Flag(help: "Show a progress bar even when standard error is not a terminal.")
        var progress = false

        func validate() throws {
            if files.isEmpty && manifest == nil { throw ValidationError("give at least one audio file, or --manifest") }
            if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256 (got \(threads))") }
            if !(2...600).contains(maxChunk) { throw ValidationError("--max-chunk must be between 2 and 600 seconds (got \(maxChunk))") }
        }

        func run() throws {
            Allocator.keepLargeBlocks()
            var inputs = files
            if let manifest { inputs += try Manifest.read(manifest).map(\.path) }
            if (format == .srt || format == .vtt) && inputs.count > 1 && outputDir == nil {
                throw ValidationError("--format \(format.rawValue) with several files needs --output-dir, which gets one subtitle file per input")
            }
            if let outputDir { try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true) }
            let trained = try RecognitionModel(path: ModelLocator.locate(model))
            let decoder = try decoding.makeDecoder(for: trained, wordTimings: format != .text)
            let workers = max(1, min(threads ?? Workers.availableCores, inputs.count))
            // The cores go to files when there are several, to one file's kernels otherwise.
            ComputeThreads.set(max(1, (threads ?? Workers.availableCores) / workers))
            let bar = inputs.count > 1 ? ProgressBar(total: inputs.count, label: "transcribe", force: progress) : nil
            // One file: a bar over its seconds of audio, for long recordings.
            let single = inputs.count == 1 ? (try? AudioFile.info(inputs[0])).map {
                ProgressBar(total: max(1, Int($0.duration.rounded(.up))), label: "transcribe", force: progress)
            } : nil
            let results = try Evaluation.eachFile(inputs, threads: workers, progress: bar) {
                let transcriber = Transcriber(recognizer: try trained.makeRecognizer(), decoder: decoder.copy())
                transcriber.maxChunkSeconds = maxChunk
                return { try transcriber.transcribe(file: $0) { done, _ in single?.update(done: Int(done)) } }
            }
            bar?.finish()
            single?.finish()
            var failed = 0
            for (i, result) in results.enumerated() {
                switch result {
                case .success(let t):
                    let out = try render(t, file: inputs[i], model: trained, several: inputs.count > 1)
                    if let outputDir {
                        let stem = URL(fileURLWithPath: inputs[i]).deletingPathExtension().lastPathComponent
                        let ext = format == .text ? "txt" : format.rawValue
                        try AtomicFile.write(out, to: "\(outputDir)/\(stem).\(ext)")
                    } else {
                        print(out, terminator: "")
                    }
                case .failure(let error):
                    failed += 1
                    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                }
            }
            if failed > 0 {
                FileHandle.standardError.write(Data("\(failed) of \(inputs.count) files could not be transcribed\n".utf8))
                throw ExitCode(1)
            }
        }

        /// Cues of at most 10 words, split at pauses over 0.8 s and kept under 6 s.
        static func cues(_ words: [TimedWord]) -> [[TimedWord]] {
            Subtitles.cues(words, maxWords: 10, maxGap: 0.8, maxDuration: 6)
        }

        func render(_ t: Transcript, file: String, model: RecognitionModel, several: Bool) throws -> String {
            switch format {
            case .text:
                return (several && outputDir == nil ? "\(file): " : "") + t.text + "\n"
            case .srt: return Subtitles.srt(Self.cues(t.words))
            case .vtt: return Subtitles.vtt(Self.cues(t.words))
            case .json:
                let record: [String: Any] = [
                    "file": file, "text": t.text, "model": model.name,
                    "duration": (t.duration * 1000).rounded() / 1000,
                    "real_time_factor": (t.realTimeFactor * 1e5).rounded() / 1e5,
                    "words": t.words.map { w -> [String: Any] in
                        ["word": w.text, "start": (w.start * 1000).rounded() / 1000, "end": (w.end * 1000).rounded() / 1000,
                         "confidence": w.confidence.isFinite ? (w.confidence * 1e4).rounded() / 1e4 : 0]
                    },
                ]
                let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])
                return String(decoding: data, as: UTF8.self) + "\n"
            }
        }
    }
}
