import Foundation
import ScribeCore

/// Turns text into the token sentences that language models are estimated and evaluated on.
public enum LMText {
    /// Unit of a language model's tokens.
    public enum Unit: String, CaseIterable, Sendable {
        /// Every character is a token; spaces become `<space>` (`CharacterLMScorer.spaceToken`).
        case char
        /// Whitespace-separated words.
        case word
    }

    /// One sentence per non-empty line.
    public static func sentences(_ text: String, unit: Unit) -> [[String]] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let words = line.split(whereSeparator: \.isWhitespace)
            guard !words.isEmpty else { return nil }
            switch unit {
            case .word:
                return words.map(String.init)
            case .char:
                var tokens: [String] = []
                for (i, w) in words.enumerated() {
                    if i > 0 { tokens.append(CharacterLMScorer.spaceToken) }
                    tokens.append(contentsOf: w.map(String.init))
                }
                return tokens
            }
        }
    }

    /// Reads text files as sentences; `path` names a file in errors.
    public static func read(_ paths: [String], unit: Unit) throws -> [[String]] {
        var out: [[String]] = []
        for path in paths {
            guard let data = StandardStreams.contents(of: path) else {
                throw DecodeError.text(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw DecodeError.text(path: path, reason: "not valid UTF-8 text; convert it with iconv -t UTF-8")
            }
            out += sentences(text, unit: unit)
        }
        return out
    }
}

/// Perplexity of a language model on held-out sentences.
public struct PerplexityResult: Equatable, Sendable {
    public var sentences: Int
    /// Tokens scored, `</s>` included.
    public var tokens: Int
    /// Tokens missing from the LM vocabulary (scored as `<unk>`).
    public var outOfVocabulary: Int
    /// Total base-10 log-probability.
    public var log10Prob: Double
    /// 10^(−log10Prob / tokens).
    public var perplexity: Double

    /// Scores `sentences` with `model` (each after `<s>`, then `</s>`).
    public static func compute(model: NGramModel, sentences: [[String]]) -> PerplexityResult {
        var total = 0.0, tokens = 0, oovs = 0
        for s in sentences {
            let (lp, o) = model.sentenceLogProb(s)
            total += lp / LogSpace.ln10
            tokens += s.count + 1
            oovs += o
        }
        return PerplexityResult(sentences: sentences.count, tokens: tokens, outOfVocabulary: oovs, log10Prob: total,
                                perplexity: tokens > 0 ? pow(10, -total / Double(tokens)) : 1)
    }
}
