"""Structure checks: pages registered, streamlit confined to lib/ui.py, no raw HTML, settings."""

from __future__ import annotations

import ast
import re
import tomllib

from conftest import ROOT


def _sources(folder):
    return sorted((ROOT / folder).rglob("*.py"))  # rglob: lib/stats/ is a package


def test_every_page_file_is_registered_in_app():
    app = (ROOT / "app.py").read_text()
    for page in _sources("pages"):
        assert f'"pages/{page.name}"' in app, f"{page.name} is not in app.py's navigation"


def test_only_the_ui_bridge_imports_streamlit_in_lib():
    for path in _sources("lib"):
        tree = ast.parse(path.read_text())
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        if path != ROOT / "lib" / "ui.py":
            assert "streamlit" not in names, f"{path.relative_to(ROOT)} imports streamlit"


def test_no_raw_html_anywhere():
    """No raw HTML, except the app's own style sheet: one ``st.html(_STYLE)`` of a constant string."""
    import ast

    pattern = re.compile(r"unsafe_allow_html\s*=\s*True|st\.html\(|components\.html\(")
    allowed = "st.html(_STYLE)"
    for path in _sources("pages") + _sources("lib") + [ROOT / "app.py"]:
        text = path.read_text()
        if path == ROOT / "lib" / "ui.py":
            assert text.count(allowed) == 1
            text = text.replace(allowed, "")
            style = [n.value for n in ast.parse(path.read_text()).body
                     if isinstance(n, ast.Assign) and [getattr(t, "id", "") for t in n.targets] == ["_STYLE"]]
            assert len(style) == 1 and isinstance(style[0], ast.Constant), "_STYLE must be a constant string"
            css = style[0].value
            assert css.startswith("<style>") and css.rstrip().endswith("</style>") and css.count("<") == 2, \
                "_STYLE holds a style sheet and nothing else"
            assert not re.search(r"url\(|@import|expression\(", css), "the style sheet fetches nothing"
        assert not pattern.search(text), f"{path.name} renders raw HTML"


def test_pages_compute_no_statistics():
    """Pages compose: no groupby, no scipy/statsmodels, no file reads."""
    banned = re.compile(r"\.groupby\(|import scipy|from scipy|statsmodels|read_csv\(|open\(")
    for path in _sources("pages"):
        assert not banned.search(path.read_text()), f"{path.name} computes or reads files itself"


def test_streamlit_config_protects_a_deployment():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["server"]["enableXsrfProtection"] is True
    assert 0 < cfg["server"]["maxUploadSize"] <= 50
    assert cfg["client"]["showErrorDetails"] in ("none", False)


def test_requirements_are_pinned():
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#") or line.startswith("-r"):
                continue
            assert "==" in line, f"{name}: {line} is not pinned"
    streamlit = [l for l in (ROOT / "requirements.txt").read_text().splitlines() if l.startswith("streamlit==")]
    major, minor = map(int, streamlit[0].split("==")[1].split(".")[:2])
    assert (major, minor) >= (1, 61)


def test_readme_has_two_setup_commands_and_documents_every_url_key():
    from lib.filters import FILTER_KEYS
    readme = (ROOT / "README.md").read_text()
    assert "bash scripts/run.sh" in readme and "bash scripts/test.sh" in readme
    for key in FILTER_KEYS:
        assert f"`{key}`" in readme, f"URL key {key} is not documented in README"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in ci


def _view_keys_used() -> dict[str, set[str]]:
    """Every view-option key a page passes to ui.view_option / ui.view_text, by page file."""
    used: dict[str, set[str]] = {}
    for path in _sources("pages"):
        keys = set(re.findall(r'view_(?:option|text)\(\s*"([a-z_]+)"', path.read_text()))
        if keys:
            used[path.stem] = keys
    return used


def test_every_page_view_option_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text()
    keys = set().union(*_view_keys_used().values())
    assert keys, "no view options found"
    for key in sorted(keys):
        assert f"`_{key}`" in readme, f"view option _{key} is not documented in README"


def test_every_page_view_option_is_registered_with_its_page():
    """The link checker (lib.filters.VIEW_KEYS) knows every view option and the page it belongs to."""
    from lib.filters import VIEW_KEYS

    app = (ROOT / "app.py").read_text()
    for page, keys in _view_keys_used().items():
        m = re.search(rf'"pages/{page}\.py"[^)]*url_path="([a-z]*)"', app)
        path = m.group(1) if m else page
        if re.search(rf'"pages/{page}\.py"[^)]*default=True', app):
            path = ""
        for key in keys:
            assert key in VIEW_KEYS, f"view option {key} of pages/{page}.py is not in lib.filters.VIEW_KEYS"
            assert VIEW_KEYS[key] == path, f"VIEW_KEYS says {key} belongs to {VIEW_KEYS[key]!r}, not {path!r}"


def test_the_server_is_started_through_serve_py():
    """README's command and the tests start scripts/serve.py (legacy pages mode, long links, odd paths)."""
    run = (ROOT / "scripts" / "run.sh").read_text()
    assert "scripts/serve.py" in run
