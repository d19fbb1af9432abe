/* What the GEMM driver (native/generic/gemm.c) needs from each instruction-set path: the register-tiled
 * micro-kernel, its tile and cache-block sizes, and the matrix-vector kernels. Not here: the driver itself. */
#ifndef KD_GEMM_INTERNAL_H
#define KD_GEMM_INTERNAL_H
#include <stdint.h>
#include "kd_gemm.h"

/* Micro-kernel: T = Σ_k pa[k·MR + i] · pb[k·NR + j] over k < kc (packed panels, zero-padded to MR×NR), then
 * for i < mr, j < nr: c[i·ldc + j] = alpha·T[i][j] + beta·c[i·ldc + j] (beta == 0: c is overwritten).
 * Each T[i][j] is a chain of FMAs in k order, so a C element's value does not depend on the tile it sits in. */
typedef void (*kd_ukr_fn)(int64_t kc, const float *pa, const float *pb, float *c, int64_t ldc, int64_t mr,
                          int64_t nr, float alpha, float beta);
/* y[j] = Σ_k x[k]·w[k·ldw + j] for j < n (k ascending; y overwritten). */
typedef void (*kd_gemv_rows_fn)(int64_t k, int64_t n, const float *x, const float *w, int64_t ldw, float *y);
/* y[j] = Σ_k x[k]·w[j·ldw + k] for j < n (each row reduced the same way whatever j is; y overwritten). */
typedef void (*kd_gemv_dots_fn)(int64_t k, int64_t n, const float *x, const float *w, int64_t ldw, float *y);

/* Packing (see native/generic/gemm.c): A block rows [i0, i0+mb) × k [p0, p0+kb) of op(A) into slivers of mr
 * rows, dst[s·kb·mr + k·mr + i]; B block k [p0, p0+kb) × columns [j0, j0+nb) of op(B) into panels of nr
 * columns, dst[s·kb·nr + k·nr + j]; both zero-padded to whole slivers/panels. dst may be written up to 8
 * floats past the packed length (scratch slack). */
typedef void (*kd_pack_a_fn)(int mr, const float *a, int64_t lda, int trans, int64_t i0, int64_t mb, int64_t p0,
                             int64_t kb, float *dst);
typedef void (*kd_pack_b_fn)(int nr, const float *b, int64_t ldb, int trans, int64_t p0, int64_t kb, int64_t j0,
                             int64_t nb, float *dst);
void kd_gemm_pack_a_generic(int mr, const float *a, int64_t lda, int trans, int64_t i0, int64_t mb, int64_t p0,
                            int64_t kb, float *dst);
void kd_gemm_pack_b_generic(int nr, const float *b, int64_t ldb, int trans, int64_t p0, int64_t kb, int64_t j0,
                            int64_t nb, float *dst);

typedef struct {
  const char *name;
  int mr, nr;              /* micro-tile: mr rows of C × nr columns (nr along the contiguous dim) */
  int64_t mc, kc, nc;      /* cache blocks: A block mc×kc, B block kc×nc (in L2), A sliver mr×kc (in L1) */
  kd_ukr_fn ukr;
  kd_pack_a_fn pack_a;
  kd_pack_b_fn pack_b;
  kd_gemv_rows_fn gemv_rows;
  kd_gemv_dots_fn gemv_dots;
} kd_gemm_kernel;

extern const kd_gemm_kernel kd_gemm_kernel_generic;
extern const kd_gemm_kernel kd_gemm_kernel_avx2;
extern const kd_gemm_kernel kd_gemm_kernel_avx512;

/* The kernel set kd_sgemm uses (follows kd_cpu_isa()). Tests and the harness may override it (NULL = auto). */
const kd_gemm_kernel *kd_gemm_active_kernel(void);
void kd_gemm_override_kernel(const kd_gemm_kernel *k);
/* How one product is split over threads (results are the same either way): AUTO = fixed row ranges per
 * thread when M is tall enough, else SHARED (B blocks packed once and shared, rows/columns claimed
 * dynamically). The dev/gemm lab compares them (env KD_SPLIT). */
enum { KD_SPLIT_AUTO = 0, KD_SPLIT_ROWS = 1, KD_SPLIT_SHARED = 2 };
void kd_gemm_set_split(int mode);

/* Optional system OpenBLAS (native/generic/blas_dlopen.c): used only with env KOTODAMA_BLAS=openblas. */
int kd_blas_sgemm(const kd_gemm_args *g); /* 1 = done there, 0 = not available */
int kd_blas_active(void);                 /* 1 when kd_blas_sgemm would take products */
const char *kd_blas_name(void);

#endif
