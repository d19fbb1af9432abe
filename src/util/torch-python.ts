// For tests that check kotodama against PyTorch (bench/torch_ref.py, bench/torch_sft_ref.py): Debian's python3 with
// numpy and torch (packages python3-torch, python3-numpy), or a skip saying what is missing. Under
// KOTODAMA_REQUIRE_TORCH=1 (set by .ci/run, which installs the packages) a missing one throws instead, so that CI
// cannot go green with the PyTorch checks skipped. Not here: the references themselves (bench/).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Debian's interpreter: python3-torch installs for it, not for a pyenv or venv python3 earlier on PATH. */
export const TORCH_PYTHON = "/usr/bin/python3";

/** TORCH_PYTHON when it imports numpy and torch, or null after `t.skip` saying what is missing. */
export function torchPythonOrSkip(t: { skip(message: string): void }): string | null {
  const why = !existsSync(TORCH_PYTHON)
    ? `${TORCH_PYTHON} is absent`
    : spawnSync(TORCH_PYTHON, ["-c", "import numpy, torch"], { encoding: "utf8" }).status !== 0
      ? `${TORCH_PYTHON} lacks numpy/torch (apt-get install python3-torch)`
      : null;
  if (why === null) return TORCH_PYTHON;
  if (process.env.KOTODAMA_REQUIRE_TORCH === "1") throw new Error(`${why} (KOTODAMA_REQUIRE_TORCH=1: the PyTorch reference checks are required here)`);
  t.skip(`${why}; skipped`);
  return null;
}
