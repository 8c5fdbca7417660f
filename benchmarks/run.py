"""One-command benchmark: ``bash scripts/benchmark.sh`` (see README, "Benchmarks"); writes BENCHMARKS.md.

What it measures, in one run (issue 16):

1. **Side by side with a bare page, on the shipped data and on a 10^4-patient synthetic upload.**
   For every page: the warm rerun (AppTest, nothing changed, median of 7) beside
   ``benchmarks/bare_app.py`` drawing the SAME chart specs and tables (captured from the page's
   own AppTest run: every plotly chart's JSON spec and every dataframe, in order), also median of 7,
   in the same process right after the page. For each page with a view option, the rerun after
   changing one option: a fragment rerun where the option lives in a ``ui.fragment`` (what the
   browser does; ``tests/apptest_util.run_fragment``), a full rerun otherwise, beside the bare
   script drawing what that rerun drew.
2. **Real server and Chromium** (shipped data): the time to the first drawn chart of each chart
   page, beside a bare server (``bare_app.py``) serving the same specs; and the servers' own run
   times from their logs (``DASHBOARD_RUN`` / ``BARE_RUN`` lines, ``DASHBOARD_LOG_RUNS=1``).
3. **Upload parsing** of 50,000 rows (``benchmarks/upload_bench.py``'s measurement, CSV and XLSX).
4. **Scale**: 10^3..10^6 synthetic patients (generated at run time by ``benchmarks/synthetic.py``,
   uploaded into the session; never shown as evidence), each size in its own process: every
   page's rerun after a filter change (median of 7, each a filter state not seen before), its warm
   rerun, the peak resident memory of the process, and the fitted growth exponents.

Synthetic data never leaves this process except as timings. Results go to
``benchmarks/results.json`` and BENCHMARKS.md (targets met or missed; the cause and next step of a
miss are kept by hand in ``benchmarks/notes.md`` and carried into every run).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import pickle
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PAGES = ["overview", "summary", "dosing", "labs", "outcomes", "pooled", "genetics", "safety", "cases",
         "upload", "methods", "background"]
URL_PATHS = {"overview": ""}  # every other page's URL path is its name
# one view option per page that has one: (widget key, a value other than the default)
VIEW_CHANGES = {
    "summary": ("view_summary_detail", "full"),
    "dosing": ("view_dosing_unit", "mg_day"),
    "labs": ("view_labs_scale", "log"),
    "outcomes": ("view_outcomes_measure", "complete"),
    "pooled": ("view_pooled_by", "condition"),
    "safety": ("view_safety_by", "route"),
    "cases": ("view_cases_q", "sjia"),
}
SIZES = [1_000, 10_000, 100_000, 1_000_000]
SIDE_BY_SIDE_UPLOAD = 10_000
REPEATS = 7
# each filter change a state not seen before in the session (no memo hit)
FILTER_STATES = [["mas"], ["shlh"], ["mas", "shlh"], ["dira"], ["phlh"], ["mas", "dira"], ["shlh", "phlh"]]
SPECS_DIR = ROOT / "benchmarks" / ".specs"
# the first drawn chart of any kind: plotly, Graphviz (Data and methods' screening flow) or Vega-Lite
FIRST_CHART = (".js-plotly-plot .main-svg, [data-testid='stGraphVizChart'] svg, "
               "[data-testid='stVegaLiteChart'] canvas, .vega-embed canvas, .vega-embed svg")


# ---------------------------------------------------------------------------
# AppTest side
# ---------------------------------------------------------------------------

def _setup_apptest():
    """AppTest as close to a server as it gets: navigation workaround, fragment reruns, one bytecode cache.

    AppTest makes a new ``ScriptCache`` for every run, so every run recompiles the entry point and
    the page (with Streamlit's "magic" AST rewrite); a server compiles each script once. One cache
    for the process makes the app and the bare script pay what they pay on a server.
    """
    import conftest  # noqa: F401  (applies the AppTest navigation workaround)
    import apptest_util  # noqa: F401  (fragment reruns in AppTest)
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared


def _apptest(page: str, dataset=None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    if dataset is not None:
        at.session_state["uploaded_dataset"] = dataset
        at.session_state["data_choice"] = "upload"
        at.session_state["upload_token"] = f"bench-{id(dataset)}"
    at.switch_page(f"pages/{page}.py")
    return at


def _timed_run(at) -> float:
    t0 = time.perf_counter()
    at.run()
    dt = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(str(at.exception[0].message)[:300])
    return dt


def capture(at) -> list[tuple]:
    """The charts (JSON spec, config) and tables (DataFrame) of the last run, in the order drawn."""
    items = []

    def walk(node):
        kind = getattr(node, "type", None)
        if kind == "plotly_chart":
            items.append(("chart", node.proto.spec, json.loads(node.proto.config or "{}")))
            return
        if kind == "dataframe":
            items.append(("table", node.value, None))
            return
        if kind == "graphviz_chart":
            items.append(("graphviz", node.proto.spec, None))
            return
        if kind == "vega_lite_chart":
            spec = json.loads(node.proto.spec)
            data = _arrow_frame(node.proto.data.data) if node.proto.HasField("data") else None
            if len(node.proto.datasets):
                spec["datasets"] = {d.name: _arrow_frame(d.data.data) for d in node.proto.datasets}
            items.append(("vega", json.dumps(spec, default=_frame_json), data))
            return
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for key in sorted(children):
                walk(children[key])

    walk(at._tree)
    return items


def _arrow_frame(data: bytes):
    import pyarrow as pa

    return pa.ipc.open_stream(data).read_all().to_pandas() if data else None


def _frame_json(obj):
    return obj.to_dict(orient="records")


def measure_bare(items: list[tuple], name: str) -> dict:
    """Warm rerun of the bare script drawing ``items`` (median of REPEATS, s)."""
    from streamlit.testing.v1 import AppTest

    SPECS_DIR.mkdir(exist_ok=True)
    path = SPECS_DIR / f"{name}.pkl"
    with open(path, "wb") as f:
        pickle.dump(items, f)
    os.environ["BARE_SPECS"] = str(path)
    try:
        at = AppTest.from_file(str(ROOT / "benchmarks" / "bare_app.py"), default_timeout=300)
        _timed_run(at)
        warm = statistics.median(_timed_run(at) for _ in range(REPEATS))
    finally:
        os.environ.pop("BARE_SPECS", None)
    return {"warm_s": warm, "charts": _count_charts(items),
            "tables": sum(k == "table" for k, _, _ in items), "path": str(path)}


def _count_charts(items) -> int:
    return sum(k in ("chart", "vega", "graphviz") for k, _, _ in items)


def _set_widget(at, key: str, value) -> None:
    for kind in ("radio", "selectbox", "text_input"):
        try:
            getattr(at, kind)(key=key).set_value(value)
            return
        except KeyError:
            continue
    raise KeyError(key)


def measure_view_change(at, page: str, label: str) -> dict:
    """Change the page's view option back and forth; time each rerun (fragment rerun when it lives in one)."""
    from apptest_util import fragment_id_of, run_fragment

    key, other = VIEW_CHANGES[page]
    _timed_run(at)  # a full run: the widget's fragment (if any) is known from its messages
    fragment = fragment_id_of(key)
    try:
        default = next(w.value for kind in ("radio", "selectbox", "text_input") for w in at.get(kind) if w.key == key)
    except StopIteration:
        return {"error": f"no widget {key} on the page"}
    times = []
    items: list = []
    for i in range(REPEATS):
        _set_widget(at, key, other if i % 2 == 0 else default)
        t0 = time.perf_counter()
        if fragment:
            run_fragment(at, fragment)
        else:
            at.run()
        times.append(time.perf_counter() - t0)
        if at.exception:
            return {"error": str(at.exception[0].message)[:300]}
        if i == 0:
            items = capture(at)
    bare = measure_bare(items, f"{label}-{page}-view")
    return {"key": key, "fragment": bool(fragment), "rerun_s": statistics.median(times), "bare_s": bare["warm_s"],
            "bare_charts": bare["charts"], "bare_tables": bare["tables"]}


def measure_page(page: str, dataset, label: str, filter_changes: bool, view_change: bool) -> dict:
    out: dict = {"page": page}
    at = _apptest(page, dataset)
    try:
        out["first_run_s"] = _timed_run(at)
        out["warm_s"] = statistics.median(_timed_run(at) for _ in range(REPEATS))
        items = capture(at)
        bare = measure_bare(items, f"{label}-{page}")
        out.update(charts=bare["charts"], tables=bare["tables"], bare_warm_s=bare["warm_s"])
        if label == "shipped":
            out["specs"] = bare["path"]
        if view_change and page in VIEW_CHANGES:
            out["view"] = measure_view_change(at, page, label)
            at.run()  # a full run: after a fragment rerun AppTest's tree holds the fragment only (no sidebar)
        if filter_changes:
            times = []
            # a 10^6 registry's page can take tens of seconds: fewer samples there (the table says how many)
            repeats = REPEATS if out["first_run_s"] < 5 else 3 if out["first_run_s"] < 20 else 1
            out["filter_samples"] = repeats
            for conditions in FILTER_STATES[:repeats]:
                at.multiselect(key="f_conditions").set_value(conditions)
                times.append(_timed_run(at))
            out["filter_rerun_s"] = statistics.median(times)
    except Exception as exc:  # noqa: BLE001 - reported in the table, not hidden
        out["error"] = f"{exc.__class__.__name__}: {exc}"[:300]
    return out


def one_size(n: int | None) -> dict:
    """Everything for one dataset (n None = shipped data), in this process; peak memory of the process."""
    _setup_apptest()
    dataset = None
    gen_s = 0.0
    if n is not None:
        from benchmarks.synthetic import synthetic_dataset

        t0 = time.perf_counter()
        dataset = synthetic_dataset(n)
        gen_s = time.perf_counter() - t0
    data_mb = 0.0
    if dataset is not None:
        data_mb = sum(float(getattr(dataset, t).memory_usage(deep=True).sum())
                      for t in ("cases", "labs", "cohorts")) / 2**20
    after_generation_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gc.collect()
    from benchmarks.upload_bench import _peak_mb, _reset_peak, _rss_mb

    holding_mb = _rss_mb()  # the process holding the data, before any page ran
    try:
        _reset_peak()  # from here on VmHWM is the peak while the pages run
        can_reset = True
    except OSError:
        can_reset = False
    label = "shipped" if n is None else f"n{n}"
    side_by_side = n is None or n == SIDE_BY_SIDE_UPLOAD
    pages = []
    for p in PAGES:  # one session at a time: each page's session is released before the next
        print(f"  {label} {p}", flush=True)
        pages.append(measure_page(p, dataset, label, filter_changes=True, view_change=side_by_side))
        gc.collect()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pages_peak_mb = _peak_mb() if can_reset else float("nan")
    return {"n": n, "label": "shipped" if n is None else f"synthetic {n:,}", "generate_s": gen_s,
            "pages": pages, "peak_rss_mb": peak_mb, "peak_after_generation_mb": after_generation_mb,
            "holding_mb": holding_mb, "pages_peak_mb": pages_peak_mb, "dataset_mb": data_mb}


# ---------------------------------------------------------------------------
# Real server and Chromium
# ---------------------------------------------------------------------------

_RUN_LINE = re.compile(r"(DASHBOARD_RUN|BARE_RUN) page=(\S*)(?: fragment=\S+)? ms=([0-9.]+)")


def _server_ms(lines: list[str], kind: str) -> list[float]:
    out = []
    for line in lines:
        m = _RUN_LINE.search(line)
        if m and m.group(1) == kind and "fragment=" not in line:
            out.append(float(m.group(3)))
    return out


def browser_first_chart(spec_pages: dict[str, str]) -> dict:
    """Time to the first drawn chart in Chromium, app vs bare app serving the same specs (shipped data).

    Each sample is a fresh browser context (no cache) navigating to the page; the server's own run
    time of that visit is read from its log.
    """
    import shutil

    from playwright.sync_api import sync_playwright
    from browser_util import launch_browser, streamlit_server

    folder = Path(tempfile.mkdtemp(prefix="bare-specs-"))
    for page, path in spec_pages.items():
        shutil.copy(path, folder / f"{page}.pkl")
    env = {"DASHBOARD_LOG_RUNS": "1", "BARE_SPECS_DIR": str(folder)}
    out: dict = {}
    try:
        with streamlit_server(extra_env=env) as app, \
                streamlit_server(extra_env=env, script=ROOT / "benchmarks" / "bare_app.py") as bare, \
                sync_playwright() as p:
            browser = launch_browser(p)

            def sample(server, url: str, kind: str) -> tuple[float, float]:
                ctx = browser.new_context()
                page = ctx.new_page()
                mark = server.log.mark()
                t0 = time.perf_counter()
                page.goto(url)
                try:
                    page.wait_for_selector(FIRST_CHART, timeout=60000)
                    seconds = time.perf_counter() - t0
                except Exception:  # noqa: BLE001 - reported as n/a
                    seconds = float("nan")
                page.wait_for_timeout(300)
                ctx.close()
                ms = _server_ms(server.log.since(mark), kind)
                return seconds, (ms[-1] if ms else float("nan"))

            for page_name in spec_pages:
                path = URL_PATHS.get(page_name, page_name)
                sample(app, f"{app.base}/{path}", "DASHBOARD_RUN")  # warm the server's caches for the page
                sample(bare, f"{bare.base}/?page={page_name}", "BARE_RUN")
                app_s, bare_s, app_ms, bare_ms = [], [], [], []
                for _ in range(REPEATS):  # interleaved, so that load on the machine hits both alike
                    s, ms = sample(app, f"{app.base}/{path}", "DASHBOARD_RUN")
                    app_s.append(s)
                    app_ms.append(ms)
                    s, ms = sample(bare, f"{bare.base}/?page={page_name}", "BARE_RUN")
                    bare_s.append(s)
                    bare_ms.append(ms)
                out[page_name] = {"app_s": _median(app_s), "bare_s": _median(bare_s),
                                  "app_server_ms": _median(app_ms), "bare_server_ms": _median(bare_ms)}
                print(f"  browser {page_name}: {out[page_name]}", flush=True)
            browser.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return out


def _median(xs) -> float:
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else float("nan")


# ---------------------------------------------------------------------------
# Upload parsing
# ---------------------------------------------------------------------------

def upload_parsing(rows: int = 50_000, repeats: int = 3) -> dict:
    """Parse ``rows`` synthetic patient rows from CSV and XLSX (``upload_bench``), wall and CPU seconds."""
    from benchmarks.upload_bench import parse_times

    return {k: {"wall_s": v[0], "cpu_s": v[1]} for k, v in parse_times(rows, repeats, before=False).items()}


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

def fit_exponent(ns, ys) -> float:
    """Least-squares slope of log(y) on log(n): y grows like n^slope."""
    pts = [(math.log(n), math.log(y)) for n, y in zip(ns, ys) if n and y and y > 0 and y == y]
    if len(pts) < 2:
        return float("nan")
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else float("nan")


def machine() -> dict:
    mem = cpu = ""
    try:
        mem = next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
        cpu = next(l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                   if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = ""
    try:
        load = Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        pass
    return {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "cpu": cpu, "memory": mem, "load_at_start": load,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def _fmt(v, digits: int = 3) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, float) and math.isnan(v):
        return "n/a"
    return f"{v:.{digits}f}"


def _ms(v) -> str:
    return "" if v is None else ("n/a" if v != v else f"{v * 1000:.0f}")


def _ratio(a, b) -> float:
    return a / b if a and b and a == a and b == b else float("nan")


def targets(results: dict) -> list[dict]:
    """Every target of issue 16 with its measured value and whether it is met."""
    rows = []
    by_label = {r["label"]: r for r in results["sizes"]}
    for label, what in (("shipped", "shipped data"), (f"synthetic {SIDE_BY_SIDE_UPLOAD:,}", "10^4-patient upload")):
        r = by_label.get(label)
        if not r:
            continue
        for p in r["pages"]:
            if "error" in p:
                rows.append({"target": f"{p['page']}: warm rerun <= 2x bare ({what})", "measured": p["error"],
                             "met": False, "key": f"warm:{p['page']}:{label}"})
                continue
            ratio = _ratio(p["warm_s"], p["bare_warm_s"])
            rows.append({"target": f"{p['page']}: warm rerun <= 2x bare ({what})",
                         "measured": f"{_ms(p['warm_s'])} ms vs {_ms(p['bare_warm_s'])} ms = {ratio:.1f}x",
                         "met": ratio <= 2.0, "key": f"warm:{p['page']}:{label}"})
            v = p.get("view")
            if v:
                if "error" in v:
                    rows.append({"target": f"{p['page']}: view-option change <= 1.2x bare ({what})",
                                 "measured": v["error"], "met": False, "key": f"view:{p['page']}:{label}"})
                else:
                    ratio = _ratio(v["rerun_s"], v["bare_s"])
                    rows.append({"target": f"{p['page']}: view-option change <= 1.2x bare ({what})",
                                 "measured": f"{_ms(v['rerun_s'])} ms vs {_ms(v['bare_s'])} ms = {ratio:.1f}x"
                                             + ("" if v["fragment"] else " (full rerun: not in a fragment)"),
                                 "met": ratio <= 1.2, "key": f"view:{p['page']}:{label}"})
    for page, b in results.get("browser", {}).items():
        ratio = _ratio(b["app_s"], b["bare_s"])
        rows.append({"target": f"{page}: time to first chart in Chromium <= 1.1x bare app",
                     "measured": f"{b['app_s']:.2f} s vs {b['bare_s']:.2f} s = {ratio:.2f}x",
                     "met": ratio <= 1.1, "key": f"browser:{page}"})
    up = results.get("upload")
    if up:
        for kind in ("csv", "xlsx"):
            if kind in up:
                wall = up[kind]["wall_s"]
                rows.append({"target": f"upload parsing of 50,000 rows ({kind.upper()}) <= 1 s",
                             "measured": f"{wall:.2f} s wall, {up[kind]['cpu_s']:.2f} s CPU",
                             "met": wall <= 1.0, "key": f"upload:{kind}"})
    big = by_label.get("synthetic 1,000,000")
    if big:
        for p in big["pages"]:
            t = p.get("filter_rerun_s")
            rows.append({"target": f"{p['page']} at 10^6 patients < 3 s (rerun after a filter change)",
                         "measured": p.get("error") or f"{t:.2f} s",
                         "met": "error" not in p and t is not None and t < 3.0, "key": f"scale:{p['page']}"})
        rows.append({"target": "peak memory at 10^6 patients <= 1 GB",
                     "measured": f"{big['peak_rss_mb']:.0f} MB peak of the process; "
                                 f"{big['peak_after_generation_mb']:.0f} MB of it while generating the data, "
                                 f"{big['holding_mb']:.0f} MB holding it, {big['pages_peak_mb']:.0f} MB peak "
                                 "while the pages ran",
                     "met": big["peak_rss_mb"] <= 1024, "key": "memory"})
    return rows


def _notes() -> dict[str, tuple[str, str]]:
    """Cause and next step of each missed target, kept by hand in benchmarks/notes.md.

    Lines of the form ``- `key-pattern`: cause || next step`` (a pattern is a regular expression
    matched against the target's key, e.g. ``warm:.*:shipped``).
    """
    path = Path(__file__).with_name("notes.md")
    out = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"- `([^`]+)`: (.*?)\s*\|\|\s*(.*)$", line)
            if m:
                out[m.group(1)] = (m.group(2), m.group(3))
    return out


def write_markdown(results: dict, path: Path) -> None:
    m = results["machine"]
    notes = _notes()
    lines = ["# Benchmarks", "",
             f"Latest run: {m['date']} on {m['cpus']} cores ({m['cpu']}), {m['memory']}, Python {m['python']}, "
             f"{m['platform']}; load average at the start {m['load_at_start']} (the machine is shared: other "
             "sessions' tests may run at the same time, so single figures move by tens of percent).", "",
             "Produced by `bash scripts/benchmark.sh` (`benchmarks/run.py`, see its docstring and README). "
             "Synthetic registries are generated at run time by `benchmarks/synthetic.py` and uploaded into the "
             "session; they are never shown as evidence. 'Bare' is `benchmarks/bare_app.py` drawing the SAME "
             "chart specs and tables the page drew in its AppTest run (captured from it), with `st.plotly_chart` "
             "and `st.dataframe` only, measured in the same process right after the page.", "",
             "## Targets (issue 16)", "", "| target | measured | | cause of a miss | next step |", "|---|---|---|---|---|"]
    for t in results["targets"]:
        cause = nxt = ""
        if not t["met"]:
            for pattern, (c, n) in notes.items():
                if re.fullmatch(pattern, t["key"]):
                    cause, nxt = c, n
                    break
        lines.append(f"| {t['target']} | {t['measured']} | {'met' if t['met'] else '**missed**'} | {cause} | {nxt} |")
    met = sum(t["met"] for t in results["targets"])
    lines += ["", f"{met} of {len(results['targets'])} targets met.", ""]

    for r in results["sizes"]:
        if r["n"] is not None and r["n"] != SIDE_BY_SIDE_UPLOAD:
            continue
        lines += [f"## Side by side with the bare page: {r['label']} (AppTest, ms, median of {REPEATS})", "",
                  "| page | charts | tables | first run | warm rerun | bare | ratio | view option | change | bare "
                  "(what the change drew) | ratio |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for p in r["pages"]:
            if "error" in p:
                lines.append(f"| {p['page']} | error: {p['error']} |||||||||")
                continue
            v = p.get("view") or {}
            vcols = ["", "", "", ""]
            if v and "error" not in v:
                vcols = [f"`_{v['key'][5:]}`" + ("" if v["fragment"] else " (full rerun)"), _ms(v["rerun_s"]),
                         _ms(v["bare_s"]), f"{_ratio(v['rerun_s'], v['bare_s']):.1f}x"]
            elif v:
                vcols = ["error", v["error"], "", ""]
            lines.append("| " + " | ".join([p["page"], str(p["charts"]), str(p["tables"]), _ms(p["first_run_s"]),
                                            _ms(p["warm_s"]), _ms(p["bare_warm_s"]),
                                            f"{_ratio(p['warm_s'], p['bare_warm_s']):.1f}x", *vcols]) + " |")
        lines.append("")

    if results.get("browser"):
        lines += ["## Real server and Chromium: time to the first chart, shipped data", "",
                  f"Fresh browser context per sample, median of {REPEATS}, app and bare app interleaved; the servers' "
                  "own run time of the same visit from their logs (`DASHBOARD_RUN` / `BARE_RUN`).", "",
                  "| page | app (s) | bare app (s) | ratio | app server run (ms) | bare server run (ms) |",
                  "|---|---|---|---|---|---|"]
        for page, b in results["browser"].items():
            lines.append(f"| {page} | {_fmt(b['app_s'], 2)} | {_fmt(b['bare_s'], 2)} | "
                         f"{_ratio(b['app_s'], b['bare_s']):.2f}x | {_fmt(b['app_server_ms'], 0)} | "
                         f"{_fmt(b['bare_server_ms'], 0)} |")
        lines.append("")

    if results.get("upload"):
        lines += ["## Upload parsing, 50,000 patient rows (s, median of 3)", "", "| file | wall | CPU |", "|---|---|---|"]
        for kind, v in results["upload"].items():
            lines.append(f"| {kind.upper()} | {v['wall_s']:.2f} | {v['cpu_s']:.2f} |")
        lines.append("")

    sizes = [r for r in results["sizes"] if r["n"]]
    if sizes:
        head = " | ".join(f"{r['n']:,}" for r in sizes)
        lines += [f"## Scale: rerun after a filter change (s, median of up to {REPEATS}, each a new filter state)", "",
                  "Samples per page: 7 when its first run takes under 5 s, 3 under 20 s, else 1.", "",
                  f"| page | shipped | {head} | exponent |", "|---|---|" + "---|" * (len(sizes) + 1)]
        shipped = next((r for r in results["sizes"] if r["n"] is None), None)
        for i, page in enumerate(PAGES):
            row = [page, _fmt(shipped["pages"][i].get("filter_rerun_s")) if shipped else ""]
            row += [_fmt(r["pages"][i].get("filter_rerun_s")) if "error" not in r["pages"][i] else "error"
                    for r in sizes]
            row.append(_fmt(results["exponents"].get(page), 2))
            lines.append("| " + " | ".join(row) + " |")
        lines += ["", f"Exponent: least-squares slope of log(time) on log(n) over "
                  f"{', '.join(f'{n:,}' for n in results['exponent_sizes'])} (1 = linear growth).", "",
                  f"## Scale: warm rerun (s, median of {REPEATS})", "",
                  f"| page | {head} |", "|---|" + "---|" * len(sizes)]
        for i, page in enumerate(PAGES):
            lines.append("| " + " | ".join([page] + [_fmt(r["pages"][i].get("warm_s")) for r in sizes]) + " |")
        lines += ["", "## Scale: memory", "",
                  "| data | dataset in pandas (MB) | peak RSS while generating it (MB) | RSS holding it (MB) | "
                  "peak RSS while the pages ran (MB) | peak RSS of the process (MB) | generation (s) |",
                  "|---|---|---|---|---|---|---|"]
        for r in results["sizes"]:
            lines.append(f"| {r['label']} | {r['dataset_mb']:.0f} | {r['peak_after_generation_mb']:.0f} | "
                         f"{r['holding_mb']:.0f} | {r['pages_peak_mb']:.0f} | {r['peak_rss_mb']:.0f} | "
                         f"{r['generate_s']:.1f} |")
        lines += ["", f"Peak memory grows like n^{results['memory_exponent']:.2f} over the same sizes.", ""]

    extra = Path(__file__).with_name("notes.md")
    if extra.exists():  # the maintainers' reading of the figures (kept by hand, carried into every run)
        text = extra.read_text(encoding="utf-8")
        lines += ["", text.split("<!-- causes -->")[0].rstrip(), ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=SIZES)
    ap.add_argument("--one", type=str, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=str, help=argparse.SUPPRESS)
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--no-upload", action="store_true")
    args = ap.parse_args()
    if args.one is not None:
        n = None if args.one == "shipped" else int(args.one)
        Path(args.out).write_text(json.dumps(one_size(n), default=str), encoding="utf-8")
        return
    sizes = sorted(set(args.sizes) | {SIDE_BY_SIDE_UPLOAD})
    sizes_out = []
    for n in [None] + sizes:
        tmp = ROOT / "benchmarks" / f".one-{n or 'shipped'}.json"
        print(f"measuring {'shipped data' if n is None else f'{n:,} synthetic patients'} ...", flush=True)
        subprocess.run([sys.executable, __file__, "--one", str(n or "shipped"), "--out", str(tmp)], check=True)
        sizes_out.append(json.loads(tmp.read_text()))
        tmp.unlink()
    big = [r for r in sizes_out if r["n"] and r["n"] >= 10_000]
    exps = {page: fit_exponent([r["n"] for r in big], [r["pages"][i].get("filter_rerun_s") for r in big])
            for i, page in enumerate(PAGES)}
    results = {"machine": machine(), "sizes": sizes_out, "exponents": exps,
               "exponent_sizes": [r["n"] for r in big],
               "memory_exponent": fit_exponent([r["n"] for r in big], [r["peak_rss_mb"] for r in big])}
    if not args.no_upload:
        print("measuring upload parsing ...", flush=True)
        results["upload"] = upload_parsing()
    if not args.no_browser:
        print("measuring in chromium ...", flush=True)
        shipped = sizes_out[0]
        spec_pages = {p["page"]: p["specs"] for p in shipped["pages"] if p.get("charts") and p.get("specs")}
        results["browser"] = browser_first_chart(spec_pages)
    results["targets"] = targets(results)
    for r in sizes_out:
        for p in r["pages"]:
            p.pop("specs", None)
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    write_markdown(results, ROOT / "BENCHMARKS.md")
    for t in results["targets"]:
        print(("met    " if t["met"] else "MISSED ") + t["target"] + ": " + t["measured"])


if __name__ == "__main__":
    main()
