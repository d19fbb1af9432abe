#!/usr/bin/env python3
"""Anchors for `kotodama bench engine --compare`: fp32 GEMM / matrix-vector speed of NumPy and PyTorch on the
same shapes, in the same run. Not part of the library, not needed by CI.

Threads are pinned by the caller BEFORE this interpreter starts (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS,
MKL_NUM_THREADS: a BLAS reads them when it loads); torch.set_num_threads is applied here as well, since it
does not limit an OpenBLAS underneath. Which BLAS library each framework really runs is reported, read from
/proc/self/maps after a product ran (Debian's libblas.so.3 may be the netlib reference BLAS or OpenBLAS,
depending on the alternatives; a pip NumPy bundles its own OpenBLAS).

Usage: compare_blas.py --threads N --reps R [--libs numpy,torch] M,K,N [M,K,N ...]
Prints one JSON object per line: {"lib", "blas", "m", "k", "n", "threads", "gflops", "seconds"} (median of R
timed runs after one warm-up), or {"lib", "error"} when a framework is missing.
"""
import argparse
import ctypes
import json
import os
import sys
import time


def blas_of_process():
    """Names the BLAS libraries mapped into this process, with OpenBLAS's own config string when present."""
    libs = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                base = os.path.basename(path).lower()
                if any(t in base for t in ("blas", "mkl", "blis", "dnnl")) and path not in libs:
                    libs.append(path)
    except OSError:
        return "unknown"
    names = []
    for path in libs:
        real = os.path.realpath(path)
        desc = real
        try:
            lib = ctypes.CDLL(real)
            for sym in ("openblas_get_config", "scipy_openblas_get_config64_", "openblas_get_config64_"):
                fn = getattr(lib, sym, None)
                if fn is not None:
                    fn.restype = ctypes.c_char_p
                    desc = f"OpenBLAS ({fn().decode(errors='replace').strip()}) {real}"
                    break
            else:
                if "/blas/libblas.so" in real:
                    desc = f"netlib reference BLAS {real}"
        except OSError:
            pass
        names.append(desc)
    return "; ".join(names) if names else "none found"


def median_seconds(fn, reps):
    fn()  # warm-up (first-touch, thread start)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--libs", default="numpy,torch")
    ap.add_argument("shapes", nargs="+")
    args = ap.parse_args()
    shapes = [tuple(int(x) for x in s.split(",")) for s in args.shapes]
    libs = args.libs.split(",")

    import numpy as np

    rng = np.random.default_rng(0)
    data = {}
    for (m, k, n) in shapes:
        data[(m, k, n)] = (rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32),
                           np.empty((m, n), dtype=np.float32))

    def emit(lib, blas, m, k, n, sec):
        print(json.dumps({"lib": lib, "blas": blas, "m": m, "k": k, "n": n, "threads": args.threads,
                          "gflops": 2.0 * m * k * n / sec / 1e9, "seconds": sec}), flush=True)

    if "numpy" in libs:
        a, b, c = data[shapes[0]]
        np.matmul(a, b, out=c)
        blas = f"numpy {np.__version__}: {blas_of_process()}"
        for s in shapes:
            a, b, c = data[s]
            emit("numpy", blas, *s, median_seconds(lambda: np.matmul(a, b, out=c), args.reps))

    if "torch" in libs:
        try:
            import torch
        except ImportError as e:
            print(json.dumps({"lib": "torch", "error": f"not importable here: {e}"}), flush=True)
            return
        torch.set_num_threads(args.threads)
        a, b, c = (torch.from_numpy(x) for x in data[shapes[0]])
        torch.mm(a, b, out=c)
        blas = f"torch {torch.__version__}: {blas_of_process()}"
        if torch.get_num_threads() != args.threads:
            print(json.dumps({"lib": "torch", "error": f"asked for {args.threads} threads, torch uses {torch.get_num_threads()}"}), flush=True)
        for s in shapes:
            a, b, c = (torch.from_numpy(x) for x in data[s])
            emit("torch", blas, *s, median_seconds(lambda: torch.mm(a, b, out=c), args.reps))


if __name__ == "__main__":
    sys.exit(main())
