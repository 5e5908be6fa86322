import ArgumentParser
import Foundation
import ScribeCore
import ScribeDecode

extension LMText.Unit: ExpressibleByArgument {}

extension Scribe {
    /// `scribe lm ...`: n-gram language models for beam search.
    struct LM: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lm",
            abstract: "Estimate n-gram language models from text and measure their perplexity.",
            subcommands: [LMBuild.self, LMPerplexity.self])
    }

    /// `scribe lm build --order N --unit char|word TEXT... -o lm.arpa`.
    struct LMBuild: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "build",
            abstract: "Estimate an interpolated modified Kneser-Ney n-gram LM from text (one sentence per line) and write it as ARPA.",
            discussion: """
            Character LMs spell spaces as <space>, which `scribe decode --lm` maps to the \
            alphabet's space symbol. Example:
              scribe lm build --order 4 --unit word corpus.txt -o words.arpa
            """)

        @Argument(help: "Text files, one sentence per line.")
        var text: [String]
        @Option(help: "n-gram order.")
        var order: Int = 3
        @Option(help: "Token unit: char or word.")
        var unit: LMText.Unit = .word
        @Option(name: [.short, .customLong("output")], help: "Output ARPA file.")
        var output: String

        func validate() throws {
            if text.isEmpty { throw ValidationError("give at least one text file") }
            if order < 1 || order > 9 { throw ValidationError("--order must be between 1 and 9") }
        }

        func run() throws {
            try FileCheck.writable(output)
            let sentences = try LMText.read(text, unit: unit)
            guard !sentences.isEmpty else {
                throw ValidationError("\(text.joined(separator: ", ")) holds no non-empty lines to estimate from")
            }
            let arpa = KneserNey.estimateARPA(sentences: sentences, order: order)
            try emit(arpa, to: output)
            let model = try ARPAReader.parse(arpa, path: output)
            printError("\(StandardStreams.outputName(output)): \(unit.rawValue) \(order)-gram LM from \(sentences.count) sentences; n-grams per order \(model.counts.map(String.init).joined(separator: "/"))")
        }
    }

    /// `scribe lm perplexity --lm lm.arpa TEXT...`.
    struct LMPerplexity: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "perplexity",
            abstract: "Perplexity of an ARPA LM on held-out text (one sentence per line; </s> counted, OOVs scored as <unk>).")

        @Argument(help: "Held-out text files.")
        var text: [String]
        @Option(help: "ARPA language model.")
        var lm: String
        @Option(help: "Token unit: char or word. (default: the model's, char when its vocabulary holds <space>)")
        var unit: LMText.Unit?
        @OptionGroup var output: TableFormatOption

        func run() throws {
            let model = try ARPAReader.read(lm)
            // The unit is the model's: a character LM spells spaces as <space> (as decode's --lm-unit auto decides).
            let modelUnit: LMText.Unit = model.wordId(CharacterLMScorer.spaceToken) != nil ? .char : .word
            if let unit, unit != modelUnit {
                throw DecodeError.invalidOption("\(lm) is a \(modelUnit.rawValue) LM (its vocabulary \(modelUnit == .char ? "holds" : "lacks") \(CharacterLMScorer.spaceToken)) but --unit \(unit.rawValue) was given; leave --unit out to use the model's unit")
            }
            let result = PerplexityResult.compute(model: model, sentences: try LMText.read(text, unit: unit ?? modelUnit))
            if output.isJSON {
                let record: [String: Any] = ["lm": lm, "sentences": result.sentences, "tokens": result.tokens,
                                             "oov": result.outOfVocabulary, "log10_prob": result.log10Prob,
                                             "perplexity": result.perplexity]
                let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("\(result.sentences) sentences, \(result.tokens) tokens (</s> included), \(result.outOfVocabulary) OOVs")
                print(String(format: "log10 prob %.3f  perplexity %.3f", result.log10Prob, result.perplexity))
            }
        }
    }
}
