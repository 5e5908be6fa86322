import ArgumentParser
import Foundation
import ScribeCore
import ScribeDecode
import ScribeRecognition

/// How `scribe decode` prints results.
enum DecodeFormat: String, ExpressibleByArgument, CaseIterable {
    /// One line of text per input file.
    case text
    /// One JSON object per input file and line (JSON Lines), with scores and word times.
    case json
}

extension Scribe {
    /// `scribe decode LOGPROBS.npy... --alphabet FILE`: text from any system's CTC posteriors.
    struct Decode: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode CTC posteriors (.npy, frames × classes) into text, one output line per input file.",
            discussion: """
            The matrices may come from any system: float32 or float64 .npy files holding \
            log-probabilities, probabilities (--input auto tells them apart) or logits \
            (--input logits). The blank is class 0 unless --blank says otherwise; the alphabet \
            file lists the other classes in order.

            Examples:
              scribe decode utt1.npy utt2.npy --alphabet chars.txt --decoder greedy
              scribe decode utt1.npy --alphabet chars.txt --beam 64 --lm words.arpa --alpha 0.6 --beta 1.5 --format json
            """)

        @Argument(help: "Posterior matrices (.npy).")
        var files: [String]
        @OptionGroup var posteriors: PosteriorOptions
        @OptionGroup var decoding: DecoderOptions
        @Option(help: "Output: text (one line per file) or json (JSON Lines with scores and word times).")
        var format: DecodeFormat = .text
        @Option(parsing: .unconditional, help: "Seconds between posterior frames, for word times in JSON output: the frame rate of the model that wrote them (0.02 for wav2vec 2.0 and most CTC models; Scribe's speech models use 0.03; the 0.01 s feature hop is usually subsampled by the network).")
        var frameSeconds: Double = 0.02
        @Option(help: "Worker threads. (default: all cores)")
        var threads: Int?

        func validate() throws {
            if files.isEmpty { throw ValidationError("give at least one .npy file") }
            if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
            if !(frameSeconds > 0 && frameSeconds <= 10) { throw ValidationError("--frame-seconds must be above 0 and at most 10 (got \(frameSeconds))") }
        }

        func run() throws {
            let decoder = try decoding.makeDecoder(posteriors: posteriors, wordTimings: format == .json)
            var results = [Result<[Hypothesis], Error>?](repeating: nil, count: files.count)
            let lock = NSLock()
            Workers.forEachChunk(count: files.count, threads: threads ?? Workers.availableCores) { range, _ in
                let local = decoder.copy()
                for i in range {
                    let r = Result { try local.decode(Npy.read(files[i]), path: files[i]) }
                    lock.lock(); results[i] = r; lock.unlock()
                }
            }
            for (i, result) in results.enumerated() {
                let hyps = try result!.get()
                switch format {
                case .text: print(hyps[0].text)
                case .json: print(try jsonLine(file: files[i], hyps: hyps, frameSeconds: frameSeconds))
                }
            }
        }
    }
}

/// One hypothesis as a JSON-ready dictionary, scores named as the decoder defines them.
func hypothesisJSON(_ h: Hypothesis, frameSeconds: Double) -> [String: Any] {
    [
        "text": h.text,
        "acoustic_score": h.acousticScore,
        "lm_score": h.lmScore,
        "lm_units": h.lmUnits,
        "penalty": h.penalty,
        "total_score": h.totalScore,
        "confidence": h.confidence,
        "words": h.words.map { w -> [String: Any] in
            ["word": w.text, "start": w.startTime(frameSeconds: frameSeconds),
             "end": w.endTime(frameSeconds: frameSeconds), "confidence": w.confidence]
        },
    ]
}

/// The JSON Lines record of one decoded file.
func jsonLine(file: String, hyps: [Hypothesis], frameSeconds: Double) throws -> String {
    var record = hypothesisJSON(hyps[0], frameSeconds: frameSeconds)
    record["file"] = file
    if hyps.count > 1 { record["nbest"] = hyps.map { hypothesisJSON($0, frameSeconds: frameSeconds) } }
    let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self)
}
