#!/bin/sh
# Builds the activation kernel lab with plain gcc (no node-gyp) and runs it: native/generic/activation.c compiled
# as the generic build and as the AVX-512 build (native/avx512/activation_avx512.c) in one program.
# The timings also run the AVX-512 build of the committed file (git BASE, default HEAD) as the baseline.
# Usage: [BASE=rev] dev/activation/run.sh [stride=1]   (stride: step between the f32 bit patterns checked; 1 = all 2^32)
set -e
cd "$(dirname "$0")/../.."
OUT=${OUT_DIR:-/tmp/kd-activation-lab}
mkdir -p "$OUT"
CF="-O3 -std=c11 -fno-math-errno -Wall -Wextra -Wno-unused-parameter -D_GNU_SOURCE -Inative/include -Inative/generic"
gcc $CF -c native/generic/activation.c -o "$OUT/generic.o"
gcc $CF -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx2 -mfma -mf16c -c native/avx512/activation_avx512.c -o "$OUT/avx512.o"
git show "${BASE:-HEAD}":native/generic/activation.c > "$OUT/base_activation.c"
gcc $CF -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx2 -mfma -mf16c -DKD_ISA_SUFFIX=base -c "$OUT/base_activation.c" -o "$OUT/base.o"
gcc $CF dev/activation/act_lab.c native/generic/threadpool.c native/generic/cpu.c "$OUT/generic.o" "$OUT/avx512.o" "$OUT/base.o" -o "$OUT/act_lab" -lpthread -lm
exec "$OUT/act_lab" "$@"
