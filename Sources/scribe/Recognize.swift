import ArgumentParser
import Foundation
import ScribeCore
import ScribeImage
import ScribeNN
import ScribeRecognition

/// How `scribe recognize` prints results.
enum RecognizeOutput: String, ExpressibleByArgument, CaseIterable {
    /// One line per image (prefixed with the file name when there are several).
    case text
    /// One JSON object per image: text, characters with x ranges and confidences, model;
    /// for a page, its lines with polygons, baselines, words and characters.
    case json
    /// ALTO v4 XML (a page; a line image is a page of one line).
    case alto
    /// PAGE 2019 XML.
    case page
}

/// What one input turned out to be.
enum Recognized {
    case line(LineTranscript)
    case page(RecognizedPage)
}

extension Scribe {
    /// `scribe recognize IMAGE...`: handwriting to text with a trained line model.
    struct Recognize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recognize handwritten text lines or whole pages (PNG) with a trained line model.",
            discussion: """
            A line image (a strip at least twice as wide as high) is normalized as the model \
            was trained (contrast, deskew, crop, height) and read by the model's convnet \
            window and BiLSTM. A page (anything else, or --page) has its lines found by the \
            trained line finder (--finder, default poilus-lines; classical for the rule-based \
            segmenter), or taken from --layout (ALTO or PAGE XML, in the file's reading \
            order); each line is cropped by its polygon and recognized, and the page's text \
            comes out one line per text line. --format alto and --format page write ALTO v4 \
            and PAGE 2019 XML with line polygons, baselines, words and confidences; --overlay \
            draws the lines and their text on the page. Inputs are recognized in parallel on \
            all cores. An image that cannot be read (missing, not a PNG, empty, over the \
            pixel budget) gets its error on standard error while the others finish; the exit \
            status is then 1.

            A model may ship with an ensemble (other models with the same alphabet, stored by \
            `scribe model defaults --ensemble`): every member reads the line, each proposes its \
            best transcripts (--proposals), and the transcript the members find most likely \
            together, with the language model, wins. --no-ensemble reads with the model alone, \
            about twice as fast for a pair. --view adds distorted readings of each line (a \
            little wider, narrower, sheared, bolder: test-time augmentation) that are combined \
            the same way; each view costs one more network pass per model.

            Examples:
              scribe recognize line.png
              scribe recognize --model digit-strings amounts/*.png --format json
              scribe recognize --manifest corpora/poilus/build/test.tsv
              scribe recognize page.png --format alto > page.xml
              scribe recognize page.png --layout page.xml --overlay checked.png
            """)

        @Argument(help: "Line images (PNG).")
        var images: [String] = []
        @Option(help: "Recognize every image of a manifest (TSV with a header, JSON lines, or id<TAB>path<TAB>text).")
        var manifest: String?
        @Option(help: "Model: a shipped name (poilus, digit-strings) or a .safetensors file.")
        var model: String = "poilus"
        @OptionGroup var decoding: DecoderOptions
        @OptionGroup var models: EnsembleOptions
        @Option(help: "Output: text, json (one object per image with character positions and confidences), alto or page (XML).")
        var format: RecognizeOutput = .text
        @Flag(help: "Treat every image as a page, whatever its shape.")
        var page = false
        @Flag(help: "Treat every image as one text line, whatever its shape (a line cut with wide margins can be less than twice as wide as high; see --trim-margins).")
        var line = false
        @Option(help: "Take the page's lines from this ALTO or PAGE XML file instead of finding them (one image only).")
        var layout: String?
        @Option(help: "How pages' lines are found: a line-finder model (name or file), or classical for the rule-based segmenter.")
        var finder: String = LineFinding.defaultModel
        @Option(help: "Draw the page's lines and recognized text on it, into this PNG (one image only).")
        var overlay: String?
        @Option(name: [.short, .customLong("output-dir")], help: "Write one NAME.txt/.json/.xml per input into this folder instead of standard output.")
        var outputDir: String?
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
            if line && (page || layout != nil) { throw ValidationError("--line excludes --page and --layout") }
            if (layout != nil || overlay != nil) && (images.count != 1 || manifest != nil) {
                throw ValidationError("--layout and --overlay go with one image")
            }
            if (format == .alto || format == .page) && images.count + (manifest == nil ? 0 : 2) > 1 && outputDir == nil {
                throw ValidationError("--format \(format.rawValue) with several images needs --output-dir, which gets one XML file per image")
            }
        }

        func run() throws {
            Allocator.keepLargeBlocks()
            var inputs = images
            if let manifest { inputs += try Manifest.read(manifest).map(\.path) }
            try FileCheck.writable(overlay)
            if let outputDir { try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true) }
            let lines = try layout.map { try LayoutXML.read($0) }
            let trained = try RecognitionModel(path: ModelLocator.locate(model))
            _ = try trained.lineFrontEnd()
            let set = try models.members(of: trained)
            let decoder = try models.makeDecoder(decoding, for: set, wordTimings: true)
            // Line images do not need the line finder: a failure to load it is reported
            // only for pages.
            let lineFinding = Result { try LineFinding.named(finder) }
            let cores = threads ?? Workers.availableCores
            let workers = max(1, min(cores, inputs.count))
            // One input: its page's lines are read in parallel instead.
            let readersPerWorker = inputs.count == 1 ? cores : 1
            ComputeThreads.set(max(1, cores / (workers * readersPerWorker)))
            let bar = inputs.count > 1 ? ProgressBar(total: inputs.count, label: "recognize", force: progress) : nil
            let png = PNGReader(maxPixels: maxPixels)
            let results = try Evaluation.eachFile(inputs, threads: workers, progress: bar) {
                let readers = try LineReaders(count: readersPerWorker) { try set.makeLineReader(decoder: decoder.copy(), maxPixels: maxPixels) }
                let reader = lineFinding.map { PageReader(finder: $0.copy()) }
                return { path -> Recognized in
                    let image = GrayImage(try png.read(path))
                    let result = try recognize(image, path: path, layout: lines, readers: readers, pageReader: reader)
                    // --overlay goes with one input: draw it from the image already decoded.
                    if let overlay, case .page(let p) = result {
                        try PNGWriter.write(PageOverlay.draw(image, p), to: overlay)
                        printError("\(StandardStreams.outputName(overlay)): \(p.lines.count) lines drawn")
                    }
                    return result
                }
            }
            bar?.finish()
            var failed = 0
            for (i, result) in results.enumerated() {
                switch result {
                case .success(let r):
                    let text = try render(r, file: inputs[i], model: trained, several: inputs.count > 1)
                    if let outputDir {
                        let stem = URL(fileURLWithPath: inputs[i]).deletingPathExtension().lastPathComponent
                        try AtomicFile.write(Data(text.utf8), to: "\(outputDir)/\(stem).\(format == .text ? "txt" : format == .json ? "json" : "xml")")
                    } else {
                        print(text, terminator: "")
                    }
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

        /// A line image is read as one line, unless it must be a page (--page, --layout, XML
        /// output: a line image is then a page of one line covering the image); with --line
        /// every image is a line.
        func recognize(_ image: GrayImage, path: String, layout: [LayoutLine]?, readers: LineReaders, pageReader: Result<PageReader, Error>) throws -> Recognized {
            let isPage = !line && (page || layout != nil || PageReader.looksLikePage(width: image.width, height: image.height))
            guard isPage || format == .alto || format == .page else { return .line(try readers.first.read(image, path: path)) }
            let lines = isPage ? layout : [LayoutLine(id: "line_0", box: Box(x0: 0, y0: 0, x1: image.width, y1: image.height))]
            let pages = lines == nil ? try pageReader.get() : PageReader()
            return .page(try pages.read(image, path: path, layout: lines, readers: isPage ? readers.all() : [readers.first]))
        }

        func render(_ result: Recognized, file: String, model: RecognitionModel, several: Bool) throws -> String {
            let name = several && outputDir == nil ? "\(file): " : ""
            switch (result, format) {
            case (.line(let t), .text):
                return name + t.text + "\n"
            case (.page(let p), .text):
                return (name.isEmpty ? "" : name + "\n") + p.lines.map { $0.text + "\n" }.joined()
            case (.line(let t), _):
                var record = RecognizeJSON.line(t)
                record["file"] = file; record["model"] = model.name
                return try RecognizeJSON.text(record)
            case (.page(let p), .json):
                var record = RecognizeJSON.page(p)
                record["file"] = file; record["model"] = model.name
                return try RecognizeJSON.text(record)
            case (.page(let p), .alto):
                return LayoutWriter.alto(p, software: "Scribe", version: Scribe.configuration.version)
            case (.page(let p), .page):
                return LayoutWriter.page(p, software: "Scribe", version: Scribe.configuration.version)
            }
        }
    }
}

