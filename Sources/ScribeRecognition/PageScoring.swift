import ScribeEval
import ScribeImage

/// Character error rate of a recognized page against the transcribed lines of its
/// reference layout, lines matched by position.
///
/// Found and reference lines are paired one to one, greedily by box IoU (pairs below
/// `minimumIoU` are not lines of each other). A pair costs the character edit distance
/// between its texts; a reference line left unpaired costs its length (deletions); a found
/// line left unpaired costs its recognized length (insertions). The reference files list
/// transcribed lines only, so a found line over a stamp, printed heading or untranscribed
/// note counts as insertions too: `insertions` is reported apart, so CER without them can
/// be read off.
public struct PageScore: Sendable, Equatable {
    public var referenceLines = 0, foundLines = 0, pairedLines = 0
    /// Characters (Unicode scalars) of the reference lines.
    public var referenceCharacters = 0
    /// Edits within paired lines.
    public var pairedEdits = 0
    /// Characters of reference lines no found line matched.
    public var deletions = 0
    /// Characters recognized on found lines no reference line matched.
    public var insertions = 0

    public init() {}

    public var edits: Int { pairedEdits + deletions + insertions }
    public var cer: Double { Double(edits) / Double(max(referenceCharacters, 1)) }
    /// CER counting nothing for unpaired found lines (stamps, print and notes included).
    public var cerWithoutInsertions: Double { Double(pairedEdits + deletions) / Double(max(referenceCharacters, 1)) }

    public static func + (a: PageScore, b: PageScore) -> PageScore {
        var s = a
        s.referenceLines += b.referenceLines; s.foundLines += b.foundLines; s.pairedLines += b.pairedLines
        s.referenceCharacters += b.referenceCharacters; s.pairedEdits += b.pairedEdits
        s.deletions += b.deletions; s.insertions += b.insertions
        return s
    }

    /// Pairs IoU at or above this are the same line.
    public static let minimumIoU = 0.25

    /// Scores `found` (boxes and recognized texts) against `reference` (boxes and texts).
    public static func score(found: [(box: Box, text: String)], reference: [(box: Box, text: String)]) -> PageScore {
        var s = PageScore()
        s.referenceLines = reference.count; s.foundLines = found.count
        let ref = reference.map { units($0.text) }, hyp = found.map { units($0.text) }
        s.referenceCharacters = ref.reduce(0) { $0 + $1.count }
        var pairs: [(iou: Double, r: Int, f: Int)] = []
        for (i, r) in reference.enumerated() {
            for (j, f) in found.enumerated() {
                let v = r.box.iou(f.box)
                if v >= minimumIoU { pairs.append((v, i, j)) }
            }
        }
        pairs.sort { $0.iou > $1.iou }
        var usedR = Set<Int>(), usedF = Set<Int>()
        for p in pairs where !usedR.contains(p.r) && !usedF.contains(p.f) {
            usedR.insert(p.r); usedF.insert(p.f)
            s.pairedEdits += Levenshtein.distance(ref[p.r], hyp[p.f])
        }
        s.pairedLines = usedR.count
        s.deletions = ref.indices.filter { !usedR.contains($0) }.reduce(0) { $0 + ref[$1].count }
        s.insertions = hyp.indices.filter { !usedF.contains($0) }.reduce(0) { $0 + hyp[$1].count }
        return s
    }

    /// A line's characters as Unicode scalar values, runs of white space made one space
    /// and trimmed (ALTO joins its words with single spaces).
    static func units(_ text: String) -> [Int32] {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ").unicodeScalars.map { Int32(bitPattern: $0.value) }
    }
}
