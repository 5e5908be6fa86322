#ifndef SCRIBE_KERNELS_H
#define SCRIBE_KERNELS_H

// Small hand-written kernels for ScribeNN (internal; wrapped by safe Swift APIs).

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU can run the AVX2+FMA kernels below, else 0.
int scribe_have_avx2_fma(void);

/// 1 when this CPU has AVX-512 Foundation instructions, else 0.
int scribe_have_avx512f(void);

/// Number of floats scribe_pack_panels writes for a (k, n) matrix.
long scribe_packed_size(int n, int k);

/// Copies the full 16-column blocks of b (k, n), row-major with leading dimension ldb, into
/// `packed` as consecutive (k, 16) panels, so the kernel below reads them contiguously.
void scribe_pack_panels(int n, int k, const float *b, int ldb, float *packed);

/// c (m, n) += a (m, k) · b (k, n), all row-major, where `packed` holds b's panels from
/// scribe_pack_panels (columns past the last full panel are read from b itself).
/// Made for the recurrent step of an LSTM/GRU (m = batch, small; b = a weight matrix
/// packed once per sequence batch instead of once per call as in sgemm).
/// Requires scribe_have_avx2_fma().
void scribe_sgemm_small_m_avx2(int m, int n, int k, const float *a, int lda,
                               const float *packed, const float *b, int ldb, float *c, int ldc);

/// The same product with AVX-512 registers (8-row × 32-column blocks); the same arguments
/// and results up to rounding. Requires scribe_have_avx512f() and scribe_have_avx2_fma().
void scribe_sgemm_small_m_avx512(int m, int n, int k, const float *a, int lda,
                                 const float *packed, const float *b, int ldb, float *c, int ldc);

/// Sets glibc's mmap and trim thresholds (bytes) with mallopt; 1 when both were accepted,
/// 0 elsewhere (another C library, or a value glibc refuses).
int scribe_keep_large_blocks(int mmap_threshold, int trim_threshold);

/// Bytes the C allocator has handed out and not had back (glibc's mallinfo2: heap chunks in
/// use plus mmap'ed blocks); -1 where that is not known.
long long scribe_heap_bytes_in_use(void);

#ifdef __cplusplus
}
#endif

#endif
