"""Load test in one command: `bash scripts/load.sh` (see README, "Load").

Starts the dashboard on a free loopback port and drives concurrent real
browser sessions (Debian chromium through Playwright) through filter changes
and page switches, for a bounded time and a bounded number of interactions.
Reports errors, the median and 95th percentile time from an interaction to the
updated chart, and the server's memory over time. Writes
benchmarks/load_results.json and LOAD.md. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser_util import CHROMIUM, CHROMIUM_ARGS, IDLE_JS, streamlit_server  # noqa: E402

PAGES = ["", "labs", "outcomes", "pooled", "cases", "summary", "dosing"]  # "" is the default page (Overview)
TITLES = {"": "Overview", "labs": "Labs before and after", "outcomes": "Outcomes", "pooled": "Pooled evidence",
          "cases": "Cases", "summary": "Evidence summary", "dosing": "Dosing"}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Sampler(threading.Thread):
    def __init__(self, pid: int, every: float = 1.0):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples, self.stop = pid, every, [], threading.Event()
        self.t0 = time.monotonic()

    def run(self):
        while not self.stop.is_set():
            try:
                self.samples.append((round(time.monotonic() - self.t0, 1), round(rss_mb(self.pid), 1)))
            except OSError:
                break
            self.stop.wait(self.every)


async def wait_rerun(page, timeout=60000):
    """Wait until Streamlit's run has finished: the same idle rule as the browser tests, twice 300 ms apart."""
    await page.wait_for_timeout(150)
    for _ in range(2):
        await page.wait_for_function(IDLE_JS, timeout=timeout)
        await page.wait_for_timeout(300)


async def session(i: int, browser, base: str, deadline: float, budget: list, out: dict):
    ctx = await browser.new_context(viewport={"width": 1280, "height": 860})
    page = await ctx.new_page()
    errors = out.setdefault("errors", [])
    latencies = out.setdefault("latencies", [])
    try:
        page.set_default_timeout(60000)
        await page.goto(f"{base}/{PAGES[i % len(PAGES)]}")
        await page.wait_for_selector("[data-testid='stSidebar'] [data-testid='stMultiSelect']", timeout=120000)
        await wait_rerun(page, timeout=120000)
        step = 0
        while time.monotonic() < deadline and budget[0] > 0:
            budget[0] -= 1
            step += 1
            action = 1 if step % 4 in (1, 2) else step % 4  # 0 page switch, 1 pick (twice in a row), 3 reset
            t0 = time.perf_counter()
            try:
                if action == 0:  # switch page through the navigation
                    name = PAGES[(i + step) % len(PAGES)]
                    await page.locator("[data-testid='stSidebarNav'] a").filter(has_text=TITLES[name]).first.click()
                elif action == 1:  # pick an option in one of the first three sidebar filters (two or three in a row)
                    ms = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").nth((i + step) % 3)
                    await ms.locator("input").first.click()
                    opts = page.locator("[role='listbox'] [role='option']")
                    try:
                        await opts.first.wait_for(timeout=3000)
                        n = await opts.count()
                        await opts.nth((7 * i + step) % n).click()
                    except Exception:  # noqa: BLE001 - nothing left to pick in this filter
                        pass
                    await page.keyboard.press("Escape")
                else:  # reset all filters (when some are active)
                    btn = page.get_by_role("button", name="Reset all filters")
                    if await btn.count():
                        await btn.first.click()
                await wait_rerun(page)
                latencies.append(time.perf_counter() - t0)
                if await page.locator("[data-testid='stException']").count():
                    errors.append(f"session {i}: exception shown after step {step}")
                elif "encountered an error" in (await page.locator("body").inner_text()):
                    errors.append(f"session {i}: 'encountered an error' shown after step {step}")
            except Exception as exc:  # noqa: BLE001 - counted as an error
                errors.append(f"session {i} step {step}: {exc.__class__.__name__}: {str(exc)[:160]}")
    finally:
        await ctx.close()


async def drive(base: str, sessions: int, seconds: float, interactions: int) -> dict:
    from playwright.async_api import async_playwright

    out: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        deadline = time.monotonic() + seconds
        budget = [interactions]
        await asyncio.gather(*(session(i, browser, base, deadline, budget, out) for i in range(sessions)))
        await browser.close()
    return out


def _server_pid(pid: int) -> int:
    """The Python server's pid: README's command is ``bash scripts/run.sh``, which execs it (same pid)."""
    return pid


