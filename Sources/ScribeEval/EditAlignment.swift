/// One operation of an alignment between a reference and a hypothesis.
public enum EditOperation: UInt8, Sendable, Codable {
    /// Reference and hypothesis units are equal.
    case hit
    /// A reference unit was recognized as a different unit.
    case substitution
    /// A reference unit is missing from the hypothesis.
    case deletion
    /// The hypothesis has a unit the reference lacks.
    case insertion

    /// sclite's marker: blank for hits, S, D or I.
    public var marker: String {
        switch self {
        case .hit: return " "
        case .substitution: return "S"
        case .deletion: return "D"
        case .insertion: return "I"
        }
    }
}

/// One aligned pair: `refIndex` is -1 for insertions, `hypIndex` -1 for deletions.
public struct AlignmentStep: Equatable, Sendable {
    public var operation: EditOperation
    public var refIndex: Int
    public var hypIndex: Int
}

/// A minimum-edit alignment (unit costs) of a reference and a hypothesis unit sequence, with
/// its counts. `hits + substitutions + deletions == refLength` and
/// `hits + substitutions + insertions == hypLength`.
public struct EditAlignment: Equatable, Sendable {
    /// The operations in order.
    public var steps: [AlignmentStep]
    public var hits = 0
    public var substitutions = 0
    public var deletions = 0
    public var insertions = 0

    /// Substitutions + deletions + insertions: the Levenshtein distance.
    public var errors: Int { substitutions + deletions + insertions }
    /// Reference units.
    public var refLength: Int { hits + substitutions + deletions }
    /// Hypothesis units.
    public var hypLength: Int { hits + substitutions + insertions }
}

/// Levenshtein distance and alignment over interned units (`Int32` ids).
public enum Levenshtein {
    /// The distance only, in O(min) memory: two rows of the dynamic-programming table.
    public static func distance(_ ref: [Int32], _ hyp: [Int32]) -> Int {
        if ref.isEmpty { return hyp.count }
        if hyp.isEmpty { return ref.count }
        var row = [Int32](0...Int32(hyp.count))
        return ref.withUnsafeBufferPointer { r in
            hyp.withUnsafeBufferPointer { h in
                row.withUnsafeMutableBufferPointer { d in
                    for i in 1...r.count {
                        var diagonal = d[0]
                        d[0] = Int32(i)
                        let ri = r[i - 1]
                        for j in 1...h.count {
                            let above = d[j]
                            let sub = diagonal + (ri == h[j - 1] ? 0 : 1)
                            d[j] = min(sub, min(above, d[j - 1]) + 1)
                            diagonal = above
                        }
                    }
                    return Int(d[h.count])
                }
            }
        }
    }

    /// A minimum-edit alignment with backtrace. Among equally short alignments the
    /// backtrace prefers, from the end, a hit or substitution, then a deletion, then an
    /// insertion.
    public static func align(_ ref: [Int32], _ hyp: [Int32]) -> EditAlignment {
        let n = ref.count, m = hyp.count, width = m + 1
        var table = [Int32](repeating: 0, count: (n + 1) * width)
        table.withUnsafeMutableBufferPointer { d in
            ref.withUnsafeBufferPointer { r in
                hyp.withUnsafeBufferPointer { h in
                    for j in 0...m { d[j] = Int32(j) }
                    guard n > 0 else { return }
                    for i in 1...n {
                        let row = i * width, up = row - width
                        d[row] = Int32(i)
                        guard m > 0 else { continue }
                        let ri = r[i - 1]
                        for j in 1...m {
                            let sub = d[up + j - 1] + (ri == h[j - 1] ? 0 : 1)
                            d[row + j] = min(sub, min(d[up + j], d[row + j - 1]) + 1)
                        }
                    }
                }
            }
        }
        var out = EditAlignment(steps: [])
        out.steps.reserveCapacity(max(n, m))
        var i = n, j = m
        while i > 0 || j > 0 {
            let here = table[i * width + j]
            if i > 0 && j > 0 {
                let same = ref[i - 1] == hyp[j - 1]
                if table[(i - 1) * width + j - 1] + (same ? 0 : 1) == here {
                    out.steps.append(AlignmentStep(operation: same ? .hit : .substitution, refIndex: i - 1, hypIndex: j - 1))
                    if same { out.hits += 1 } else { out.substitutions += 1 }
                    i -= 1; j -= 1
                    continue
                }
            }
            if i > 0 && table[(i - 1) * width + j] + 1 == here {
                out.steps.append(AlignmentStep(operation: .deletion, refIndex: i - 1, hypIndex: -1))
                out.deletions += 1
                i -= 1
            } else {
                out.steps.append(AlignmentStep(operation: .insertion, refIndex: -1, hypIndex: j - 1))
                out.insertions += 1
                j -= 1
            }
        }
        out.steps.reverse()
        return out
    }
}
