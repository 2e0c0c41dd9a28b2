"""CPU kernel settings: make this machine's numerical libraries pick other kernels, and check that they did.

Machines differ in the kernels their libraries choose at run time: torch's own vector kernels
(``ATEN_CPU_CAPABILITY``), the BLAS behind torch (MKL on x86-64: ``MKL_ENABLE_INSTRUCTIONS``), the BLAS behind NumPy
and SciPy (OpenBLAS: ``OPENBLAS_CORETYPE``) and NumPy's own vector loops (``NPY_DISABLE_CPU_FEATURES``). Each
setting of :data:`SETTINGS` imitates a machine with less than this one; :func:`probe` asks a fresh process what it
computes with, so a setting that did not take effect is caught. Used by ``scripts/crosscheck.py`` (chapters re-executed
under several settings) and ``scripts/build_book.py --kernels`` (the whole book built under one, as CI does).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

#: Environment settings that make this machine's libraries pick other kernels (x86-64 only). Each value is what the
#: probe must then report. Settings the machine cannot honour (AVX-512 on a machine without it) are not needed:
#: both settings ask for less than a machine of the last ten years has.
SETTINGS: dict[str, dict[str, str]] = {
    "avx2": {  # a machine without AVX-512 (most laptops, AMD before Zen 4)
        "ATEN_CPU_CAPABILITY": "avx2",
        "MKL_ENABLE_INSTRUCTIONS": "AVX2",
        "OPENBLAS_CORETYPE": "Haswell",
        "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
    },
    "baseline": {  # no vector kernels beyond SSE4.2: torch's scalar code, SSE BLAS kernels
        "ATEN_CPU_CAPABILITY": "default",
        "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
        "OPENBLAS_CORETYPE": "Nehalem",
        "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
    },
}

#: What the probe must report under each setting: torch capability, MKL instruction set, OpenBLAS core type, and
#: NumPy's highest enabled dispatch target.
EXPECTED = {
    "avx2": {"torch": "AVX2", "mkl": "AVX2", "openblas": "Haswell", "numpy": "X86_V3"},
    "baseline": {"torch": "DEFAULT", "mkl": "SSE4_2", "openblas": "Nehalem", "numpy": "baseline"},
}

PROBE = r"""
import json
import numpy, threadpoolctl, torch
from numpy._core import _multiarray_umath as m
enabled = [t for t in m.__cpu_dispatch__ if m.__cpu_features__.get(t)]
blas = [i.get("architecture") for i in threadpoolctl.threadpool_info() if i.get("internal_api") == "openblas"]
a = torch.ones(64, 64, dtype=torch.float64)
a @ a  # MKL_VERBOSE=1 makes MKL name its instruction set on stdout
print("\nPROBE " + json.dumps({"torch": torch.backends.cpu.get_cpu_capability(), "openblas": blas[0] if blas else None,
                               "numpy": enabled[-1] if enabled else "baseline"}))
"""

MKL_SETS = (("AVX-512", "AVX512"), ("AVX2", "AVX2"), ("AVX)", "AVX"), ("SSE4.2", "SSE4_2"), ("SSE4_2", "SSE4_2"))


def probe(env: dict[str, str]) -> dict[str, str | None]:
    """What a fresh process started with ``env`` computes with: ``{"torch", "mkl", "openblas", "numpy"}``."""
    done = subprocess.run([sys.executable, "-c", PROBE], env={**env, "MKL_VERBOSE": "1"}, capture_output=True,
                          text=True)
    if done.returncode != 0 or "\nPROBE " not in done.stdout:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise SystemExit(f"crosscheck: a process could not start under this setting:\n{tail}")
    found = json.loads(done.stdout.split("\nPROBE ", 1)[1])
    banner = next((line for line in done.stdout.splitlines() if "Product build" in line), "")
    found["mkl"] = next((name for text, name in MKL_SETS if text in banner), None) if banner else None
    return found


def check_setting(name: str, env: dict[str, str], native: dict) -> tuple[list[str], list[str], list[str]]:
    """``(problems, same, unseen)``: what the probe reports other than :data:`EXPECTED` under the setting; which
    libraries it leaves on this machine's own kernels (that part of the check then proves no more than a rebuild);
    and which cannot say what they picked on this processor, natively or under the setting (MKL names its code path
    only on Intel processors: on others, AMD's included, its banner names none). A library in ``unseen`` is given
    the setting but is not checked; it is not a problem, since the torch kernels, which the check exists for, are."""
    found = probe(env)
    print(f"  {name}: torch {found['torch']}, MKL {found['mkl']}, OpenBLAS {found['openblas']}, "
          f"NumPy up to {found['numpy']}")
    unseen = [lib for lib in EXPECTED[name] if found[lib] is None and native[lib] is None]
    problems = [f"{name}: {lib} reports {found[lib]!r}, expected {want!r} (did the setting take effect?)"
                for lib, want in EXPECTED[name].items() if lib not in unseen and found[lib] != want]
    same = [lib for lib in EXPECTED[name] if lib not in unseen and found[lib] == native[lib]]
    if same:
        print(f"  note: under {name}, {', '.join(same)} use this machine's own kernels: "
              "that part of the check proves no more than a rebuild")
    if unseen:
        print(f"  note: {', '.join(unseen)} name no instruction set on this processor (MKL does only on Intel's): "
              f"the setting is applied to {'it' if len(unseen) == 1 else 'them'} but cannot be confirmed")
    return problems, same, unseen


def resolve_auto(native: dict, reference: dict | None) -> str | None:
    """The cheapest setting whose torch kernels differ from those that wrote the reference: none (``None``, build
    with this machine's own) if this machine's already differ from ``reference`` (the reference manifest's
    ``kernels``), else the first of :data:`SETTINGS` whose torch kernels differ from this machine's (avx2 on an
    AVX-512 machine, else baseline)."""
    if reference and reference.get("torch") and reference["torch"] != native["torch"]:
        return None
    return next(name for name in SETTINGS if EXPECTED[name]["torch"] != native["torch"])


def print_moves(name: str, table: dict[str, dict]) -> None:
    print(f"\nlargest move per tolerance class under {name} (as a fraction of the tolerance; 1 = at its edge):")
    print(f"  {'class':15s} {'entries':>7s} {'moved':>6s} {'failed':>6s} {'largest':>10s} {'relative':>10s}  number")
    for cls, row in sorted(table.items()):
        print(f"  {cls:15s} {row['entries']:7d} {row['moved']:6d} {row['failed']:6d} {_g(row['largest']):>10s} "
              f"{_g(row['largest_rel']):>10s}  {row['which'] if row['largest'] > 0 else '-'}")


def _g(x: float) -> str:
    return "inf" if math.isinf(x) else ("0" if x == 0 else f"{x:.2g}")
