import Foundation

/// A word with times in seconds, as subtitles and JSON output show it.
public struct TimedWord: Equatable, Sendable {
    public var text: String
    public var start: Double
    public var end: Double
    public var confidence: Double

    public init(text: String, start: Double, end: Double, confidence: Double) {
        self.text = text
        self.start = start
        self.end = end
        self.confidence = confidence
    }
}

/// SubRip (.srt) and WebVTT subtitles from timed words.
public enum Subtitles {
    /// Cues of at most `maxWords` words, split early at pauses longer than `maxGap` seconds
    /// and kept under `maxDuration` seconds.
    public static func cues(_ words: [TimedWord], maxWords: Int, maxGap: Double, maxDuration: Double = .infinity) -> [[TimedWord]] {
        var cues: [[TimedWord]] = []
        for w in words {
            if let last = cues.last?.last, cues[cues.count - 1].count < maxWords, w.start - last.end <= maxGap,
               w.end - cues[cues.count - 1][0].start <= maxDuration {
                cues[cues.count - 1].append(w)
            } else {
                cues.append([w])
            }
        }
        return cues
    }

    /// SubRip text of `cues`.
    public static func srt(_ cues: [[TimedWord]]) -> String {
        cues.enumerated().map { i, cue in
            "\(i + 1)\n\(timestamp(cue[0].start)) --> \(timestamp(cue.last!.end))\n\(cue.map(\.text).joined(separator: " "))\n"
        }.joined(separator: "\n")
    }

    /// WebVTT text of `cues`.
    public static func vtt(_ cues: [[TimedWord]]) -> String {
        "WEBVTT\n\n" + cues.map { cue in
            "\(timestamp(cue[0].start, separator: ".")) --> \(timestamp(cue.last!.end, separator: "."))\n\(cue.map(\.text).joined(separator: " "))\n"
        }.joined(separator: "\n")
    }

    /// SubRip subtitles of words with frame spans `frameSeconds` apart.
    public static func srt(words: [DecodedWord], frameSeconds: Double, maxWords: Int = 8, maxGap: Double = 1.0) -> String {
        let timed = words.map {
            TimedWord(text: $0.text, start: $0.startTime(frameSeconds: frameSeconds), end: $0.endTime(frameSeconds: frameSeconds),
                      confidence: $0.confidence)
        }
        return srt(cues(timed, maxWords: maxWords, maxGap: maxGap))
    }

    /// `HH:MM:SS,mmm` (SubRip) or, with separator ".", `HH:MM:SS.mmm` (WebVTT); never negative.
    public static func timestamp(_ seconds: Double, separator: String = ",") -> String {
        let ms = max(0, Int((seconds * 1000).rounded()))
        return String(format: "%02d:%02d:%02d%@%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, separator, ms % 1000)
    }
}
