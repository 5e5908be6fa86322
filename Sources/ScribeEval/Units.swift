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

    /// Units of `ref` and `hyp` with integer ids (equal ids for equal units). ASCII text
    /// takes a fast path (byte ids for characters, byte-level word splitting); other text
    /// goes through `split` and `intern`.
    public static func unitsAndIds(_ ref: String, _ hyp: String, unit: ScoringUnit) -> (ref: [String], hyp: [String], refIds: [Int32], hypIds: [Int32]) {
        guard isASCII(ref) && isASCII(hyp) else {
            let r = split(ref, unit: unit), h = split(hyp, unit: unit)
            let (ri, hi) = intern(r, h)
            return (r, h, ri, hi)
        }
        switch unit {
        case .char:
            let r = asciiTrimmed(ref), h = asciiTrimmed(hyp)
            return (r.map { String(UnicodeScalar($0)) }, h.map { String(UnicodeScalar($0)) },
                    r.map { Int32($0) }, h.map { Int32($0) })
        case .word:
            var table = WordTable()
            let (r, ri) = table.asciiWords(ref)
            let (h, hi) = table.asciiWords(hyp)
            return (r, h, ri, hi)
        }
    }

    @inline(__always)
    static func isASCIISpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    /// The bytes of ASCII `text` without leading and trailing whitespace.
    static func asciiTrimmed(_ text: String) -> [UInt8] {
        var bytes = Array(text.utf8)
        while let last = bytes.last, isASCIISpace(last) { bytes.removeLast() }
        let start = bytes.firstIndex { !isASCIISpace($0) } ?? bytes.count
        if start > 0 { bytes.removeFirst(start) }
        return bytes
    }

    /// Interns ASCII words by an FNV-1a hash, comparing the text on every hash hit so a
    /// collision can never merge two different words.
    struct WordTable {
        var byHash: [UInt64: (id: Int32, word: String)] = [:]
        var next: Int32 = 0
        var collided: [String: Int32] = [:]

        mutating func asciiWords(_ text: String) -> ([String], [Int32]) {
            var words: [String] = [], ids: [Int32] = []
            let bytes = Array(text.utf8)
            var i = 0
            while i < bytes.count {
                while i < bytes.count && Units.isASCIISpace(bytes[i]) { i += 1 }
                guard i < bytes.count else { break }
                var j = i
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                while j < bytes.count && !Units.isASCIISpace(bytes[j]) {
                    hash = (hash ^ UInt64(bytes[j])) &* 0x100_0000_01b3
                    j += 1
                }
                let word = String(decoding: bytes[i..<j], as: UTF8.self)
                words.append(word)
                ids.append(id(word, hash: hash))
                i = j
            }
            return (words, ids)
        }

        mutating func id(_ word: String, hash: UInt64) -> Int32 {
            if let hit = byHash[hash] {
                if hit.word == word { return hit.id }
                if let c = collided[word] { return c }
                collided[word] = next; next += 1
                return next - 1
            }
            byHash[hash] = (next, word); next += 1
            return next - 1
        }
    }

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
