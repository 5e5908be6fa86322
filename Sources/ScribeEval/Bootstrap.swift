import Foundation
import ScribeCore

/// A two-sided confidence interval.
public struct ConfidenceInterval: Equatable, Sendable, Codable {
    public var lower: Double
    public var upper: Double
    /// Coverage, e.g. 0.95.
    public var level: Double
}

/// The paired bootstrap comparison of two systems on the same references (Koehn 2004;
/// Bisani & Ney 2004): both systems are resampled with the same utterance indices.
public struct PairedComparison: Equatable, Sendable {
    public var rateA: Double
    public var rateB: Double
    /// rateB − rateA on the full corpus.
    public var difference: Double
    /// Percentile interval of rateB − rateA.
    public var differenceInterval: ConfidenceInterval
    /// Fraction of resamples in which B has a lower error rate than A.
    public var probabilityBBetter: Double
    /// Two-sided p-value of "no difference": twice the smaller tail, at most 1.
    public var pValue: Double
}

/// Bootstrap over utterances of pooled error rates (Σ errors / Σ reference units).
public enum Bootstrap {
    /// Percentile interval of the pooled rate from `resamples` resamples of the utterances.
    public static func interval(errors: [Int], referenceLengths: [Int], level: Double = 0.95,
                                resamples: Int = 1000, seed: UInt64 = 1) -> ConfidenceInterval {
        precondition(errors.count == referenceLengths.count, "one error count per reference length")
        guard !errors.isEmpty else { return ConfidenceInterval(lower: 0, upper: 0, level: level) }
        var rng = SeededGenerator(seed: seed)
        var rates: [Double] = []
        rates.reserveCapacity(resamples)
        let n = errors.count
        for _ in 0..<resamples {
            var e = 0, r = 0
            for _ in 0..<n {
                let i = Int(rng.next() % UInt64(n))
                e += errors[i]; r += referenceLengths[i]
            }
            rates.append(r > 0 ? Double(e) / Double(r) : (e == 0 ? 0 : .infinity))
        }
        return percentile(rates, level: level)
    }

    /// The paired bootstrap of two systems' per-utterance errors on the same references.
    public static func paired(errorsA: [Int], errorsB: [Int], referenceLengths: [Int], level: Double = 0.95,
                              resamples: Int = 1000, seed: UInt64 = 1) -> PairedComparison {
        precondition(errorsA.count == errorsB.count && errorsA.count == referenceLengths.count,
                     "paired bootstrap needs the same utterances for both systems")
        let n = errorsA.count
        let total = max(referenceLengths.reduce(0, +), 1)
        let rateA = Double(errorsA.reduce(0, +)) / Double(total)
        let rateB = Double(errorsB.reduce(0, +)) / Double(total)
        var rng = SeededGenerator(seed: seed)
        var diffs: [Double] = []
        diffs.reserveCapacity(resamples)
        var bBetter = 0, aBetter = 0
        for _ in 0..<resamples {
            var a = 0, b = 0, r = 0
            for _ in 0..<max(n, 1) where n > 0 {
                let i = Int(rng.next() % UInt64(n))
                a += errorsA[i]; b += errorsB[i]; r += referenceLengths[i]
            }
            let d = Double(b - a) / Double(max(r, 1))
            diffs.append(d)
            if b < a { bBetter += 1 } else if a < b { aBetter += 1 }
        }
        let tail = Double(min(bBetter, aBetter) + (resamples - bBetter - aBetter)) / Double(resamples)
        return PairedComparison(rateA: rateA, rateB: rateB, difference: rateB - rateA,
                                differenceInterval: percentile(diffs, level: level),
                                probabilityBBetter: Double(bBetter) / Double(resamples),
                                pValue: min(1, 2 * tail))
    }

    /// The (1 − level)/2 and (1 + level)/2 quantiles of `values` (linear interpolation).
    static func percentile(_ values: [Double], level: Double) -> ConfidenceInterval {
        let sorted = values.sorted()
        func quantile(_ q: Double) -> Double {
            let x = q * Double(sorted.count - 1)
            let i = Int(x.rounded(.down)), f = x - Double(i)
            return i + 1 < sorted.count ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i]
        }
        return ConfidenceInterval(lower: quantile((1 - level) / 2), upper: quantile((1 + level) / 2), level: level)
    }
}
