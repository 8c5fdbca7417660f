"""Upload parsing benchmark: `python benchmarks/upload_bench.py [--write]`.

Measures, on synthetic patient rows generated here at run time (never shown as evidence):

* the time to parse 50,000 patient rows from CSV and from XLSX (a workbook written the way
  Excel writes it: text in the shared-strings table), median of ``--repeats`` runs, wall and CPU, and the
  same with the reference readers (the fast paths of issue 16 switched off);
* the same with the implementation before issue 15/16 (loaded from git, ``--before``), when git
  can show it;
* the refusal of a shared-strings bomb (1.7 MB file, 7.5 million entries): time, peak traced
  Python memory (tracemalloc) and peak resident memory above the process's start, in a fresh process;
* memory after an upload of 200,000 rows is dropped, before and after
  :func:`lib.upload.release_memory` (resident set size, in a fresh process).

``--write`` writes the table into ``benchmarks/upload_results.md``. Speed and memory are measured
here, not asserted in tests (the project's rule: timed tests are flaky).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "upload_corpus"))

BEFORE = "ed17ecf"  # the last commit with the openpyxl reader and per-cell typing
HEADER = ["case_id", "condition", "trigger", "age_years", "sex", "weight_kg", "route", "dose_mg_kg_day",
          "cotherapies", "response", "days_to_response", "death", "followup_days"]


def synthetic_rows(n: int) -> list[list]:
    """n made-up patients (deterministic; synthetic, not evidence)."""
    conditions = ("mas", "shlh", "dira", "phlh")
    triggers = ("sjia", "ebv", "genetic", "other")
    rows = []
    for i in range(n):
        rows.append([f"syn{i}", conditions[i % 4], triggers[i % 4], round(0.5 + (i * 7919) % 800 / 10, 1),
                     "female" if i % 2 else "male", round(3 + (i * 104729) % 900 / 10, 1), "sc" if i % 3 else "iv",
                     float((i % 10) + 1), "glucocorticoids;ivig" if i % 5 == 0 else "glucocorticoids",
                     ("complete", "partial", "improved", "none")[i % 4], i % 20, i % 17 == 0, 30 + i % 700])
    return rows


def csv_bytes(rows: list[list]) -> bytes:
    import make_corpus

    text = make_corpus.csv_text(HEADER, [[str(v).lower() if isinstance(v, bool) else str(v) for v in r] for r in rows])
    return text.encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    import make_corpus

    return make_corpus.simple_xlsx({"cases": [HEADER] + rows})


def _timed(fn, repeats: int) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds) of ``fn()``."""
    walls, cpus = [], []
    for _ in range(repeats):
        gc.collect()
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def _before_module():
    """lib/upload.py as it was at ``BEFORE`` (None when git cannot show it)."""
    try:
        src = subprocess.run(["git", "show", f"{BEFORE}:lib/upload.py"], cwd=ROOT, capture_output=True, check=True,
                             text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp()) / "upload_before.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("upload_before", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["upload_before"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def parse_times(n: int, repeats: int, before: bool, reference: bool = False) -> dict:
    """Median (wall, CPU) seconds of parsing n rows from CSV and XLSX; with ``before`` also the
    implementation of commit ``BEFORE``, with ``reference`` also the reference readers (the fast paths of
    issue 16 off: ``lib.upload.FAST_CSV``, ``lib.xlsx.FAST_SHEETS``)."""
    from lib.upload import parse_upload

    rows = synthetic_rows(n)
    files = {"csv": ("synthetic.csv", csv_bytes(rows)), "xlsx": ("synthetic.xlsx", xlsx_bytes(rows))}
    out = {}
    for kind, (name, data) in files.items():
        res = parse_upload(name, data)
        assert res.ok and len(res.dataset.cases) == n, res.summary
        out[kind] = _timed(lambda: parse_upload(name, data), repeats)
    if reference:
        import lib.upload
        import lib.xlsx

        try:  # the reference readers: the csv module for every CSV, every sheet cell by cell (issue 15)
            lib.upload.FAST_CSV = lib.xlsx.FAST_SHEETS = False
            for kind, (name, data) in files.items():
                out[f"{kind}_reference"] = _timed(lambda: parse_upload(name, data), max(1, repeats // 2))
        finally:
            lib.upload.FAST_CSV = lib.xlsx.FAST_SHEETS = True
    if before:
        old = _before_module()
        if old is not None:
            for kind, (name, data) in files.items():
                res = old.parse_upload(name, data)
                assert res.ok, res.summary
                out[f"{kind}_before"] = _timed(lambda: old.parse_upload(name, data), max(1, repeats // 2))
    return out


# --- measured in a fresh process each -------------------------------------------------------------

def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    """Reset the kernel's high-water mark of resident memory (Linux: write 5 to /proc/self/clear_refs)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _peak_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _child_bomb(path: str) -> dict:
    """Refuse the bomb at ``path`` (made by the parent, so making it does not count here)."""
    import tracemalloc

    from lib.upload import parse_upload

    path = Path(path)
    data = path.read_bytes()
    parse_upload("warm.csv", b"case_id,condition,trigger\np1,mas,sjia\n")
    gc.collect()
    _reset_peak()
    base = _rss_mb()
    w, c = time.perf_counter(), time.process_time()
    res = parse_upload(path.name, data)
    seconds, cpu = time.perf_counter() - w, time.process_time() - c
    peak = _peak_mb() - base
    tracemalloc.start()
    w = time.perf_counter()
    parse_upload(path.name, data)
    traced = time.perf_counter() - w
    traced_peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    return {"file_mb": len(data) / 1024 / 1024, "refused": res.dataset is None,
            "message": res.errors[0].message if res.errors else "", "seconds_traced": traced,
            "seconds": seconds, "cpu_seconds": cpu, "tracemalloc_peak_mb": traced_peak,
            "rss_peak_above_start_mb": peak}


def distinct_strings_bomb(folder: Path, count: int = 2_000_000) -> Path:
    """A workbook whose shared strings are all different (the worst case for memory before the limit)."""
    import io
    import zipfile

    import make_corpus

    strings = make_corpus._Strings()
    sheet = make_corpus.sheet_xml(make_corpus.row_xml(1, ["case_id", "condition", "trigger"], strings))
    book = make_corpus.raw_xlsx([("cases", sheet)], strings, shared_xml="")
    src = zipfile.ZipFile(io.BytesIO(book))
    path = folder / "distinct_strings_bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != "xl/sharedStrings.xml":
                z.writestr(info.filename, src.read(info.filename))
        with z.open("xl/sharedStrings.xml", "w") as f:
            f.write(f'<sst xmlns="{make_corpus._MAIN}">'.encode())
            for start in range(0, count, 100_000):
                f.write("".join(f"<si><t>synthetic string {i:09d}</t></si>" for i in range(start, start + 100_000))
                        .encode())
            f.write(b"</sst>")
    return path


def _child_memory(n: int, trim: bool = True, before: bool = False) -> dict:
    """Resident memory while holding an upload of n rows (parsed in a worker thread), after dropping it, and
    after release_memory().

    With ``trim`` False the dataset's own hand-back when freed is switched off; with ``before`` the
    implementation before issues 15/16 parses (loaded from git).
    """
    import lib.upload
    from lib.upload import parse_upload, release_memory

    import threading

    lib.upload.TRIM_WHEN_FREED = trim
    if before:
        parse_upload = _before_module().parse_upload  # noqa: F811 - the old implementation, same bytes
    data = csv_bytes(synthetic_rows(n))
    parse_upload("warm.csv", b"case_id,condition,trigger\np1,mas,sjia\n")
    gc.collect()
    start = _rss_mb()
    box = []
    # parsed in its own thread, as a Streamlit session's script runs (glibc gives such a thread its own arena)
    worker = threading.Thread(target=lambda: box.append(parse_upload("synthetic.csv", data)))
    worker.start()
    worker.join()
    res = box.pop()
    assert res.ok, res.summary
    held = _rss_mb()
    del res
    gc.collect()
    time.sleep(lib.upload.TRIM_DELAY_S + 1.0)  # the hand-back runs in the background, a moment after
    dropped = _rss_mb()
    release_memory()
    released = _rss_mb()
    return {"rows": n, "start_mb": start, "holding_mb": held - start, "after_drop_mb": dropped - start,
            "after_release_mb": released - start}


def _in_child(what: str, arg=None) -> dict:
    code = (f"import sys, json; sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
            f"import upload_bench as b; args = {arg!r}; "
            f"print(json.dumps(b._child_{what}(*(args if isinstance(args, tuple) else () if args is None else (args,)))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- report -----------------------------------------------------------------------------------------

def report(times: dict, bombs: list, memory: dict, untrimmed: dict, old: dict | None, n: int, repeats: int) -> str:
    load = os.getloadavg()
    lines = [
        "# Upload parsing: measured results",
        "",
        f"Made by `python benchmarks/upload_bench.py --write` on {time.strftime('%Y-%m-%d %H:%M')} "
        f"({platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} while measuring: other jobs shared the cores, so wall "
        "times can be above CPU times). Synthetic rows generated at run time, never shown as evidence.",
        "",
        f"## Parsing {n:,} patient rows (13 columns; median of {repeats} runs)",
        "",
        "| file | wall (s) | CPU (s) | reference readers (fast paths off): wall (s) | CPU (s) | "
        "before issue 15/16: wall (s) | CPU (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind in ("csv", "xlsx"):
        w, c = times[kind]
        rw, rc = times.get(f"{kind}_reference", (float("nan"), float("nan")))
        bw, bc = times.get(f"{kind}_before", (float("nan"), float("nan")))
        lines.append(f"| {kind.upper()} | {w:.2f} | {c:.2f} | {rw:.2f} | {rc:.2f} | {bw:.2f} | {bc:.2f} |")
    lines += [
        "",
        "The reference readers are the readers of issue 15 (`lib.upload.FAST_CSV` and `lib.xlsx.FAST_SHEETS` "
        "off: the csv module for every CSV, every sheet cell by cell with expat); the fast paths read the same "
        "(tests/test_upload_fast.py, tests/test_xlsx_plain.py). "
        "\"Before\" is `lib/upload.py` of commit " + BEFORE + " (openpyxl read-only for XLSX, cell-by-cell typing "
        "in `lib.data.validate_table`), run on the same bytes.",
        "",
        "## Shared-strings bombs (a fresh process each)",
        "",
        "| file | size (MB) | refused | wall (s) | CPU (s) | wall with tracemalloc on (s) | tracemalloc peak (MB) | "
        "resident peak above start (MB) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, b in bombs:
        lines.append(f"| {label} | {b['file_mb']:.1f} | {'yes' if b['refused'] else 'NO'} | {b['seconds']:.2f} | "
                     f"{b['cpu_seconds']:.2f} | {b['seconds_traced']:.2f} | {b['tracemalloc_peak_mb']:.0f} | "
                     f"{b['rss_peak_above_start_mb']:.0f} |")
    lines += [
        "",
        f"Message: \"{bombs[0][1]['message']}\" Reading stops at 1,000,000 entries (`MAX_SHARED_STRINGS`); the "
        "review's bomb took 79 s and 1.38 GB before.",
        "",
        f"## Memory after an upload of {memory['rows']:,} rows (resident set size above the process's start, MB; "
        "a fresh process each; parsed in a worker thread as a session's script is)",
        "",
        "| | holding the upload | 2 s after dropping it (as when its session closes) | after `release_memory()` |",
        "|---|---|---|---|",
    ]
    if old is not None:
        lines.append(f"| before issues 15/16 ({BEFORE}) | {old['holding_mb']:.0f} | {old['after_drop_mb']:.0f} | "
                     f"{old['after_release_mb']:.0f} |")
    lines += [
        f"| now, without the hand-back when freed | {untrimmed['holding_mb']:.0f} | {untrimmed['after_drop_mb']:.0f} | "
        f"{untrimmed['after_release_mb']:.0f} |",
        f"| now | {memory['holding_mb']:.0f} | {memory['after_drop_mb']:.0f} | {memory['after_release_mb']:.0f} |",
        "",
        "Every parse releases pyarrow's allocator pool in the parsing thread when it ends (its pool keeps freed "
        "memory per thread; most of the difference). "
        "An uploaded dataset of 10,000 rows or more hands its memory back when it is freed (`weakref.finalize` "
        "starts `release_memory()` a second later in the background: gc, pyarrow's pool, glibc `malloc_trim(0)`), "
        "so a closed session does not leave it with the server; "
        "the Upload page also calls `release_memory()` when an upload is removed or replaced.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--memory-rows", type=int, default=200_000)
    ap.add_argument("--no-before", action="store_true", help="skip the implementation before issue 15/16")
    ap.add_argument("--parse-only", action="store_true", help="only the parsing times (no bombs, no memory)")
    ap.add_argument("--write", action="store_true", help="write benchmarks/upload_results.md")
    args = ap.parse_args()
    times = parse_times(args.rows, args.repeats, not args.no_before, reference=True)
    for kind, (w, c) in times.items():
        print(f"{kind:14s} {args.rows:,} rows: wall {w:.3f} s, CPU {c:.3f} s")
    if args.parse_only:
        return
    import make_corpus

    folder = Path(tempfile.mkdtemp())
    bombs = [("7,500,000 entries 'x' (as in the review)", _in_child("bomb", str(make_corpus.big_shared_strings_bomb(folder)))),
             ("2,000,000 distinct entries", _in_child("bomb", str(distinct_strings_bomb(folder))))]
    for label, bomb in bombs:
        print(f"bomb {label}: {bomb['file_mb']:.1f} MB, refused={bomb['refused']} in {bomb['seconds']:.2f} s "
              f"(CPU {bomb['cpu_seconds']:.2f} s), "
              f"tracemalloc peak {bomb['tracemalloc_peak_mb']:.0f} MB, RSS peak above start "
              f"{bomb['rss_peak_above_start_mb']:.0f} MB")
    old = _in_child("memory", (args.memory_rows, False, True)) if not args.no_before else None
    untrimmed = _in_child("memory", (args.memory_rows, False))
    memory = _in_child("memory", (args.memory_rows, True))
    for label, m in (("before issue 15/16", old), ("without hand-back", untrimmed), ("now", memory)):
        if m is None:
            continue
        print(f"memory {label} ({m['rows']:,} rows): holding +{m['holding_mb']:.0f} MB, dropped "
              f"+{m['after_drop_mb']:.0f} MB, after release_memory() +{m['after_release_mb']:.0f} MB")
    text = report(times, bombs, memory, untrimmed, old, args.rows, args.repeats)
    if args.write:
        (ROOT / "benchmarks" / "upload_results.md").write_text(text, encoding="utf-8")
        print("written: benchmarks/upload_results.md")


if __name__ == "__main__":
    main()
