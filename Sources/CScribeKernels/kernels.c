// Register-blocked C += A·B for a small number of rows m and a weight matrix B packed once
// into contiguous (k, 16) panels. Blocks of 4 rows × 16 columns keep 8 accumulators in AVX2
// registers (enough independent FMAs to hide their latency, few enough that the compiler
// does not spill); each step over k loads 2 vectors of B and broadcasts 4 values of A.
// Columns beyond the last full panel are done 8 at a time, then one at a time; rows beyond
// the last block of 4 one at a time. Summation order over k is fixed, so results are
// deterministic.
#include "scribe_kernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

int scribe_have_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

int scribe_have_avx512f(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

#define TARGET __attribute__((target("avx2,fma")))
#define PANEL 16 // columns per packed panel: two AVX2 vectors

long scribe_packed_size(int n, int k) { return (long)(n / PANEL) * PANEL * k; }

void scribe_pack_panels(int n, int k, const float *b, int ldb, float *packed) {
    for (int j = 0; j + PANEL <= n; j += PANEL) {
        float *panel = packed + (long)j * k;
        for (int p = 0; p < k; p++)
            for (int jj = 0; jj < PANEL; jj++) panel[p * PANEL + jj] = b[(long)p * ldb + j + jj];
    }
}

TARGET static void block4x16(int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc) {
    __m256 c00 = _mm256_loadu_ps(c), c01 = _mm256_loadu_ps(c + 8);
    __m256 c10 = _mm256_loadu_ps(c + ldc), c11 = _mm256_loadu_ps(c + ldc + 8);
    __m256 c20 = _mm256_loadu_ps(c + 2 * ldc), c21 = _mm256_loadu_ps(c + 2 * ldc + 8);
    __m256 c30 = _mm256_loadu_ps(c + 3 * ldc), c31 = _mm256_loadu_ps(c + 3 * ldc + 8);
    const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda;
    for (int p = 0; p < k; p++) {
        const float *bp = b + (long)p * ldb;
        __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
        __m256 x = _mm256_broadcast_ss(a0 + p);
        c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
        x = _mm256_broadcast_ss(a1 + p);
        c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
        x = _mm256_broadcast_ss(a2 + p);
        c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
        x = _mm256_broadcast_ss(a3 + p);
        c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
    }
    _mm256_storeu_ps(c, c00); _mm256_storeu_ps(c + 8, c01);
    _mm256_storeu_ps(c + ldc, c10); _mm256_storeu_ps(c + ldc + 8, c11);
    _mm256_storeu_ps(c + 2 * ldc, c20); _mm256_storeu_ps(c + 2 * ldc + 8, c21);
    _mm256_storeu_ps(c + 3 * ldc, c30); _mm256_storeu_ps(c + 3 * ldc + 8, c31);
}

/// One row, 8 columns.
TARGET static void block1x8(int k, const float *a, const float *b, int ldb, float *c) {
    __m256 acc = _mm256_loadu_ps(c);
    for (int p = 0; p < k; p++) acc = _mm256_fmadd_ps(_mm256_broadcast_ss(a + p), _mm256_loadu_ps(b + (long)p * ldb), acc);
    _mm256_storeu_ps(c, acc);
}

/// One row, four consecutive panels (64 columns): eight independent accumulators, so a
/// single row (batch 1) is limited by memory bandwidth rather than FMA latency.
TARGET static void row1x64(int k, const float *a, const float *panels, float *c) {
    const float *p0 = panels, *p1 = panels + (long)k * PANEL, *p2 = panels + 2L * k * PANEL, *p3 = panels + 3L * k * PANEL;
    __m256 c00 = _mm256_loadu_ps(c), c01 = _mm256_loadu_ps(c + 8), c10 = _mm256_loadu_ps(c + 16), c11 = _mm256_loadu_ps(c + 24);
    __m256 c20 = _mm256_loadu_ps(c + 32), c21 = _mm256_loadu_ps(c + 40), c30 = _mm256_loadu_ps(c + 48), c31 = _mm256_loadu_ps(c + 56);
    for (int p = 0; p < k; p++) {
        __m256 x = _mm256_broadcast_ss(a + p);
        long o = (long)p * PANEL;
        c00 = _mm256_fmadd_ps(x, _mm256_loadu_ps(p0 + o), c00); c01 = _mm256_fmadd_ps(x, _mm256_loadu_ps(p0 + o + 8), c01);
        c10 = _mm256_fmadd_ps(x, _mm256_loadu_ps(p1 + o), c10); c11 = _mm256_fmadd_ps(x, _mm256_loadu_ps(p1 + o + 8), c11);
        c20 = _mm256_fmadd_ps(x, _mm256_loadu_ps(p2 + o), c20); c21 = _mm256_fmadd_ps(x, _mm256_loadu_ps(p2 + o + 8), c21);
        c30 = _mm256_fmadd_ps(x, _mm256_loadu_ps(p3 + o), c30); c31 = _mm256_fmadd_ps(x, _mm256_loadu_ps(p3 + o + 8), c31);
    }
    _mm256_storeu_ps(c, c00); _mm256_storeu_ps(c + 8, c01); _mm256_storeu_ps(c + 16, c10); _mm256_storeu_ps(c + 24, c11);
    _mm256_storeu_ps(c + 32, c20); _mm256_storeu_ps(c + 40, c21); _mm256_storeu_ps(c + 48, c30); _mm256_storeu_ps(c + 56, c31);
}

TARGET void scribe_sgemm_small_m_avx2(int m, int n, int k, const float *a, int lda,
                                      const float *packed, const float *b, int ldb, float *c, int ldc) {
    int nFull = n - n % PANEL;
    int m4 = m - m % 4;
    // Rows in blocks of 4 against each panel.
    for (int j = 0; j < nFull; j += PANEL) {
        const float *panel = packed + (long)j * k; // (k, PANEL), contiguous
        for (int i = 0; i < m4; i += 4)
            block4x16(k, a + (long)i * lda, lda, panel, PANEL, c + (long)i * ldc + j, ldc);
    }
    // Leftover rows: four panels at a time, then one.
    for (int i = m4; i < m; i++) {
        const float *ai = a + (long)i * lda;
        float *ci = c + (long)i * ldc;
        int j = 0;
        for (; j + 4 * PANEL <= nFull; j += 4 * PANEL) row1x64(k, ai, packed + (long)j * k, ci + j);
        for (; j < nFull; j += PANEL)
            for (int jj = 0; jj < PANEL; jj += 8) block1x8(k, ai, packed + (long)j * k + jj, PANEL, ci + j + jj);
    }
    int n8 = nFull + (n - nFull) / 8 * 8;
    for (int i = 0; i < m; i++) {
        for (int j = nFull; j < n8; j += 8) block1x8(k, a + (long)i * lda, b + j, ldb, c + (long)i * ldc + j);
        for (int j = n8; j < n; j++) {
            float s = c[(long)i * ldc + j];
            for (int p = 0; p < k; p++) s += a[(long)i * lda + p] * b[(long)p * ldb + j];
            c[(long)i * ldc + j] = s;
        }
    }
}

#else
int scribe_have_avx2_fma(void) { return 0; }
int scribe_have_avx512f(void) { return 0; }
long scribe_packed_size(int n, int k) { (void)n; (void)k; return 0; }
void scribe_pack_panels(int n, int k, const float *b, int ldb, float *packed) {
    (void)n; (void)k; (void)b; (void)ldb; (void)packed;
}
void scribe_sgemm_small_m_avx2(int m, int n, int k, const float *a, int lda,
                               const float *packed, const float *b, int ldb, float *c, int ldc) {
    (void)m; (void)n; (void)k; (void)a; (void)lda; (void)packed; (void)b; (void)ldb; (void)c; (void)ldc;
}
#endif
