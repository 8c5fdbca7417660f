"""One-command benchmark: `python benchmarks/run.py` (see README, "Benchmarks").

For synthetic registries of 10^3..10^6 patients (generated at run time by
benchmarks/synthetic.py; never shown as evidence) and for the shipped data it
measures, per page: the first run and the rerun after a filter change
(server side, AppTest), the lib computations behind the page, and peak memory
(each size in its own process). In a real browser it measures the time to the
first chart on the shipped data. It writes benchmarks/results.json and the
table in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PAGES = ["overview", "summary", "dosing", "labs", "outcomes", "pooled", "genetics", "cases", "methods"]
SIZES = [1_000, 10_000, 100_000, 1_000_000]
REPEATS = 3


def _patch_apptest():
    import conftest  # noqa: F401  (applies the AppTest navigation workaround)


def _apptest(page: str, dataset=None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    if dataset is not None:
        at.session_state["uploaded_dataset"] = dataset
        at.session_state["data_choice"] = "upload"
        at.session_state["upload_token"] = f"bench-{id(dataset)}"
    at.switch_page(f"pages/{page}.py")
    return at


def _charts(at) -> int:
    return len(at.get("plotly_chart"))


def measure_page(page: str, dataset=None) -> dict:
    """First run and median rerun after a filter change (seconds), charts drawn."""
    at = _apptest(page, dataset)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        return {"page": page, "error": str(at.exception[0].message)[:300]}
    reruns = []
    choices = [["mas"], ["shlh"], []]
    for i in range(REPEATS):
        ms = at.multiselect(key="f_conditions")
        ms.set_value(choices[i % len(choices)])
        t0 = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - t0)
        if at.exception:
            return {"page": page, "error": str(at.exception[0].message)[:300]}
    # an unrelated widget change (the image format) must not recompute
    t0 = time.perf_counter()
    at.radio(key="image_format").set_value("svg").run()
    unrelated = time.perf_counter() - t0
    return {"page": page, "first_run_s": first, "rerun_s": statistics.median(reruns),
            "unrelated_rerun_s": unrelated, "charts": _charts(at)}


def measure_bare(n_charts: int) -> float:
    from streamlit.testing.v1 import AppTest

    os.environ["BARE_CHARTS"] = str(max(n_charts, 0))
    at = AppTest.from_file(str(ROOT / "benchmarks" / "bare_app.py"), default_timeout=120)
    at.run()
    times = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure_lib(dataset) -> dict:
    """The lib computations behind the pages, timed directly (seconds, median of 3)."""
    from lib import counts
    from lib.filters import FilterState, apply_filters, option_counts

    state = FilterState(conditions=("mas",))
    calls = {
        "apply_filters": lambda: apply_filters(dataset, state),
        "option_counts_all_fields": lambda: [option_counts(dataset, state, f) for f in
                                             ("conditions", "triggers", "age_bands", "sexes", "routes", "cotherapies", "pub_types")],
    }
    view = apply_filters(dataset, FilterState())
    calls["overview_counts"] = lambda: [counts.counts_by(view, c) for c in ("condition", "trigger", "route", "_age_band")] + [counts.evidence_map(view)]
    calls.update(_page_lib_calls(view))
    out = {}
    for name, fn in calls.items():
        times = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - reported, not hidden
                out[name] = f"error: {exc.__class__.__name__}: {exc}"[:200]
                break
            times.append(time.perf_counter() - t0)
        else:
            out[name] = statistics.median(times)
    return out


def _page_lib_calls(view) -> dict:
    """Per-page lib entry points, where the modules exist."""
    calls = {}
    try:
        from lib import labs as L
        for a in ("crp", "ferritin"):
            calls[f"labs_pairs_{a}"] = (lambda a=a: L.lab_pairs(view.labs, a))
    except (ImportError, AttributeError):
        pass
    try:
        from lib import outcomes as O
        calls["outcomes_response_by_route"] = lambda: O.response_by(view.cases, "route")
        calls["outcomes_survival"] = lambda: O.survival_data(view.cases)
    except (ImportError, AttributeError):
        pass
    try:
        from lib.stats import kaplan_meier
        c = view.cases
        ok = c["followup_days"].notna() & c["death"].notna()
        if ok.sum() >= 2:  # the shipped data has no patient with both (reported as n/a)
            calls["kaplan_meier"] = lambda: kaplan_meier(c.loc[ok, "followup_days"].to_numpy(), c.loc[ok, "death"].astype(bool).to_numpy().astype(int))
    except ImportError:
        pass
    return calls


def one_size(n: int | None) -> dict:
    """Measure everything for one dataset size in this process (n None = shipped data)."""
    _patch_apptest()
    dataset = None
    gen_s = 0.0
    if n is not None:
        from benchmarks.synthetic import synthetic_dataset

        t0 = time.perf_counter()
        dataset = synthetic_dataset(n)
        gen_s = time.perf_counter() - t0
    else:
        from lib.data import load_dataset

        dataset_for_lib = load_dataset()
    import gc

    pages = []
    for p in PAGES:  # one session at a time: each page's session is released before the next
        pages.append(measure_page(p, dataset))
        gc.collect()
    data_mb = 0.0
    if dataset is not None:
        data_mb = sum(float(getattr(dataset, t).memory_usage(deep=True).sum()) for t in ("cases", "labs", "cohorts")) / 2**20
    lib = measure_lib(dataset if dataset is not None else dataset_for_lib)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "label": "shipped" if n is None else f"synthetic {n}", "generate_s": gen_s,
            "pages": pages, "lib": lib, "peak_rss_mb": peak_mb, "dataset_mb": data_mb}


def browser_first_chart() -> dict:
    """Seconds from navigation to the first drawn chart, shipped data, real chromium."""
    from playwright.sync_api import sync_playwright
    from browser_util import launch_browser, streamlit_server

    out = {}
    with streamlit_server() as (base, _), sync_playwright() as p:
        browser = launch_browser(p)
        for page_name in ("overview", "labs", "outcomes", "pooled"):
            samples = []
            for _ in range(REPEATS):
                ctx = browser.new_context()
                page = ctx.new_page()
                t0 = time.perf_counter()
                page.goto(f"{base}/{page_name}")
                try:
                    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60000)
                    samples.append(time.perf_counter() - t0)
                except Exception:  # noqa: BLE001 - a page may draw no chart on the shipped data
                    samples.append(float("nan"))
                ctx.close()
            out[page_name] = statistics.median(samples)
        browser.close()
    return out


def _fit_exponent(ns, ts) -> float:
    xs = [math.log(n) for n, t in zip(ns, ts) if t and t > 0]
    ys = [math.log(t) for n, t in zip(ns, ts) if t and t > 0]
    if len(xs) < 2:
        return float("nan")
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else float("nan")


def machine() -> dict:
    mem = ""
    try:
        mem = next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
    except (OSError, StopIteration):
        pass
    cpu = ""
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "cpu": cpu, "memory": mem, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def write_markdown(results: dict, path: Path) -> None:
    m = results["machine"]
    lines = ["# Benchmarks", "", f"Latest run: {m['date']} on {m['cpus']} cores ({m['cpu']}), {m['memory']}, "
             f"Python {m['python']}, {m['platform']}.", "",
             "Produced by `bash scripts/benchmark.sh` (see README). Synthetic registries are generated at run time "
             "by `benchmarks/synthetic.py` and are never shown as evidence. Times are seconds, AppTest (server side), "
             "median of 3 reruns after a filter change; 'bare' is a bare Streamlit page drawing the same number "
             "of precomputed charts.", "",
             "## Rerun after a filter change (s)", "",
             "| page | charts | shipped | bare | " + " | ".join(f"{r['n']:,}" for r in results["sizes"] if r["n"]) + " | fitted exponent |",
             "|---|---|---|---|" + "---|" * (len([r for r in results["sizes"] if r["n"]]) + 1)]
    shipped = next(r for r in results["sizes"] if r["n"] is None)
    for i, page in enumerate(PAGES):
        sp = shipped["pages"][i]
        row = [page, str(sp.get("charts", "")), _fmt(sp.get("rerun_s")), _fmt(results["bare"].get(page))]
        for r in results["sizes"]:
            if r["n"]:
                p = r["pages"][i]
                row.append(_fmt(p.get("rerun_s")) if "error" not in p else "error")
        row.append(_fmt(results["exponents"].get(page), 2))
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## First run (s)", "", "| page | shipped | " + " | ".join(f"{r['n']:,}" for r in results["sizes"] if r["n"]) + " |",
              "|---|---|" + "---|" * len([r for r in results["sizes"] if r["n"]])]
    for i, page in enumerate(PAGES):
        row = [page, _fmt(shipped["pages"][i].get("first_run_s"))]
        row += [_fmt(r["pages"][i].get("first_run_s")) for r in results["sizes"] if r["n"]]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Peak memory of the process (MB)", "", "| data | peak RSS (MB) |", "|---|---|"]
    for r in results["sizes"]:
        lines.append(f"| {r['label']} | {r['peak_rss_mb']:.0f} |")
    lines += ["", "## lib computations (s, median of 3)", ""]
    names = sorted({k for r in results["sizes"] for k in r["lib"]})
    lines += ["| computation | " + " | ".join(r["label"] for r in results["sizes"]) + " |", "|---|" + "---|" * len(results["sizes"])]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(_fmt(r["lib"].get(name)) for r in results["sizes"]) + " |")
    lines += ["", "## Real browser: time to the first chart, shipped data (s)", "", "| page | seconds |", "|---|---|"]
    for k, v in results.get("browser", {}).items():
        lines.append(f"| {k} | {_fmt(v)} |")
    lines += ["", "## Targets", ""] + [f"- {t}" for t in results["targets"]] + [""]
    notes = Path(__file__).with_name("notes.md")
    if notes.exists():  # the maintainers' reading of the figures (kept by hand, carried into every run)
        lines += ["", notes.read_text(encoding="utf-8")]
    path.write_text("\n".join(lines), encoding="utf-8")


def _fmt(v, digits=3) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, float) and math.isnan(v):
        return "n/a"
    return f"{v:.{digits}f}"


def targets(results: dict) -> list[str]:
    out = []
    shipped = next(r for r in results["sizes"] if r["n"] is None)
    for i, page in enumerate(PAGES):
        p = shipped["pages"][i]
        if "error" in p:
            out.append(f"FAIL {page}: error on the shipped data: {p['error']}")
            continue
        bare = results["bare"].get(page, float("nan"))
        ok = p["rerun_s"] < 0.25 and p["rerun_s"] <= 2 * bare
        out.append(f"{'OK  ' if ok else 'MISS'} {page} on the shipped data: rerun {p['rerun_s']:.3f} s "
                   f"(target < 0.25 s and <= 2 x bare {bare:.3f} s)")
    for r in results["sizes"]:
        if r["n"] in (100_000, 1_000_000):
            limit = 1.0 if r["n"] == 100_000 else 5.0
            for i, page in enumerate(PAGES):
                p = r["pages"][i]
                t = p.get("rerun_s", float("inf"))
                out.append(f"{'OK  ' if t < limit else 'MISS'} {page} at {r['n']:,}: rerun {_fmt(t)} s (target < {limit:g} s)"
                           + (f" [{p['error']}]" if "error" in p else ""))
            if r["n"] == 1_000_000:
                ok = r["peak_rss_mb"] < 2048
                out.append(f"{'OK  ' if ok else 'MISS'} peak memory at 1,000,000: {r['peak_rss_mb']:.0f} MB (target < 2048 MB)")
    for page, e in results["exponents"].items():
        if not math.isnan(e):
            out.append(f"{'OK  ' if e <= 1.15 else 'MISS'} {page}: fitted exponent of rerun time vs n = {e:.2f} "
                       "(n log n over this range fits an exponent of about 1.1 or less)")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="*", default=SIZES)
    ap.add_argument("--one", type=str, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=str, help=argparse.SUPPRESS)
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    if args.one is not None:
        n = None if args.one == "shipped" else int(args.one)
        Path(args.out).write_text(json.dumps(one_size(n)), encoding="utf-8")
        return
    sizes_out = []
    for n in [None] + list(args.sizes):
        tmp = ROOT / "benchmarks" / f".one-{n or 'shipped'}.json"
        print(f"measuring {'shipped data' if n is None else f'{n:,} synthetic patients'} ...", flush=True)
        subprocess.run([sys.executable, __file__, "--one", str(n or "shipped"), "--out", str(tmp)], check=True)
        sizes_out.append(json.loads(tmp.read_text()))
        tmp.unlink()
    _patch_apptest()
    shipped = sizes_out[0]
    bare = {}
    for p in shipped["pages"]:
        if "charts" in p:
            bare[p["page"]] = measure_bare(p["charts"])
    exps = {}
    big = [r for r in sizes_out if r["n"] and r["n"] >= 10_000]
    for i, page in enumerate(PAGES):
        exps[page] = _fit_exponent([r["n"] for r in big], [r["pages"][i].get("rerun_s") for r in big])
    results = {"machine": machine(), "sizes": sizes_out, "bare": bare, "exponents": exps}
    if not args.no_browser:
        results["browser"] = browser_first_chart()
    results["targets"] = targets(results)
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    write_markdown(results, ROOT / "BENCHMARKS.md")
    print("\n".join(results["targets"]))


if __name__ == "__main__":
    main()
