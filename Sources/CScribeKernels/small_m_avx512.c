// The AVX-512 variant of the small-m product c (m, n) += a (m, k) · b (k, n) over b's
// (k, 16) panels (scribe_pack_panels): a panel row is one 16-float register. Blocks of
// 8 rows × 2 panels keep 16 accumulators (of the 32 registers): each step over k loads two
// panel rows and broadcasts 8 values of a, for 16 FMAs, so the FMA units rather than the
// loads set the pace; each pair of panels serves all rows while it is in the L1 cache.
// Leftover rows go in blocks of 4, 2 and 1; a single row (batch 1) runs over 8 panels at
// once so that its 8 accumulators hide the FMA latency. Columns
// past the last full panel are left to the AVX2 kernel. The summation order over k is
// fixed, so results are deterministic.
#include "scribe_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#define PANEL 16

/// R rows (≤ 8) × P consecutive panels (≤ 2): c[r][16q...] += Σ_p a[r][p] · panel_q[p].
TARGET INLINE void block(int R, int P, int k, const float *a, int lda, const float *panels,
                         float *c, int ldc) {
    __m512 acc[8][2];
    for (int r = 0; r < R; r++)
        for (int q = 0; q < P; q++) acc[r][q] = _mm512_loadu_ps(c + (long)r * ldc + q * PANEL);
    const float *p1 = panels + (long)k * PANEL;
    for (int p = 0; p < k; p++) {
        __m512 b[2];
        b[0] = _mm512_loadu_ps(panels + (long)p * PANEL);
        if (P > 1) b[1] = _mm512_loadu_ps(p1 + (long)p * PANEL);
        for (int r = 0; r < R; r++) {
            __m512 x = _mm512_set1_ps(a[(long)r * lda + p]);
            for (int q = 0; q < P; q++) acc[r][q] = _mm512_fmadd_ps(x, b[q], acc[r][q]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int q = 0; q < P; q++) _mm512_storeu_ps(c + (long)r * ldc + q * PANEL, acc[r][q]);
}

/// Panels j..<j+P (P ≤ 2) against all m rows, 8 at a time, then 4, 2, 1: the panels
/// (2 × k × 64 bytes, 32 KiB for k = 256) stay in the L1 cache while the row blocks reuse them.
TARGET INLINE void panelColumn(int P, int m, int k, const float *a, int lda, const float *panels, float *c, int ldc) {
    int i = 0;
    for (; i + 8 <= m; i += 8) block(8, P, k, a + (long)i * lda, lda, panels, c + (long)i * ldc, ldc);
    if (i + 4 <= m) { block(4, P, k, a + (long)i * lda, lda, panels, c + (long)i * ldc, ldc); i += 4; }
    if (i + 2 <= m) { block(2, P, k, a + (long)i * lda, lda, panels, c + (long)i * ldc, ldc); i += 2; }
    if (i < m) block(1, P, k, a + (long)i * lda, lda, panels, c + (long)i * ldc, ldc);
}

/// One row against 8 consecutive panels (128 columns): 8 independent accumulators.
TARGET static void row1x128(int k, const float *a, const float *panels, float *c) {
    __m512 acc[8];
    for (int q = 0; q < 8; q++) acc[q] = _mm512_loadu_ps(c + q * PANEL);
    for (int p = 0; p < k; p++) {
        __m512 x = _mm512_set1_ps(a[p]);
        for (int q = 0; q < 8; q++)
            acc[q] = _mm512_fmadd_ps(x, _mm512_loadu_ps(panels + ((long)q * k + p) * PANEL), acc[q]);
    }
    for (int q = 0; q < 8; q++) _mm512_storeu_ps(c + q * PANEL, acc[q]);
}

TARGET static void pairColumn(int m, int k, const float *a, int lda, const float *p, float *c, int ldc) { panelColumn(2, m, k, a, lda, p, c, ldc); }
TARGET static void oneColumn(int m, int k, const float *a, int lda, const float *p, float *c, int ldc) { panelColumn(1, m, k, a, lda, p, c, ldc); }

void scribe_sgemm_small_m_avx512(int m, int n, int k, const float *a, int lda,
                                 const float *packed, const float *b, int ldb, float *c, int ldc) {
    int nPanels = n / PANEL, j = 0;
    if (m == 1)
        for (; j + 8 <= nPanels; j += 8) row1x128(k, a, packed + (long)j * k * PANEL, c + j * PANEL);
    for (; j + 2 <= nPanels; j += 2) pairColumn(m, k, a, lda, packed + (long)j * k * PANEL, c + j * PANEL, ldc);
    if (j < nPanels) oneColumn(m, k, a, lda, packed + (long)j * k * PANEL, c + j * PANEL, ldc);
    int nFull = nPanels * PANEL;
    if (nFull < n) scribe_sgemm_small_m_avx2(m, n - nFull, k, a, lda, packed, b + nFull, ldb, c + nFull, ldc);
}

#else
void scribe_sgemm_small_m_avx512(int m, int n, int k, const float *a, int lda,
                                 const float *packed, const float *b, int ldb, float *c, int ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed; (void)b; (void)ldb; (void)c; (void)ldc;
}
#endif
