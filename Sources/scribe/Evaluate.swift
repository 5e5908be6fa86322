import ArgumentParser
import Foundation
import ScribeCore
import ScribeEval
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

            Examples:
              scribe evaluate --model digits --manifest corpora/digits/build/test.tsv --html report.html
              scribe evaluate --model posteriors/ --manifest test.tsv --alphabet chars.txt
            """)

        @Option(help: "Trained model (a shipped name such as english or digits, or a .safetensors path), or a folder of precomputed posteriors (<input stem>.npy).")
        var model: String
        @Option(help: "Manifest: TSV with a header (path, text, optional id, duration, speaker, split), JSON lines (.jsonl), or header-less id<TAB>path<TAB>transcript.")
        var manifest: String
        @Option(help: "Keep only the manifest entries whose split column has this value.")
        var split: String?
        @OptionGroup var posteriors: PosteriorOptions
        @OptionGroup var decoding: DecoderOptions
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

        func run() throws {
            try FileCheck.writable(output, report, html, hypotheses)
            let entries = try Manifest.read(manifest, split: split)
            let workers = threads ?? Workers.availableCores
            let makeWorker: () throws -> (String) throws -> String
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory), isDirectory.boolValue {
                let decoder = try decoding.makeDecoder(posteriors: posteriors, wordTimings: false)
                makeWorker = {
                    let recognizer = PrecomputedPosteriors(folder: model), local = decoder.copy()
                    return { try local.decode(recognizer.logProbabilities(forFile: $0), path: $0)[0].text }
                }
            } else {
                if posteriors.alphabet != nil { throw ValidationError("--alphabet is for posterior folders; a trained model carries its own alphabet") }
                let trained = try RecognitionModel(path: ModelLocator.locate(model))
                let decoder = try decoding.makeDecoder(for: trained, wordTimings: false)
                ComputeThreads.set(max(1, Workers.availableCores / max(1, min(workers, entries.count))))
                makeWorker = {
                    let recognizer = try trained.makeAnyRecognizer(), local = decoder.copy()
                    return { try local.decode(recognizer.logProbabilities(forFile: $0), path: $0)[0].text }
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
    }
}

