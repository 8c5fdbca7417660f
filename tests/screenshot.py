"""Screenshot a page of the dashboard: python tests/screenshot.py <url_path> <out.png> [query] [width] [height]."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_util import launch_browser, streamlit_server, wait_idle  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402


def main() -> None:
    path, out = sys.argv[1], sys.argv[2]
    query = sys.argv[3] if len(sys.argv) > 3 else ""
    width = int(sys.argv[4]) if len(sys.argv) > 4 else 1440
    height = int(sys.argv[5]) if len(sys.argv) > 5 else 900
    with streamlit_server() as (base, _), sync_playwright() as p:
        browser = launch_browser(p)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(f"{base}/{path.lstrip('/')}" + (f"?{query}" if query else ""))
        wait_idle(page)
        page.wait_for_timeout(1500)
        page.screenshot(path=out, full_page=True)
        browser.close()
    print(out)


if __name__ == "__main__":
    main()