/// JSON records of `scribe recognize` (numbers rounded to what is meaningful).
enum RecognizeJSON {
    static func round(_ x: Double, _ scale: Double = 10) -> Double { x.isFinite ? (x * scale).rounded() / scale : 0 }

    static func line(_ t: LineTranscript) -> [String: Any] {
        ["text": t.text, "width": t.width, "height": t.height, "confidence": round(t.confidence, 1e4),
         "characters": t.characters.map { character($0.symbol, $0.x0, $0.x1, $0.confidence) }]
    }

    static func character(_ symbol: String, _ x0: Double, _ x1: Double, _ confidence: Double) -> [String: Any] {
        ["char": symbol, "x0": round(x0), "x1": round(x1), "confidence": round(confidence, 1e4)]
    }

    static func page(_ p: RecognizedPage) -> [String: Any] {
        func points(_ q: [(x: Int, y: Int)]) -> [[Int]] { q.map { [$0.x, $0.y] } }
        return ["width": p.width, "height": p.height, "text": p.lines.map(\.text).joined(separator: "\n"),
                "lines": p.lines.map { r -> [String: Any] in
                    let b = r.line.box
                    return ["id": r.line.id, "text": r.text, "confidence": round(r.confidence, 1e4),
                            "box": [b.x0, b.y0, b.x1, b.y1], "polygon": points(r.line.polygon),
                            "baseline": points(LayoutWriter.baseline(of: r.line)),
                            "words": r.words.map { w -> [String: Any] in
                                ["text": w.text, "box": [w.box.x0, w.box.y0, w.box.x1, w.box.y1], "confidence": round(w.confidence, 1e4)]
                            },
                            "characters": r.characters.map { character($0.symbol, $0.x0, $0.x1, $0.confidence) }]
                }]
    }

    static func text(_ record: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self) + "\n"
    }
}

/// One worker's line readers: the first is made at once, the others only when a page
/// reads its lines in parallel (a line image needs one, and each reader loads every
/// network of the model). Used by one thread.
final class LineReaders {
    let count: Int
    let make: () throws -> LineReader
    private var made: [LineReader]

    init(count: Int, make: @escaping () throws -> LineReader) throws {
        self.count = max(1, count)
        self.make = make
        made = [try make()]
    }

    var first: LineReader { made[0] }

    func all() throws -> [LineReader] {
        while made.count < count { made.append(try make()) }
        return made
    }
}
