"""Start the dashboard: ``python scripts/serve.py [streamlit options]`` (used by run.sh and the tests).

Why not plain ``streamlit run app.py``: three things a clinician meets are
fixed here, before the server starts (Streamlit 1.67).

1. **Legacy multipage mode.** Streamlit treats an app with a ``pages/``
   folder as a legacy multipage app until ``st.navigation`` has run once in
   the server process. A first visit straight to a page URL (``/labs``) then
   runs the page file without ``app.py`` and shows an empty page. Setting the
   flag before the server starts makes every run go through ``app.py``.
2. **Over-long links.** Streamlit drops a query string of more than 1,000
   values or 512 KiB without a word, so the page silently shows the whole
   dataset. The drop is kept, but the app is told (``_link_too_long=<n>``)
   and says so on screen.
3. **Addresses with extra path segments** (``/cases/x/y``) get Streamlit's
   index page with relative asset paths that no longer resolve: a blank page.
   They are redirected to their first segment (``/cases``) with
   ``_from_path`` so the page says what happened.
"""

import sys
from pathlib import Path
from urllib.parse import quote, urlencode

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parent.parent / "app.py"

# Path segments of Streamlit's own routes and assets (the front end also probes "<path>/_stcore/health"
# while it looks for the base path), never part of a page address.
_RESERVED = {"_stcore", "static", "media", "component", "app", "vendor", "~", "-", "auth", "oauth2callback"}


def _patch_query_limit() -> None:
    from streamlit.runtime import app_session
    from streamlit.runtime.state import query_params

    original = query_params.sanitize_query_string

    def sanitize(query_string: str) -> str:
        kept = original(query_string)
        if query_string and not kept:
            return urlencode({"_link_too_long": str(len(query_string))})
        return kept

    app_session.sanitize_query_string = sanitize


class _NearestPage:
    """ASGI middleware: ``GET /page/extra/segments?q`` → 307 to ``/page?q&_from_path=/page/extra/segments``."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") == "http" and scope.get("method") in ("GET", "HEAD"):
            path = scope.get("path", "")
            parts = [p for p in path.split("/") if p]
            if len(parts) >= 2 and not _RESERVED.intersection(parts) and "." not in parts[-1]:
                query = scope.get("query_string", b"").decode("latin-1")
                extra = urlencode({"_from_path": path[:200]})
                location = "/" + quote(parts[0]) + "?" + (query + "&" if query else "") + extra
                await send({"type": "http.response.start", "status": 307,
                            "headers": [(b"location", location.encode("latin-1")), (b"content-length", b"0")]})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)


def _patch_nearest_page() -> None:
    from starlette.middleware import Middleware
    from streamlit.web.server.starlette import starlette_app

    original = starlette_app.create_streamlit_middleware

    def create_streamlit_middleware():
        return [Middleware(_NearestPage), *original()]

    starlette_app.create_streamlit_middleware = create_streamlit_middleware


if __name__ == "__main__":
    PagesManager.uses_pages_directory = False
    _patch_query_limit()
    _patch_nearest_page()
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    sys.exit(cli.main())
