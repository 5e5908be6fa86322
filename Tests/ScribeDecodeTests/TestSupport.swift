import Foundation
import ScribeCore
@testable import ScribeDecode

/// Random log-probability matrices: softmax of Gaussian logits times `sharpness`.
func randomLogProbs(frames: Int, classes: Int, seed: UInt64, sharpness: Double = 2) -> FeatureMatrix {
    var rng = SeededGenerator(seed: seed)
    var m = FeatureMatrix(rows: frames, columns: classes)
    for t in 0..<frames {
        for c in 0..<classes { m[t, c] = Float(rng.nextGaussian() * sharpness) }
    }
    Posteriors.logSoftmaxRows(&m)
    return m
}

/// Log-probabilities from per-frame probability rows (each row is normalized here).
func logProbs(_ rows: [[Double]]) -> FeatureMatrix {
    let classes = rows[0].count
    var m = FeatureMatrix(rows: rows.count, columns: classes)
    for (t, row) in rows.enumerated() {
        let sum = row.reduce(0, +)
        for c in 0..<classes { m[t, c] = Float(log(max(row[c] / sum, 1e-12))) }
    }
    return m
}

/// A peaked frame: `p` on `c`, the rest spread evenly over the other classes.
func peaked(_ c: Int, _ classes: Int, _ p: Double = 0.9) -> [Double] {
    (0..<classes).map { $0 == c ? p : (1 - p) / Double(classes - 1) }
}
