import COpenBLAS
import CScribeKernels
import ScribeCore

// MARK: - Matrix products

/// Row-major general matrix products. `gemm` calls OpenBLAS's `cblas_sgemm` (single-threaded,
/// large products split across the compute threads); `gemmReference` is the plain triple
/// loop kept as the oracle the tests compare against.
enum BLAS {
    /// c (m, n) = alpha * op(a) * op(b) + beta * c, all row-major.
    /// op(a) is (m, k): a is (m, k) with leading dimension lda, or (k, m) when transA.
    /// op(b) is (k, n): b is (k, n) with leading dimension ldb, or (n, k) when transB.
    @inline(__always)
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = ComputeThreads.applyDefault
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
        let threads = ComputeThreads.gemmThreads
        guard threads > 1, m * n * k >= parallelWork else {
            sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        // Each thread computes a block of c's rows (or columns, when there are more of them);
        // the blocks depend only on the shape and the thread count, so results are reproducible.
        if m >= n {
            Workers.forEachChunk(count: m, threads: threads) { rows, _ in
                let a0 = transA ? a + rows.lowerBound : a + rows.lowerBound * lda
                sgemm(transA, transB, rows.count, n, k, alpha, a0, lda, b, ldb, beta, c + rows.lowerBound * ldc, ldc)
            }
        } else {
            Workers.forEachChunk(count: n, threads: threads) { columns, _ in
                let b0 = transB ? b + columns.lowerBound * ldb : b + columns.lowerBound
                sgemm(transA, transB, m, columns.count, k, alpha, a, lda, b0, ldb, beta, c + columns.lowerBound, ldc)
            }
        }
    }

    /// Multiply-adds (m·n·k) from which a product is split among the compute threads; below
    /// it, starting the threads costs more than they save.
    static let parallelWork = 1 << 20

    /// One single-threaded OpenBLAS call.
    @inline(__always)
    private static func sgemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                              _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                              _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Whether a small-m kernel (`PackedMatrix`) can run on this CPU.
    static var hasSmallMKernel: Bool { smallMKernel != nil }
    /// The small-m kernel this CPU runs best, chosen once at run time: AVX-512 where the CPU
    /// has it, else AVX2+FMA, else none (sgemm).
    static let smallMKernel = SmallMKernel.available.first

    /// Whether products with m rows go to the small-m kernel (including m = 1, where its
    /// eight-accumulator row loop beats sgemv: 12 µs against 17 µs for a 256 × 1024 matrix).
    static func usesSmallMKernel(m: Int) -> Bool { hasSmallMKernel && m >= 1 && m <= smallMLimit }
    /// Largest row count sent to the small-m kernel; larger products use sgemm.
    static let smallMLimit = 64

    /// Transposes src (rows, columns) into dst (columns, rows).
    static func transpose(_ src: UnsafePointer<Float>, rows: Int, columns: Int, into dst: UnsafeMutablePointer<Float>) {
        let tile = 32
        for r0 in stride(from: 0, to: rows, by: tile) {
            for c0 in stride(from: 0, to: columns, by: tile) {
                for r in r0..<min(r0 + tile, rows) {
                    for c in c0..<min(c0 + tile, columns) { dst[c * rows + r] = src[r * columns + c] }
                }
            }
        }
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

// MARK: - Weights packed for the per-frame recurrent products

/// The hand-written kernels for products with few rows, by instruction set.
enum SmallMKernel {
    case avx512, avx2

    /// The kernels this CPU can run, best first.
    static var available: [SmallMKernel] {
        guard scribe_have_avx2_fma() != 0 else { return [] }
        return scribe_have_avx512f() != 0 ? [.avx512, .avx2] : [.avx2]
    }

    /// c (m, n) += a (m, k) · b (k, n) with b's panels in `packed` (scribe_pack_panels).
    func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, packed: UnsafePointer<Float>,
                  b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let f = self == .avx512 ? scribe_sgemm_small_m_avx512 : scribe_sgemm_small_m_avx2
        f(Int32(m), Int32(n), Int32(k), a, Int32(lda), packed, b, Int32(ldb), c, Int32(ldc))
    }
}

/// A (k, n) row-major weight matrix prepared once per batch for many products
/// c (m, n) = beta·c + a (m, k) · b with small m (the batch, at every time step). sgemm
/// would repack b on each call; here the AVX-512 or AVX2 kernel reads panels packed once.
/// Without AVX2+FMA products go through sgemm on the plain copy.
struct PackedMatrix {
    private(set) var k = 0, n = 0
    /// plain is (k, n): the matrix itself, kept only where a product reads it: without the
    /// small-m kernel, or for the columns past the last full panel. (A reader holds one
    /// packed W_hhᵀ per LSTM direction and network: the plain copy would double it.)
    private var plain: [Float] = []
    /// panels holds the full 16-column blocks of `plain` as consecutive (k, 16) panels.
    private var panels: [Float] = []

    /// Fills the matrix from `fill`, which writes (k, n) row-major values.
    mutating func update(k: Int, n: Int, _ fill: (UnsafeMutablePointer<Float>) -> Void) {
        self.k = k; self.n = n
        // `fill` writes every value; after a drop (below) the copy is made afresh each update.
        if plain.count != k * n { plain = Tensor.unset(count: k * n) }
        plain.withUnsafeMutableBufferPointer { fill($0.baseAddress!) }
        guard BLAS.hasSmallMKernel else { return }
        let size = Int(scribe_packed_size(Int32(n), Int32(k)))
        if panels.count != size { panels = [Float](repeating: 0, count: max(size, 1)) }
        plain.withUnsafeBufferPointer { p in
            panels.withUnsafeMutableBufferPointer { scribe_pack_panels(Int32(n), Int32(k), p.baseAddress!, Int32(n), $0.baseAddress!) }
        }
        if size == k * n { plain = [] }   // the panels hold every column
    }

    /// c (m, n) = beta·c + a (m, k) · self; beta is 0 or 1. `kernel` picks a small-m kernel
    /// other than the machine's best (for tests). Products of more rows than the kernel
    /// takes at once go through sgemm, or, when only the panels are kept, through the
    /// kernel in blocks of rows.
    func multiply(m: Int, a: UnsafePointer<Float>, lda: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                  kernel: SmallMKernel? = BLAS.smallMKernel) {
        assert(beta == 0 || beta == 1, "PackedMatrix.multiply: beta must be 0 or 1")
        guard m > 0 else { return }
        if let kernel = kernel ?? (plain.isEmpty ? BLAS.smallMKernel : nil), BLAS.usesSmallMKernel(m: m) || plain.isEmpty {
            if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            panels.withUnsafeBufferPointer { q in
                plain.withUnsafeBufferPointer { p in
                    // b is read only past the last full panel, where plain is kept.
                    let b = p.baseAddress ?? q.baseAddress!
                    for first in stride(from: 0, to: m, by: BLAS.smallMLimit) {
                        kernel.multiply(m: min(BLAS.smallMLimit, m - first), n: n, k: k, a: a + first * lda, lda: lda,
                                        packed: q.baseAddress!, b: b, ldb: n, c: c + first * ldc, ldc: ldc)
                    }
                }
            }
        } else {
            plain.withUnsafeBufferPointer { p in
                BLAS.gemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: lda,
                          b: p.baseAddress!, ldb: n, beta: beta, c: c, ldc: ldc)
            }
        }
    }
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
