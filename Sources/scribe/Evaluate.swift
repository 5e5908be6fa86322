import ArgumentParser
import Foundation
import ScribeCore
import ScribeEval

extension Scribe {
    /// `scribe evaluate --model MODEL --manifest MANIFEST`: decode a test set and score it.
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode every entry of a manifest in parallel and report error rates as `scribe score` does.",
            discussion: """
            The manifest is TSV: id<TAB>path<TAB>transcript, paths relative to the manifest. \
            --model takes a trained Scribe model once model files exist (the training issue \
            brings them); today it also takes a folder of precomputed posteriors, where input \
            some/utt1.wav is read from FOLDER/utt1.npy, so other systems' outputs can be \
            evaluated end to end.

            Example:
              scribe evaluate --model posteriors/ --manifest test.tsv --alphabet chars.txt --html report.html
            """)

        @Option(help: "Trained model, or a folder of precomputed posteriors (<input stem>.npy).")
        var model: String
        @Option(help: "Manifest: id<TAB>path<TAB>transcript per line.")
        var manifest: String
        @OptionGroup var decoding: DecoderOptions
        @OptionGroup var scoring: ScoringOptions
        @Option(help: "Report format on standard output: text, json or csv.")
        var format: ReportFormat = .text
        @Option(help: "Also write the JSON report here.")
        var report: String?
        @Option(help: "Also write a single-file HTML report here (utterances worst first with alignments).")
        var html: String?
        @Option(help: "Also write the hypotheses here as TSV (id<TAB>text).")
        var hypotheses: String?
        @Option(help: "Worker threads. (default: all cores)")
        var threads: Int?

        func run() throws {
            let entries = try Manifest.read(manifest)
            let recognizer = try loadRecognizer(model)
            let decoder = try decoding.makeDecoder()
            let bar = ProgressBar(total: entries.count, label: "evaluate")
            let pairs = try Evaluation.run(entries: entries, recognizer: recognizer, threads: threads ?? Parallel.availableCores,
                                           progress: bar) {
                let local = decoder.copy()
                return { try local.decode($0, path: model)[0].text }
            }
            bar.finish()
            let result = ScoreReport.make(pairs: pairs, units: scoring.unit.units, normalization: scoring.normalization,
                                          referencePath: manifest, hypothesisPath: model,
                                          resamples: scoring.resamples, seed: scoring.seed)
            try emit(result.render(format, worst: scoring.worst, confusions: scoring.confusions), to: nil)
            if let report { try emit(result.render(.json, worst: scoring.worst, confusions: scoring.confusions), to: report) }
            if let html { try emit(HTMLReport.render(result, title: "Scribe evaluation of \(model) on \(manifest)"), to: html) }
            if let hypotheses { try emit(pairs.map { "\($0.id)\t\($0.hypothesis)\n" }.joined(), to: hypotheses) }
        }
    }
}

/// The recognizer behind `--model`: a folder of precomputed posteriors today; trained
/// Scribe models arrive with the training issue.
func loadRecognizer(_ model: String) throws -> Recognizer {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory) else {
        throw ValidationError("\(model): no such file or folder")
    }
    if isDirectory.boolValue { return PrecomputedPosteriors(folder: model) }
    throw ValidationError("\(model): Scribe cannot load trained model files yet; model loading arrives with the training issue. Pass a folder of precomputed posteriors (<input stem>.npy) to evaluate another system's outputs now.")
}
