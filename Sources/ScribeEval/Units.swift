import Foundation

/// What error rates count.
public enum ScoringUnit: String, CaseIterable, Sendable, Codable {
    /// Characters: Unicode grapheme clusters of the NFC-normalized text with leading and
    /// trailing whitespace removed; inner spaces count as characters (as jiwer's CER does).
    case char
    /// Words: whitespace-separated tokens.
    case word

    /// The name of the rate: CER or WER.
    public var rateName: String { self == .char ? "CER" : "WER" }
    /// The plural of the unit, for reports.
    public var unitName: String { self == .char ? "characters" : "words" }
}

/// Splits text into scoring units and interns them as small integers per utterance pair.
public enum Units {
    /// The units of `text`.
    public static func split(_ text: String, unit: ScoringUnit) -> [String] {
        switch unit {
        case .word:
            return text.split(whereSeparator: \.isWhitespace).map(String.init)
        case .char:
            let nfc = isASCII(text) ? text : text.precomposedStringWithCanonicalMapping
            let trimmed = nfc.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.map(String.init)
        }
    }

    @inline(__always)
    static func isASCII(_ s: String) -> Bool { s.utf8.allSatisfy { $0 < 0x80 } }

    /// Integer ids for two unit sequences, equal ids for equal units.
    public static func intern(_ ref: [String], _ hyp: [String]) -> ([Int32], [Int32]) {
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(ref.count + hyp.count)
        func id(_ u: String) -> Int32 {
            if let i = ids[u] { return i }
            let i = Int32(ids.count); ids[u] = i; return i
        }
        return (ref.map(id), hyp.map(id))
    }
}
