/* Reading one op's argument object in Node-API glue: typed fields with JS errors that name the op and field,
 * and length checks so that no kernel reads or writes past a TypedArray. Not here: kernels or op semantics.
 * Usage: kd_args a; if (!kd_args_begin(env, info, "softmax", &a)) return NULL; read fields; if (a.bad) return
 * NULL; call the kernel. After the first error every getter returns a harmless default and throws nothing. */
#ifndef KD_NAPI_H
#define KD_NAPI_H
#include <node_api.h>
#include <stdint.h>

typedef struct {
  napi_env env;
  napi_value obj;
  const char *op;
  int bad; /* a JS exception is pending */
} kd_args;

/* Starts reading op `op`'s argument object (argument 0); throws and returns 0 unless it is an object. */
int kd_args_begin(napi_env env, napi_callback_info info, const char *op, kd_args *a);
/* Throws `kotodama native <op>: <message>` (a RangeError or TypeError) unless one is already pending. */
void kd_fail(kd_args *a, int type_error, const char *fmt, ...);

/* An integer field in [lo, hi]. */
int64_t kd_int(kd_args *a, const char *name, int64_t lo, int64_t hi);
/* A size field: an integer in [0, 2^53). */
int64_t kd_size(kd_args *a, const char *name);
double kd_num(kd_args *a, const char *name);
/* 1 when field `name` is present (neither undefined nor null): optional fields default when absent. */
int kd_has(kd_args *a, const char *name);
int kd_bool(kd_args *a, const char *name);
/* A string field that must be one of names[0..n); returns its index. */
int kd_enum(kd_args *a, const char *name, const char *const *names, int n);
/* An array of sizes (≤ max_rank entries); returns the rank. */
int kd_shape(kd_args *a, const char *name, int64_t *dims, int max_rank);
/* An array of integers in [0, hi) (≤ max entries); returns the count. */
int kd_index_list(kd_args *a, const char *name, int32_t *out, int max, int32_t hi);

/* Typed-array fields with at least `need` elements. *_opt accept null/undefined (returns NULL). */
float *kd_f32(kd_args *a, const char *name, int64_t need);
float *kd_f32_opt(kd_args *a, const char *name, int64_t need);
int32_t *kd_i32(kd_args *a, const char *name, int64_t need);
uint32_t *kd_u32(kd_args *a, const char *name, int64_t need);
uint16_t *kd_u16(kd_args *a, const char *name, int64_t need);
uint8_t *kd_u8(kd_args *a, const char *name, int64_t need);
/* Element count of a typed-array field of the given type (napi_float32_array, ...), or -1 after an error. */
int64_t kd_length(kd_args *a, const char *name, napi_typedarray_type type);

/* x·y (and more factors) for sizes, failing (and returning 0) on overflow past 2^53. */
int64_t kd_mul(kd_args *a, int64_t x, int64_t y);
int64_t kd_mul3(kd_args *a, int64_t x, int64_t y, int64_t z);
int64_t kd_mul4(kd_args *a, int64_t x, int64_t y, int64_t z, int64_t w);
/* Elements spanned by a batch of row-major matrices: (batch−1)·stride + (rows−1)·ld + cols, 0 if empty. */
int64_t kd_span(kd_args *a, int64_t batch, int64_t stride, int64_t rows, int64_t ld, int64_t cols);
int64_t kd_shape_size(kd_args *a, const int64_t *dims, int rank);

napi_value kd_undefined(napi_env env);

#endif
