"""Start the dashboard on a free port and a headless Debian chromium (browser tests, load script)."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


TRACEBACK = re.compile(r"Traceback \(most recent call last\)|Uncaught app execution|Uncaught exception")


class ServerLog(threading.Thread):
    """Reads the server's combined stdout/stderr line by line, so a test can check what it logged.

    Browser tests fail when the server logs a traceback even if the screen
    looked fine (``assert_clean``).
    """

    def __init__(self, proc: subprocess.Popen):
        super().__init__(daemon=True)
        self.proc = proc
        self.lines: list[str] = []
        self._lock = threading.Lock()

    def run(self) -> None:
        for raw in iter(self.proc.stdout.readline, b""):
            with self._lock:
                self.lines.append(raw.decode("utf-8", errors="replace").rstrip("\n"))

    def mark(self) -> int:
        with self._lock:
            return len(self.lines)

    def since(self, mark: int = 0) -> list[str]:
        with self._lock:
            return list(self.lines[mark:])

    def tracebacks(self, mark: int = 0) -> list[str]:
        """The log from the first traceback line after ``mark`` on (empty when there is none)."""
        lines = self.since(mark)
        for i, line in enumerate(lines):
            if TRACEBACK.search(line):
                return lines[i:i + 60]
        return []

    def assert_clean(self, mark: int = 0, context: str = "") -> None:
        tb = self.tracebacks(mark)
        if tb:
            raise AssertionError(f"the server logged a traceback{(' ' + context) if context else ''}:\n" + "\n".join(tb))


class Server:
    """A running dashboard: its base URL, process and log."""

    def __init__(self, base: str, proc: subprocess.Popen, log: ServerLog):
        self.base, self.proc, self.log = base, proc, log

    def __iter__(self):  # ``base, proc = server`` keeps older call sites working
        return iter((self.base, self.proc))


def _wait_healthy(base: str, proc: subprocess.Popen, log: ServerLog, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            time.sleep(0.2)
            raise RuntimeError("streamlit exited: " + "\n".join(log.since()[-40:]))
        if time.monotonic() > deadline:
            raise TimeoutError("streamlit did not become healthy: " + "\n".join(log.since()[-40:]))
        time.sleep(0.3)


@contextlib.contextmanager
def streamlit_server(extra_env: dict | None = None, timeout: float = 120.0, readme_command: bool = False,
                     script: Path | None = None):
    """Run the dashboard on a free port; yield a :class:`Server` (base URL, process, log); stop it afterwards.

    ``readme_command=True`` starts it exactly as README does (``bash scripts/run.sh``,
    the port from ``PORT``); otherwise ``scripts/serve.py`` with this Python.
    ``script`` runs another Streamlit script with plain ``streamlit run`` (the benchmark's bare app).
    The server's output is read by a :class:`ServerLog` thread.
    """
    port = free_port()
    env = dict(os.environ, **(extra_env or {}))
    extra = ["--server.address", "127.0.0.1", "--server.headless", "true"]
    if script is not None:
        cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port), *extra]
    elif readme_command:
        env["PORT"] = str(port)
        cmd = ["bash", str(ROOT / "scripts" / "run.sh"), *extra]
    else:
        cmd = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--server.port", str(port), *extra]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    log = ServerLog(proc)
    log.start()
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, log, timeout)
        yield Server(base, proc, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


IDLE_JS = """() => {
  const busy = document.querySelector('[data-testid="stStatusWidget"]')
    || document.querySelector('[data-testid="stSkeleton"]')
    || document.querySelector('[data-stale="true"]');
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  return !busy && main && main.innerText.trim().length > 0;
}"""


def wait_idle(page, timeout: float = 60000) -> None:
    """Wait until Streamlit has finished its run: no status widget, skeleton or stale element, twice 300 ms apart."""
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE_JS, timeout=timeout)
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE_JS, timeout=timeout)
