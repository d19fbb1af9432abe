#!/bin/sh
# Builds the attention/cross-entropy kernel lab with plain gcc (no node-gyp) and runs it.
# Usage: dev/attention/run.sh check [n_random_cases] | bench [threads]
set -e
cd "$(dirname "$0")/../.."
OUT=${OUT_DIR:-/tmp/kd-attention-lab}
mkdir -p "$OUT"
CF="-O3 -std=c11 -fno-math-errno -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -Inative/include"
SRC="native/generic/attention.c native/generic/attention_backward.c native/generic/attention_segments.c native/generic/attention_simd.c native/generic/xent.c native/generic/cpu.c native/generic/threadpool.c"
gcc $CF -mavx2 -mfma -mf16c -c native/avx2/attention_avx2.c -o "$OUT/avx2.o"
gcc $CF -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx2 -mfma -mf16c -c native/avx512/attention_avx512.c -o "$OUT/avx512.o"
what=${1:-check}
[ $# -gt 0 ] && shift
gcc $CF -Idev/attention dev/attention/$what.c $SRC "$OUT/avx2.o" "$OUT/avx512.o" -o "$OUT/$what" -lpthread -lm
exec "$OUT/$what" "$@"
