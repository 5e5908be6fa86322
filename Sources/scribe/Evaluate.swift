import ArgumentParser
import Foundation
import ScribeCore
import ScribeEval
import ScribeImage
import ScribeNN
import ScribeRecognition

extension Scribe {
    /// `scribe evaluate --model MODEL --manifest MANIFEST`: decode a test set and score it.
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode every entry of a manifest in parallel and report error rates as `scribe score` does.",
            discussion: """
            The manifest is TSV with a header row (path, text, and optionally id, duration, \
            speaker, split), NeMo-style JSON lines, or header-less id<TAB>path<TAB>transcript; \
            paths are relative to the manifest. --model takes a trained model (its alphabet, \
            front end and decoding defaults come with it; decoding options override them), or a \
            folder of precomputed posteriors from another system, where input some/utt1.wav is \
            read from FOLDER/utt1.npy (then --alphabet is needed).

            With --pages, whole pages are read instead: a page manifest (TSV with the columns \
            image and layout) lists page scans and their ALTO/PAGE files; each page's lines are \
            found (--finder; `layout` takes the layout's own lines), recognized, and paired with \
            the layout's transcribed lines by position (box IoU ≥ 0.25, one to one). A pair costs \
            its character edit distance, an unpaired reference line its length (deletions), an \
            unpaired found line its recognized length (insertions: stamps, print and \
            untranscribed notes included, also reported apart); page CER = edits / reference \
            characters.

            Examples:
              scribe evaluate --model digits --manifest corpora/digits/build/test.tsv --html report.html
              scribe evaluate --model poilus --pages corpora/poilus-lines/build/pages-test.tsv
              scribe evaluate --model poilus --pages corpora/poilus-lines/build/pages-test.tsv --finder layout
              scribe evaluate --model posteriors/ --manifest test.tsv --alphabet chars.txt
            """)

        @Option(help: "Trained model (a shipped name such as english or digits, or a .safetensors path), or a folder of precomputed posteriors (<input stem>.npy).")
        var model: String
        @Option(help: "Manifest: TSV with a header (path, text, optional id, duration, speaker, split), JSON lines (.jsonl), or header-less id<TAB>path<TAB>transcript.")
        var manifest: String?
        @Option(help: "Evaluate whole pages: a page manifest (TSV with the columns image and layout) instead of --manifest.")
        var pages: String?
        @Option(help: "With --pages: how lines are found: a line-finder model, classical, or layout (the layout file's own lines).")
        var finder: String = LineFinding.defaultModel
        @Option(help: "Keep only the manifest entries whose split column has this value.")
        var split: String?
        @OptionGroup var posteriors: PosteriorOptions
        @OptionGroup var decoding: DecoderOptions
        @OptionGroup var models: EnsembleOptions
        @OptionGroup var scoring: ScoringOptions
        @Option(help: "Report format on standard output: text, json or csv.")
        var format: ReportFormat = .text
        @Option(name: [.short, .customLong("output")], help: "Write the report (in --format) here instead of standard output, as score -o does.")
        var output: String?
        @Option(help: .hidden)
        var report: String?
        @Option(help: "Also write a single-file HTML report here (utterances worst first with alignments).")
        var html: String?
        @Option(help: "Also write the hypotheses here as TSV (id<TAB>text).")
        var hypotheses: String?
        @Option(help: "Worker threads. (default: all cores)")
        var threads: Int?

        func validate() throws {
            if (manifest == nil) == (pages == nil) { throw ValidationError("give either --manifest (lines or utterances) or --pages (page scans)") }
            if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256 (got \(threads))") }
        }

        func run() throws {
            Allocator.keepLargeBlocks()
            try FileCheck.writable(output, report, html, hypotheses)
            if let pages { return try evaluatePages(pages) }
            let manifest = self.manifest!
            let entries = try Manifest.read(manifest, split: split)
            let workers = threads ?? Workers.availableCores
            let makeWorker: () throws -> (String) throws -> String
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue {
                if !models.ensemble.isEmpty { throw ValidationError("--ensemble combines trained models; \(model) is a folder of posteriors") }
                let decoder = try decoding.makeDecoder(posteriors: posteriors, wordTimings: false)
                makeWorker = {
                    let recognizer = PrecomputedPosteriors(folder: model), local = decoder.copy()
                    return { try local.decode(recognizer.logProbabilities(forFile: $0), path: $0)[0].text }
                }
            } else {
                if posteriors.alphabet != nil { throw ValidationError("--alphabet is for posterior folders; a trained model carries its own alphabet") }
                let trained = try RecognitionModel(path: ModelLocator.locate(model))
                ComputeThreads.set(max(1, Workers.availableCores / max(1, min(workers, entries.count))))
                let set = try models.members(of: trained)
                let decoder = try models.makeDecoder(decoding, for: set, wordTimings: false)
                if set.isEnsemble, case .line = trained.input {
                    makeWorker = {
                        let reader = try set.makeLineReader(decoder: decoder.copy())
                        return { try reader.read(file: $0).text }
                    }
                } else if set.isEnsemble {
                    makeWorker = {
                        let recognizers = try set.members.map { try $0.makeAnyRecognizer() }, local = EnsembleDecoder(proposer: decoder.copy())
                        return { path in try local.decode(recognizers.map { try $0.logProbabilities(forFile: path) }, path: path).text }
                    }
                } else {
                    makeWorker = {
                        let recognizer = try trained.makeAnyRecognizer(), local = decoder.copy()
                        return { try local.decode(recognizer.logProbabilities(forFile: $0), path: $0)[0].text }
                    }
                }
            }
            let bar = ProgressBar(total: entries.count, label: "evaluate")
            let pairs = try Evaluation.run(entries: entries, threads: workers, progress: bar, makeWorker: makeWorker)
            bar.finish()
            let result = ScoreReport.make(pairs: pairs, units: scoring.unit.units, normalization: scoring.normalization,
                                          referencePath: manifest, hypothesisPath: model,
                                          resamples: scoring.resamples, seed: scoring.seed)
            try emit(result.render(format, worst: scoring.worst, confusions: scoring.confusions), to: output)
            if let report { try emit(result.render(.json, worst: scoring.worst, confusions: scoring.confusions), to: report) }
            if let html { try emit(HTMLReport.render(result, title: "Scribe evaluation of \(model) on \(manifest)",
                                                               inputs: Dictionary(entries.map { ($0.id, $0.path) }, uniquingKeysWith: { a, _ in a })), to: html) }
            if let hypotheses { try emit(pairs.map { "\($0.id)\t\($0.hypothesis)\n" }.joined(), to: hypotheses) }
        }

        /// `--pages`: reads each page (lines found or given), pairs its lines with the
        /// layout's and reports page CER per page and overall.
        func evaluatePages(_ path: String) throws {
            let entries = try PageManifest.read(path)
            let trained = try RecognitionModel(path: ModelLocator.locate(model))
            _ = try trained.lineFrontEnd()
            let set = try models.members(of: trained)
            let decoder = try models.makeDecoder(decoding, for: set, wordTimings: true)
            let cores = threads ?? Workers.availableCores
            ComputeThreads.set(1)
            let readers = try (0..<cores).map { _ in try set.makeLineReader(decoder: decoder.copy()) }
            let reader = PageReader(finder: finder == "layout" ? .classical(PageSegmenter()) : try LineFinding.named(finder))
            var total = PageScore(), rows: [[String: Any]] = []
            var text = "page\tlines (ref/found/paired)\tchars\tedits (paired+del+ins)\tCER\tCER without insertions\n"
            for entry in entries {
                let reference = try LayoutXML.read(entry.layout)
                let given = finder == "layout" ? reference.map { LayoutLine(id: $0.id, polygon: $0.polygon.count >= 3 ? $0.polygon : LayoutLine.corners($0.box)) } : nil
                let page = try reader.read(GrayImage(try PNGReader().read(entry.image)), path: entry.image, layout: given, readers: readers)
                let s = PageScore.score(found: page.lines.map { ($0.line.box, $0.text) }, reference: reference.map { ($0.box, $0.text ?? "") })
                total = total + s
                let name = URL(fileURLWithPath: entry.image).lastPathComponent
                text += String(format: "%@\t%d/%d/%d\t%d\t%d (%d+%d+%d)\t%.2f%%\t%.2f%%\n", name, s.referenceLines, s.foundLines, s.pairedLines,
                               s.referenceCharacters, s.edits, s.pairedEdits, s.deletions, s.insertions, s.cer * 100, s.cerWithoutInsertions * 100)
                rows.append(Self.record(s, name: name))
            }
            text += String(format: "all %d pages\t%d/%d/%d\t%d\t%d (%d+%d+%d)\t%.2f%%\t%.2f%%\n", entries.count, total.referenceLines, total.foundLines,
                           total.pairedLines, total.referenceCharacters, total.edits, total.pairedEdits, total.deletions, total.insertions,
                           total.cer * 100, total.cerWithoutInsertions * 100)
            if format == .json {
                let data = try JSONSerialization.data(withJSONObject: ["finder": finder, "model": model, "pages": rows, "total": Self.record(total, name: "all")],
                                                      options: [.sortedKeys, .prettyPrinted])
                try emit(String(decoding: data, as: UTF8.self) + "\n", to: output)
            } else {
                try emit(text, to: output)
            }
        }

        static func record(_ s: PageScore, name: String) -> [String: Any] {
            ["page": name, "reference_lines": s.referenceLines, "found_lines": s.foundLines, "paired_lines": s.pairedLines,
             "reference_characters": s.referenceCharacters, "paired_edits": s.pairedEdits, "deletions": s.deletions,
             "insertions": s.insertions, "cer": s.cer, "cer_without_insertions": s.cerWithoutInsertions]
        }
    }
}
