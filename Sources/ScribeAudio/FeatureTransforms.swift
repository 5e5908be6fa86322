import COpenBLAS
import Foundation
import ScribeCore

/// The per-utterance steps after the (log-)mel spectrogram: MFCC, deltas, normalization.
/// (The logarithm is taken row by row inside `SpectrogramStream`'s workers.)
/// Each works on a `(frames, columns)` matrix.
public enum FeatureTransforms {
    /// The orthonormal DCT-II basis as a `(n, keep)` row-major matrix:
    /// `C[m, k] = s_k · cos(π k (2m + 1) / 2n)`, `s_0 = √(1/n)`, `s_k = √(2/n)`
    /// (`scipy.fft.dct(type=2, norm="ortho")`, which librosa's `mfcc` uses).
    public static func dctBasis(n: Int, keep: Int) -> [Float] {
        var basis = [Float](repeating: 0, count: n * keep)
        for m in 0..<n {
            for k in 0..<keep {
                let scale = k == 0 ? (1 / Double(n)).squareRoot() : (2 / Double(n)).squareRoot()
                basis[m * keep + k] = Float(scale * cos(Double.pi * Double(k) * Double(2 * m + 1) / Double(2 * n)))
            }
        }
        return basis
    }

    /// The first `keep` DCT-II coefficients of each row: `(frames, n) × (n, keep)` with sgemm.
    public static func dct(_ m: FeatureMatrix, keep: Int) -> FeatureMatrix {
        let basis = dctBasis(n: m.columns, keep: keep)
        var out = FeatureMatrix(rows: m.rows, columns: keep)
        guard m.rows > 0 else { return out }
        m.values.withUnsafeBufferPointer { a in
            basis.withUnsafeBufferPointer { b in
                out.withUnsafeMutableValues { c in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                Int32(m.rows), Int32(keep), Int32(m.columns), 1,
                                a.baseAddress, Int32(m.columns), b.baseAddress, Int32(keep),
                                0, c.baseAddress, Int32(keep))
                }
            }
        }
        return out
    }

    /// Regression deltas over `±window` frames, edges repeated (HTK; `librosa.feature.delta`
    /// with `width = 2·window + 1, mode="nearest"`):
    /// `d_t = Σ_{n=1..N} n (c_{t+n} − c_{t−n}) / (2 Σ n²)`.
    public static func deltas(_ m: FeatureMatrix, window: Int) -> FeatureMatrix {
        var out = FeatureMatrix(rows: m.rows, columns: m.columns)
        guard m.rows > 0 else { return out }
        let denominator = Float(2 * (1...window).reduce(0) { $0 + $1 * $1 })
        let last = m.rows - 1, cols = m.columns
        m.values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableValues { dst in
                for t in 0..<m.rows {
                    for n in 1...window {
                        let ahead = src.baseAddress! + min(t + n, last) * cols
                        let behind = src.baseAddress! + max(t - n, 0) * cols
                        let w = Float(n) / denominator
                        for c in 0..<cols { dst[t * cols + c] += w * (ahead[c] - behind[c]) }
                    }
                }
            }
        }
        return out
    }

    /// Places the columns of `parts` side by side (all must have the same row count).
    public static func concatenateColumns(_ parts: [FeatureMatrix]) -> FeatureMatrix {
        let rows = parts[0].rows
        precondition(parts.allSatisfy { $0.rows == rows })
        let columns = parts.reduce(0) { $0 + $1.columns }
        var out = FeatureMatrix(rows: rows, columns: columns)
        var offset = 0
        for part in parts {
            for r in 0..<rows {
                for c in 0..<part.columns { out[r, offset + c] = part[r, c] }
            }
            offset += part.columns
        }
        return out
    }

    /// Smallest standard deviation used by `normalize`, so constant columns do not divide by 0.
    public static let normalizationEpsilon: Float = 1e-5

    /// Subtracts each column's mean and divides by its standard deviation (population, floored
    /// at `normalizationEpsilon`), over this utterance's frames.
    public static func normalize(_ m: inout FeatureMatrix) {
        guard m.rows > 0 else { return }
        let rows = m.rows, cols = m.columns
        var mean = [Double](repeating: 0, count: cols), sq = [Double](repeating: 0, count: cols)
        m.withUnsafeMutableValues { v in
            for r in 0..<rows { for c in 0..<cols { mean[c] += Double(v[r * cols + c]) } }
            for c in 0..<cols { mean[c] /= Double(rows) }
            for r in 0..<rows { for c in 0..<cols { let d = Double(v[r * cols + c]) - mean[c]; sq[c] += d * d } }
            let inv = sq.map { Float(1 / max(($0 / Double(rows)).squareRoot(), Double(normalizationEpsilon))) }
            for r in 0..<rows { for c in 0..<cols { v[r * cols + c] = (v[r * cols + c] - Float(mean[c])) * inv[c] } }
        }
    }
}
