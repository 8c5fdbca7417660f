"""Memory probe for issue 16 (peak memory at 10^6 synthetic patients).

``.venv/bin/python benchmarks/memory_probe.py N [--pages]``: prints the process's resident memory
after generating ``synthetic_dataset(N)``, while holding it, the pandas size of each table
(``memory_usage(deep=True)``) and its largest columns, and with ``--pages`` the peak while every
page runs on it in AppTest (as ``benchmarks/run.py``'s ``one_size`` does, without the timings).
Synthetic data only, generated here, never written anywhere.
"""

from __future__ import annotations

import gc
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from benchmarks.upload_bench import _peak_mb, _reset_peak, _rss_mb  # noqa: E402


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table_sizes(dataset) -> dict[str, float]:
    """MB per table in pandas (deep), and the five largest columns of each."""
    out = {}
    for t in ("cases", "labs", "cohorts", "sources"):
        df = getattr(dataset, t)
        usage = df.memory_usage(deep=True, index=True)
        out[t] = float(usage.sum()) / 2**20
        top = usage.sort_values(ascending=False).head(6)
        print(f"  {t}: {out[t]:.1f} MB; largest: " + ", ".join(f"{k} {v / 2**20:.1f}" for k, v in top.items()))
    return out


def shared_mb(dataset) -> float:
    """MB the tables really hold: their buffers plus each distinct Python object of their object columns once.

    ``memory_usage(deep=True)`` counts a str object once per cell that points to it, so it
    overstates columns whose cells share their strings (as validated data's repeated values do).
    """
    seen: set[int] = set()
    total = 0
    for t in ("cases", "labs", "cohorts", "sources"):
        df = getattr(dataset, t)
        total += int(df.memory_usage(index=True, deep=False).sum())
        for c in df.columns:
            if df[c].dtype == object:
                for v in df[c].to_numpy():
                    if id(v) not in seen:
                        seen.add(id(v))
                        total += sys.getsizeof(v)
    return total / 2**20


def run_pages(dataset) -> None:
    """Every page once in AppTest on the upload, then one filter change (what the benchmark does, untimed)."""
    from benchmarks.run import PAGES, _apptest, _setup_apptest

    _setup_apptest()
    for p in PAGES:
        t0 = time.perf_counter()
        at = _apptest(p, dataset)
        at.run()
        if at.exception:
            raise RuntimeError(f"{p}: {at.exception[0].message[:300]}")
        at.run()
        at.multiselect(key="f_conditions").set_value(["mas"])
        at.run()
        if at.exception:
            raise RuntimeError(f"{p}: {at.exception[0].message[:300]}")
        del at
        gc.collect()
        print(f"  page {p}: {time.perf_counter() - t0:.1f} s, peak so far {_peak_mb():.0f} MB, rss {_rss_mb():.0f} MB", flush=True)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    from benchmarks.synthetic import synthetic_dataset

    print(f"start: rss {_rss_mb():.0f} MB")
    t0 = time.perf_counter()
    ds = synthetic_dataset(n)
    print(f"generated {n:,} in {time.perf_counter() - t0:.1f} s: peak (ru_maxrss) {_maxrss_mb():.0f} MB, rss {_rss_mb():.0f} MB")
    gc.collect()
    print(f"holding: rss {_rss_mb():.0f} MB")
    sizes = table_sizes(ds)
    print(f"dataset in pandas: {sum(sizes.values()):.1f} MB (deep); {shared_mb(ds):.1f} MB counting shared objects once")
    if "--pages" in sys.argv:
        _reset_peak()
        run_pages(ds)
        print(f"pages: peak {_peak_mb():.0f} MB (VmHWM since holding)")
    print(f"process peak (ru_maxrss): {_maxrss_mb():.0f} MB")


if __name__ == "__main__":
    main()