def server_runs(log: list[str]) -> list[tuple[str, float]]:
    """(page, milliseconds) of every run the server logged (``DASHBOARD_RUN page=... ms=...``)."""
    out = []
    for line in log:
        if line.startswith("DASHBOARD_RUN "):
            fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
            try:
                out.append((fields.get("page", "?"), float(fields["ms"])))
            except (KeyError, ValueError):
                continue
    return out


def _by_page(runs):
    out: dict[str, list[float]] = {}
    for page, ms in runs:
        out.setdefault(page, []).append(ms)
    return out


def pct(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--interactions", type=int, default=600, help="total interactions (reruns) across sessions")
    args = ap.parse_args()
    with streamlit_server(extra_env={"DASHBOARD_LOG_RUNS": "1"}, readme_command=True) as server:
        base, proc = server.base, server.proc
        sampler = Sampler(_server_pid(proc.pid))
        sampler.start()
        t0 = time.monotonic()
        result = asyncio.run(drive(base, args.sessions, args.seconds, args.interactions))
        elapsed = time.monotonic() - t0
        time.sleep(2)
        sampler.stop.set()
        sampler.join()
        log = server.log.since()
    runs = server_runs(log)
    tracebacks = [line for line in log if "Traceback" in line or "Uncaught app execution" in line]
    if tracebacks:
        result.setdefault("errors", []).append(f"server logged {len(tracebacks)} traceback(s)")
    lat = result.get("latencies", [])
    mem = sampler.samples
    warm = [m for t, m in mem if t >= elapsed * 0.25]
    growth = (warm[-1] - warm[0]) if len(warm) >= 2 else float("nan")
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "sessions": args.sessions,
        "seconds": round(elapsed, 1), "interactions": len(lat), "errors": result.get("errors", []),
        "latency_median_s": statistics.median(lat) if lat else float("nan"),
        "latency_p95_s": pct(lat, 0.95), "rss_start_mb": mem[0][1] if mem else None,
        "rss_after_warmup_mb": warm[0] if warm else None, "rss_end_mb": mem[-1][1] if mem else None,
        "rss_max_mb": max(m for _, m in mem) if mem else None, "rss_growth_after_warmup_mb": growth,
        "server_runs": len(runs),
        "server_run_median_ms": statistics.median(ms for _, ms in runs) if runs else float("nan"),
        "server_run_p95_ms": pct([ms for _, ms in runs], 0.95),
        "server_run_by_page": {p: {"runs": len(v), "median_ms": statistics.median(v), "p95_ms": pct(v, 0.95)}
                               for p, v in sorted(_by_page(runs).items())},
        "rss_samples": mem,
    }
    (ROOT / "benchmarks" / "load_results.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    lines = ["# Load test", "", f"Latest run: {report['date']}, `bash scripts/load.sh` on this repository's 2-core machine.",
             "", f"- Concurrent real browser sessions (Debian chromium, Playwright): {args.sessions}",
             f"- Duration: {report['seconds']} s; interactions (filter changes, page switches, resets): {report['interactions']}",
             f"- Errors: {len(report['errors'])}" + ("" if not report["errors"] else " (first: " + report["errors"][0] + ")"),
             f"- Time from an interaction to the updated page: median {report['latency_median_s']:.2f} s, 95th percentile {report['latency_p95_s']:.2f} s",
             f"- The server's own run time per rerun (app.py start to end, logged with DASHBOARD_LOG_RUNS=1): "
             f"{report['server_runs']} runs, median {report['server_run_median_ms']:.0f} ms, "
             f"95th percentile {report['server_run_p95_ms']:.0f} ms; the rest of the time to the updated page "
             "is the browsers' (rendering) and the wait for a free core",
             f"- Server memory (RSS): start {report['rss_start_mb']} MB, after warm-up {report['rss_after_warmup_mb']} MB, "
             f"end {report['rss_end_mb']} MB, max {report['rss_max_mb']} MB; growth after warm-up {growth:.1f} MB",
             "", "Server run time by page:", "", "| page | runs | median (ms) | 95th percentile (ms) |", "|---|---|---|---|"]
    lines += [f"| {p} | {v['runs']} | {v['median_ms']:.0f} | {v['p95_ms']:.0f} |" for p, v in report["server_run_by_page"].items()]
    lines += ["", "Memory over time (seconds, MB), every 10th sample:", "", "| t (s) | RSS (MB) |", "|---|---|"]
    lines += [f"| {t} | {m} |" for t, m in mem[::10]]
    (ROOT / "LOAD.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:9]))


if __name__ == "__main__":
    main()
