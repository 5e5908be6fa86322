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

/// Calls `body` with every one of the classes^frames paths through `m` that collapses to
/// `labels` (CTC: repeats merged, then blanks at class 0 dropped) and its log-probability.
func forEachPath(spelling labels: [Int], through m: FeatureMatrix, _ body: (_ path: [Int], _ score: Double) -> Void) {
    var path = [Int](repeating: 0, count: m.rows)
    func collapse(_ p: [Int]) -> [Int] {
        var out: [Int] = []; var prev = -1
        for c in p { if c != prev && c != 0 { out.append(c) }; prev = c }
        return out
    }
    func visit(_ t: Int, _ score: Double) {
        if t == m.rows {
            if collapse(path) == labels { body(path, score) }
            return
        }
        for c in 0..<m.columns { path[t] = c; visit(t + 1, score + Double(m[t, c])) }
    }
    visit(0, 0)
}
