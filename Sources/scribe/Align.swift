import ArgumentParser
import Foundation
import ScribeCore
import ScribeDecode

/// How `scribe align` prints alignments.
enum AlignFormat: String, ExpressibleByArgument, CaseIterable {
    /// One line per word: start, end, word.
    case text
    /// One JSON object with characters and words.
    case json
    /// SubRip subtitles.
    case srt
}

extension Scribe {
    /// `scribe align LOGPROBS.npy --alphabet FILE --text "..."`: Viterbi forced alignment.
    struct Align: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Force-align a known transcript to CTC posteriors (Viterbi): character and word start/end times, or subtitles.",
            discussion: """
            Example:
              scribe align utt1.npy --alphabet chars.txt --text "hello world" --format srt
            """)

        @Argument(help: "Posterior matrix (.npy, frames × classes).")
        var file: String
        @Option(help: "Alphabet file (non-blank symbols in class order, one per line).")
        var alphabet: String
        @Option(help: "Class index of the CTC blank.")
        var blank: Int = 0
        @Option(help: "What the matrix holds: auto, logprob, prob or logits.")
        var input: PosteriorDomain = .auto
        @Option(help: "The transcript to align.")
        var text: String
        @Option(parsing: .unconditional, help: "Seconds between posterior frames: the frame rate of the model that wrote them (0.02 for wav2vec 2.0 and most CTC models; Scribe's speech models use 0.03).")
        var frameSeconds: Double = 0.02
        @Option(help: "Output: text (a line per word), json or srt.")
        var format: AlignFormat = .text

        func validate() throws {
            if !(frameSeconds > 0 && frameSeconds <= 10) { throw ValidationError("--frame-seconds must be above 0 and at most 10 (got \(frameSeconds))") }
        }

        func run() throws {
            let alphabet = try Alphabet.read(self.alphabet, blank: blank)
            let logProbs = try Posteriors.logProbabilities(Npy.read(file), classCount: alphabet.classCount, domain: input, path: file)
            let result = try ForcedAligner(alphabet: alphabet).align(text, to: logProbs)
            let f = frameSeconds
            switch format {
            case .text:
                for w in result.words {
                    print(String(format: "%8.3f %8.3f  ", w.startTime(frameSeconds: f), w.endTime(frameSeconds: f)) + w.text)
                }
            case .srt:
                print(Subtitles.srt(words: result.words, frameSeconds: f), terminator: "")
            case .json:
                let record: [String: Any] = [
                    "file": file, "text": text, "path_score": result.pathScore,
                    "characters": result.tokens.map { ["symbol": $0.symbol, "start": Double($0.startFrame) * f, "end": Double($0.endFrame) * f, "confidence": $0.confidence] },
                    "words": result.words.map { ["word": $0.text, "start": $0.startTime(frameSeconds: f), "end": $0.endTime(frameSeconds: f), "confidence": $0.confidence] },
                ]
                let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            }
        }
    }
}
