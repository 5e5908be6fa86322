import ScribeCore
import ScribeNN

/// The bridge between front-end outputs (one frames × channels matrix per utterance) and
/// the network's padded, time-major batches.
extension SequenceBatch {
    /// Pads `matrices` (each frames × channels, equal channels) into one (T, B, C) batch,
    /// T the longest sequence; padded frames are zero.
    public init(padding matrices: [FeatureMatrix]) {
        precondition(!matrices.isEmpty, "SequenceBatch(padding:): no sequences")
        let c = matrices[0].columns
        precondition(matrices.allSatisfy { $0.columns == c }, "SequenceBatch(padding:): sequences differ in channels")
        let t = matrices.map(\.rows).max()!
        let b = matrices.count
        var values = Tensor(shape: [t, b, c])
        values.withUnsafeMutableValues { dst in
            for (s, m) in matrices.enumerated() {
                m.values.withUnsafeBufferPointer { src in
                    for f in 0..<m.rows {
                        (dst.baseAddress! + (f * b + s) * c).update(from: src.baseAddress! + f * c, count: c)
                    }
                }
            }
        }
        self.init(values: values, lengths: matrices.map(\.rows))
    }

    /// Sequence `index` without padding, as a frames × channels matrix.
    public func sequence(_ index: Int) -> FeatureMatrix {
        precondition(index >= 0 && index < batchSize, "sequence \(index) outside the batch of \(batchSize)")
        let (b, c, n) = (batchSize, channels, lengths[index])
        var out = [Float](repeating: 0, count: n * c)
        values.withUnsafeValues { src in
            out.withUnsafeMutableBufferPointer { dst in
                for f in 0..<n { (dst.baseAddress! + f * c).update(from: src.baseAddress! + (f * b + index) * c, count: c) }
            }
        }
        return FeatureMatrix(rows: n, columns: c, values: out)
    }
}
