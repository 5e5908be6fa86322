import ArgumentParser
import Foundation
import ScribeCore
import ScribeEval

extension TranscriptFormat: ExpressibleByArgument {}
extension ReportFormat: ExpressibleByArgument {}

/// Which units `scribe score` counts.
enum ScoreUnits: String, ExpressibleByArgument, CaseIterable {
    case char, word, both

    var units: [ScoringUnit] {
        switch self {
        case .char: return [.char]
        case .word: return [.word]
        case .both: return [.word, .char]
        }
    }
}

/// Scoring options shared by `scribe score` and `scribe evaluate`.
struct ScoringOptions: ParsableArguments {
    @Option(help: "Error rates to compute: char (CER), word (WER) or both.")
    var unit: ScoreUnits = .both
    @Flag(help: "Fold case before scoring.")
    var caseFold = false
    @Flag(help: "Remove punctuation before scoring.")
    var removePunctuation = false
    @Flag(help: "Collapse whitespace runs before scoring (matters for CER).")
    var collapseWhitespace = false
    @Option(help: "Worst utterances shown in text and JSON reports.")
    var worst: Int = 10
    @Option(help: "Confusion pairs shown in text and JSON reports.")
    var confusions: Int = 10
    @Option(help: "Bootstrap resamples for the 95% confidence intervals.")
    var resamples: Int = 1000
    @Option(help: "Seed of the bootstrap resampling.")
    var seed: UInt64 = 1

    var normalization: TextNormalization {
        TextNormalization(caseFold: caseFold, removePunctuation: removePunctuation, collapseWhitespace: collapseWhitespace)
    }

    func validate() throws {
        if worst < 0 || confusions < 0 { throw ValidationError("--worst and --confusions must be 0 or more") }
        if !(1...100_000).contains(resamples) { throw ValidationError("--resamples must be between 1 and 100000 (got \(resamples))") }
    }
}

extension Scribe {
    /// `scribe score --ref REF --hyp HYP`: error rates of any system's output.
    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score hypotheses against references: CER/WER with C/S/D/I counts, worst utterances, confusions and bootstrap confidence intervals.",
            discussion: """
            Files are plain text (one utterance per line; no line is ever dropped, and the line \
            counts must match), TSV (id<TAB>text; a first row naming the columns, such as \
            id<TAB>text, is recognized as a header and skipped) or sclite .trn ("text (id)"), \
            chosen by extension or --input-format. CRLF line ends and a UTF-8 byte-order mark are \
            fine. Keyed files pair by utterance id. Rates are pooled: \
            total errors / total reference units. An empty reference adds its insertions to the \
            errors and nothing to the reference count. Characters are Unicode grapheme clusters \
            of NFC text; normalization is off unless asked for.

            Examples:
              scribe score --ref ref.txt --hyp hyp.txt
              scribe score --ref ref.tsv --hyp sys1.tsv --compare sys2.tsv --unit word --format json
            """)

        @Option(help: "Reference transcripts.")
        var ref: String
        @Option(help: "Hypothesis transcripts.")
        var hyp: String
        @Option(help: "A second system's hypotheses: adds a paired bootstrap test against --hyp.")
        var compare: String?
        @Option(help: "Transcript layout: auto (by extension), lines, tsv or trn.")
        var inputFormat: TranscriptFormat = .auto
        @Option(help: "Report format: text, json or csv.")
        var format: ReportFormat = .text
        @Option(name: [.short, .customLong("output")], help: "Write the report here instead of standard output.")
        var output: String?
        @OptionGroup var scoring: ScoringOptions

        func run() throws {
            try FileCheck.writable(output)
            let reference = try Transcript.read(ref, format: inputFormat)
            let pairs = try Transcript.pair(reference: reference, hypothesis: Transcript.read(hyp, format: inputFormat))
            let second = try compare.map { try Transcript.pair(reference: reference, hypothesis: Transcript.read($0, format: inputFormat)) }
            let report = ScoreReport.make(pairs: pairs, comparison: second, units: scoring.unit.units,
                                          normalization: scoring.normalization, referencePath: ref, hypothesisPath: hyp,
                                          comparisonPath: compare, resamples: scoring.resamples, seed: scoring.seed)
            try emit(report.render(format, worst: scoring.worst, confusions: scoring.confusions), to: output)
        }
    }
}

/// Prints `text` or writes it to `path`.
func emit(_ text: String, to path: String?) throws {
    guard let path else { print(text, terminator: text.hasSuffix("\n") ? "" : "\n"); return }
    try AtomicFile.write(text, to: path)
}
