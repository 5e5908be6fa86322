/// Element-wise comparison of float arrays for the numerical tests (features against
/// librosa, layers against PyTorch): one rule, |actual − expected| ≤ abs + rel·|expected|,
/// and one report, so every suite fails the same way and prints the same figures.
public enum FloatComparison {
    /// What a comparison found.
    public struct Report {
        /// Values outside the tolerance (NaN where a number was expected counts).
        public var failures = 0
        /// Index of the value furthest outside its tolerance, relative to it.
        public var worst: Int?
        /// Largest |actual − expected| (NaN if any difference is NaN).
        public var maxDifference: Float = 0
        /// Largest |actual − expected| / |expected| over values with |expected| > abs.
        public var maxRelative: Float = 0
    }

    /// Compares `actual` with `expected` (same count).
    public static func compare(_ actual: [Float], _ expected: [Float], abs absTol: Float, rel: Float) -> Report {
        precondition(actual.count == expected.count, "FloatComparison: \(actual.count) values against \(expected.count)")
        var report = Report()
        var worstExcess: Float = 0
        for i in expected.indices {
            let e = expected[i], d = Swift.abs(actual[i] - e)
            let allowed = absTol + rel * Swift.abs(e)
            report.maxDifference = d.isNaN || report.maxDifference.isNaN ? .nan : max(report.maxDifference, d)
            if Swift.abs(e) > absTol { report.maxRelative = max(report.maxRelative, d / Swift.abs(e)) }
            guard !(d <= allowed) else { continue }
            report.failures += 1
            let excess = d.isNaN ? .infinity : d / max(allowed, .leastNormalMagnitude)
            if report.worst == nil || excess > worstExcess { report.worst = i; worstExcess = excess }
        }
        return report
    }

    /// A failure message naming `what`, the count and the worst value (its position told by
    /// `position`), or nil when every value is within the tolerance.
    public static func mismatch(_ actual: [Float], _ expected: [Float], abs absTol: Float, rel: Float, what: String,
                                position: (Int) -> String = { "[\($0)]" }) -> String? {
        message(compare(actual, expected, abs: absTol, rel: rel), actual, expected, abs: absTol, rel: rel, what: what, position: position)
    }

    /// The failure message for a comparison's `report`, or nil when it found none.
    public static func message(_ r: Report, _ actual: [Float], _ expected: [Float], abs absTol: Float, rel: Float, what: String,
                               position: (Int) -> String = { "[\($0)]" }) -> String? {
        guard let i = r.worst else { return nil }
        return "\(what): \(r.failures) of \(expected.count) values outside abs \(absTol) + rel \(rel); worst at \(position(i)): got \(actual[i]), expected \(expected[i]); largest difference \(r.maxDifference)"
    }
}
