import ArgumentParser
import Foundation
import ScribeCore
import ScribeNN
import ScribeRecognition

/// How `scribe recognize` prints results.
enum RecognizeOutput: String, ExpressibleByArgument, CaseIterable {
    /// One line per image (prefixed with the file name when there are several).
    case text
    /// One JSON object per image: text, characters with x ranges and confidences, model.
    case json
}

extension Scribe {
    /// `scribe recognize IMAGE...`: handwriting to text with a trained line model.
    struct Recognize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recognize images of handwritten text lines (PNG) with a trained line model.",
            discussion: """
            Each image holds one text line; it is normalized as the model was trained \
            (contrast, deskew, crop, height) and read by the model's convnet window and \
            BiLSTM. Images are recognized in parallel on all cores. An image that cannot be \
            read (missing, not a PNG, empty, over the pixel budget) gets its error on standard \
            error while the others finish; the exit status is then 1.

            Examples:
              scribe recognize line.png
              scribe recognize --model digit-strings amounts/*.png --format json
              scribe recognize --manifest corpora/poilus/build/test.tsv
            """)

        @Argument(help: "Line images (PNG).")
        var images: [String] = []
        @Option(help: "Recognize every image of a manifest (TSV with a header, JSON lines, or id<TAB>path<TAB>text).")
        var manifest: String?
        @Option(help: "Model: a shipped name (poilus, digit-strings) or a .safetensors file.")
        var model: String = "poilus"
        @OptionGroup var decoding: DecoderOptions
        @Option(help: "Output: text, or json (one object per image with character positions and confidences).")
        var format: RecognizeOutput = .text
        @Option(help: "Largest image accepted, in pixels (width × height).")
        var maxPixels: Int = 100_000_000
        @Option(help: "Worker threads. (default: all cores)")
        var threads: Int?
        @Flag(help: "Show a progress bar even when standard error is not a terminal.")
        var progress = false

        func validate() throws {
            if images.isEmpty && manifest == nil { throw ValidationError("give at least one line image, or --manifest") }
            if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256 (got \(threads))") }
            if !(1...1_000_000_000).contains(maxPixels) { throw ValidationError("--max-pixels must be between 1 and 1000000000 (got \(maxPixels))") }
        }

        func run() throws {
            var inputs = images
            if let manifest { inputs += try Manifest.read(manifest).map(\.path) }
            let trained = try RecognitionModel(path: ModelLocator.locate(model))
            _ = try trained.lineFrontEnd()
            let decoder = try decoding.makeDecoder(for: trained, wordTimings: format == .json)
            let workers = max(1, min(threads ?? Workers.availableCores, inputs.count))
            ComputeThreads.set(max(1, (threads ?? Workers.availableCores) / workers))
            let bar = inputs.count > 1 ? ProgressBar(total: inputs.count, label: "recognize", force: progress) : nil
            let results = try Evaluation.eachFile(inputs, threads: workers, progress: bar) {
                let reader = LineReader(recognizer: try trained.makeLineRecognizer(), decoder: decoder.copy(), maxPixels: maxPixels)
                return { try reader.read(file: $0) }
            }
            bar?.finish()
            var failed = 0
            for (i, result) in results.enumerated() {
                switch result {
                case .success(let t):
                    print(try render(t, file: inputs[i], model: trained, several: inputs.count > 1), terminator: "")
                case .failure(let error):
                    failed += 1
                    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                }
            }
            if failed > 0 {
                FileHandle.standardError.write(Data("\(failed) of \(inputs.count) images could not be recognized\n".utf8))
                throw ExitCode(1)
            }
        }

        func render(_ t: LineTranscript, file: String, model: RecognitionModel, several: Bool) throws -> String {
            switch format {
            case .text:
                return (several ? "\(file): " : "") + t.text + "\n"
            case .json:
                func r(_ x: Double, _ scale: Double = 10) -> Double { (x * scale).rounded() / scale }
                let record: [String: Any] = [
                    "file": file, "text": t.text, "model": model.name, "width": t.width, "height": t.height,
                    "confidence": r(t.confidence, 1e4),
                    "characters": t.characters.map { c -> [String: Any] in
                        ["char": c.symbol, "x0": r(c.x0), "x1": r(c.x1), "confidence": c.confidence.isFinite ? r(c.confidence, 1e4) : 0]
                    },
                ]
                let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])
                return String(decoding: data, as: UTF8.self) + "\n"
            }
        }
    }
}
