import COpenBLAS

// MARK: - Matrix products

/// Row-major general matrix products. `gemm` calls OpenBLAS's `cblas_sgemm`; `gemmReference`
/// is the plain triple loop kept as the oracle the tests compare against.
enum BLAS {
    /// c (m, n) = alpha * op(a) * op(b) + beta * c, all row-major.
    /// op(a) is (m, k): a is (m, k) with leading dimension lda, or (k, m) when transA.
    /// op(b) is (k, n): b is (k, n) with leading dimension ldb, or (n, k) when transB.
    @inline(__always)
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves c scaled by beta when k is 0; do it explicitly for clarity.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        if m == 1 {
            // A single row (batch 1 in a recurrent step): a matrix-vector product, which
            // OpenBLAS's sgemm would otherwise pack and run through its GEMM kernel.
            let incA = Int32(transA ? lda : 1)
            if transB {
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(k), alpha, b, Int32(ldb), a, incA, beta, c, 1)
            } else {
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(n), alpha, b, Int32(ldb), a, incA, beta, c, 1)
            }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The same contract as `gemm`, computed with a plain loop in Double.
    static func gemmReference(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                              a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                              beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                    s += Double(av) * Double(bv)
                }
                let prior = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * s + prior)
            }
        }
    }
}

/// Which implementation a matrix product uses.
public enum MatmulKernel: Sendable {
    /// OpenBLAS `cblas_sgemm`.
    case blas
    /// The plain loop (the reference oracle).
    case reference
}

/// The product of two 2-D tensors, op(a) · op(b), where op transposes when asked.
/// a is (m, k) or (k, m) when `transposeA`; b is (k, n) or (n, k) when `transposeB`; the
/// result is (m, n).
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false,
                   kernel: MatmulKernel = .blas) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul: 2-D tensors required, got \(a.shape) and \(b.shape)")
    let (m, ka) = transposeA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (kb, n) = transposeB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    precondition(ka == kb, "matmul: inner dimensions \(ka) and \(kb) differ (\(a.shape) · \(b.shape))")
    var c = Tensor(shape: [m, n])
    a.withUnsafeValues { pa in
        b.withUnsafeValues { pb in
            c.withUnsafeMutableValues { pc in
                let f = kernel == .blas ? BLAS.gemm : BLAS.gemmReference
                f(transposeA, transposeB, m, n, ka, 1, pa.baseAddress!, a.shape[1],
                  pb.baseAddress!, b.shape[1], 0, pc.baseAddress!, n)
            }
        }
    }
    return c
}

// MARK: - Small vector kernels shared by the layers

enum Kernels {
    /// Adds row vector `bias` (n) to each of the `rows` rows of `x` (rows, n).
    @inline(__always)
    static func addRowVector(_ x: UnsafeMutablePointer<Float>, rows: Int, n: Int, _ bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * n
            for j in 0..<n { row[j] += bias[j] }
        }
    }

    /// sum (n) += column sums of `x` (rows, n).
    @inline(__always)
    static func accumulateColumnSums(_ x: UnsafePointer<Float>, rows: Int, n: Int, into sum: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * n
            for j in 0..<n { sum[j] += row[j] }
        }
    }

    @inline(__always) static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
