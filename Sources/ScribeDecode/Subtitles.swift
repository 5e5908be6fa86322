import Foundation

/// SubRip (.srt) subtitles from timed words.
public enum Subtitles {
    /// Cues of at most `maxWords` words, split early at pauses longer than `maxGap` seconds.
    public static func srt(words: [DecodedWord], frameSeconds: Double, maxWords: Int = 8, maxGap: Double = 1.0) -> String {
        var cues: [[DecodedWord]] = []
        for w in words {
            if let last = cues.last?.last, cues[cues.count - 1].count < maxWords,
               w.startTime(frameSeconds: frameSeconds) - last.endTime(frameSeconds: frameSeconds) <= maxGap {
                cues[cues.count - 1].append(w)
            } else {
                cues.append([w])
            }
        }
        return cues.enumerated().map { i, cue in
            "\(i + 1)\n\(timestamp(cue.first!.startTime(frameSeconds: frameSeconds))) --> \(timestamp(cue.last!.endTime(frameSeconds: frameSeconds)))\n\(cue.map(\.text).joined(separator: " "))\n"
        }.joined(separator: "\n")
    }

    /// `HH:MM:SS,mmm`.
    public static func timestamp(_ seconds: Double) -> String {
        let ms = Int((seconds * 1000).rounded())
        return String(format: "%02d:%02d:%02d,%03d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
    }
}
