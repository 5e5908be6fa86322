import Foundation
import ScribeCore

/// What the values of a posterior matrix are.
public enum PosteriorDomain: String, CaseIterable, Sendable {
    /// Log-probabilities if every value is ≤ 0, probabilities if every row sums to 1.
    case auto
    /// Natural-log probabilities (log-softmax output).
    case logprob
    /// Probabilities (softmax output); rows sum to 1.
    case prob
    /// Unnormalized scores; log-softmax is applied per frame.
    case logits
}

/// Turns a frames × classes matrix from any CTC system into natural-log probabilities.
public enum Posteriors {
    /// Tolerance for "rows sum to 1" when detecting probabilities.
    public static let rowSumTolerance: Float = 1e-3
    /// Floor applied to probabilities before taking the log, so zeros stay finite.
    public static let probabilityFloor: Float = 1e-30

    /// Returns `matrix` as log-probabilities, checking it against `classCount`.
    /// `path` names the source in errors.
    public static func logProbabilities(_ matrix: FeatureMatrix, classCount: Int,
                                        domain: PosteriorDomain = .auto, path: String = "<matrix>") throws -> FeatureMatrix {
        guard matrix.columns == classCount else {
            throw DecodeError.posteriors(path: path, reason: "has \(matrix.columns) classes per frame but the alphabet gives \(classCount) (its symbols plus the blank); check the alphabet file and --blank, or that the matrix is frames × classes and not transposed")
        }
        var out = matrix
        guard matrix.rows > 0 else { return out }
        if let problem = nonFiniteProblem(matrix) { throw DecodeError.posteriors(path: path, reason: problem) }
        switch domain {
        case .logprob:
            return out
        case .prob:
            out.apply { log(max($0, probabilityFloor)) }
            return out
        case .logits:
            logSoftmaxRows(&out)
            return out
        case .auto:
            if matrix.values.allSatisfy({ $0 <= 1e-4 }) { return out }
            if isProbabilities(matrix) {
                out.apply { log(max($0, probabilityFloor)) }
                return out
            }
            throw DecodeError.posteriors(path: path, reason: "values are neither log-probabilities (all ≤ 0) nor probabilities (rows summing to 1); if they are logits pass --input logits, which applies log-softmax per frame")
        }
    }

    /// Describes the first NaN or +∞ value, or the first frame whose values are all −∞ (no
    /// class has any probability); nil when the matrix is usable. −∞ alone is log(0), fine.
    static func nonFiniteProblem(_ m: FeatureMatrix) -> String? {
        m.values.withUnsafeBufferPointer { v in
            for r in 0..<m.rows {
                var allMinusInfinity = true
                for c in 0..<m.columns {
                    let x = v[r * m.columns + c]
                    if x.isNaN || x == .infinity {
                        return "frame \(r), class \(c) is \(x.isNaN ? "NaN" : "+infinity"); posteriors must be finite numbers (log-probabilities may be −infinity). The system that wrote them failed on this input"
                    }
                    if x != -.infinity { allMinusInfinity = false }
                }
                if allMinusInfinity {
                    return "every class of frame \(r) is −infinity, so the frame gives no probability to anything; the system that wrote the posteriors failed on this input"
                }
            }
            return nil
        }
    }

    /// Whether every value is in [0, 1] and every row sums to 1 within `rowSumTolerance`.
    static func isProbabilities(_ m: FeatureMatrix) -> Bool {
        m.values.withUnsafeBufferPointer { v in
            for r in 0..<m.rows {
                var sum: Float = 0
                for c in 0..<m.columns {
                    let x = v[r * m.columns + c]
                    if x < 0 || x > 1 { return false }
                    sum += x
                }
                if abs(sum - 1) > rowSumTolerance { return false }
            }
            return true
        }
    }

    /// Applies log-softmax to every row in place.
    public static func logSoftmaxRows(_ m: inout FeatureMatrix) {
        let columns = m.columns, rows = m.rows
        m.withUnsafeMutableValues { v in
            guard let p = v.baseAddress else { return }
            LogSpace.logSoftmaxRows(p, p, rows: rows, columns: columns)
        }
    }
}
