"""One rule for text the app did not write (issue 15).

Every string that comes from the data, an upload (cells, file name, sheet
name) or a link reaches the screen either through a widget that shows plain
text (``st.text``, ``st.code``, ``st.dataframe``) or through
:func:`escape_markdown` before it is put into Markdown (``st.markdown``,
``st.caption``, ``st.warning``, headers, labels, help). Pure functions, no
streamlit.

What :func:`escape_markdown` neutralises, as Streamlit's Markdown renders it
(checked in a real browser, ``tests/test_hostile_text.py``):

* every ASCII punctuation character is backslash-escaped (CommonMark allows
  it for all of them): links and images ``[..](..)``, emphasis, code,
  headings, lists, tables, HTML tags and entities (``&#47;``), maths ``$``,
  Streamlit's colour and badge directives ``:red[..]``;
* what escaping alone does not stop: GFM autolinks of bare ``http://``,
  ``www.`` and e-mail addresses, and Streamlit's ``:material/..:`` icons and
  ``:emoji:`` shortcodes, which are matched on the text after escapes are
  resolved. An invisible WORD JOINER (U+2060) is put after every ``:`` and
  ``@`` and inside ``www.``, so none of those patterns can match;
* line breaks and runs of white space become one space (no block structure
  such as indented code or a heading can start inside a value).
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_WWW = re.compile(r"(?i)(www)(\\\.)")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def escape_markdown(value, max_chars: int | None = None) -> str:
    """Text safe to put into Streamlit Markdown: shown literally, never as markup.

    Parameters
    ----------
    value : object
        Anything; ``None`` becomes ``""``.
    max_chars : int, optional
        Cut the (unescaped) text to this many characters, ending with "…".
    """
    if value is None:
        return ""
    text = _CONTROL.sub("", str(value))
    text = " ".join(text.split())
    if max_chars is not None and len(text) > max_chars:
        text = text[: max(max_chars - 1, 0)] + "…"
    text = _PUNCT.sub(r"\\\1", text)
    text = text.replace("\\:", "\\:" + WORD_JOINER).replace("\\@", "\\@" + WORD_JOINER)
    return _WWW.sub(r"\1" + WORD_JOINER + r"\2", text)


def plain(value, max_chars: int | None = None) -> str:
    """Text for a plain-text element (``st.text``, a dataframe cell): control characters removed, one line."""
    if value is None:
        return ""
    text = " ".join(_CONTROL.sub("", str(value)).split())
    if max_chars is not None and len(text) > max_chars:
        text = text[: max(max_chars - 1, 0)] + "…"
    return text


# Fragments that only unescaped, untrusted Markdown can produce (used by the tests that put hostile
# text everywhere and read what the pages would render).
UNSAFE_PATTERNS = {
    "image": re.compile(r"(?<!\\)!(?<!\\)\["),
    "link target": re.compile(r"(?<!\\)\]\("),
    "maths": re.compile(r"(?<!\\)\$"),
    "colour or badge directive": re.compile(r"(?<![\\\w]):[a-z-]+(?<!\\)\["),
    "material icon": re.compile(r"(?<!\\):material/"),
    "autolink": re.compile(r"(?i)(?<!\\)(?:https?:(?!\\)//|www\.)"),
    "e-mail autolink": re.compile(r"[\w.+-](?<!\\)@(?!" + WORD_JOINER + r")\w"),
    "entity": re.compile(r"(?<!\\)&(?:#\d+|#x[0-9a-f]+|[a-z]+);", re.I),
    "emoji shortcode": re.compile(r"(?<![\\\w]):(?!" + WORD_JOINER + r")[a-z0-9_+-]+(?<!\\):(?!" + WORD_JOINER + r")"),
    "html tag": re.compile(r"(?<!\\)<[a-z/!]", re.I),
}


def unsafe_markup(markdown_source: str) -> list[str]:
    """Names of the markup kinds found unescaped in a Markdown source (empty when it is safe)."""
    return [name for name, pattern in UNSAFE_PATTERNS.items() if pattern.search(markdown_source)]


# ---------------------------------------------------------------------------
# Plotly: its text is pseudo-HTML (<b>, <br>, <a href>, entities), so data text is HTML-escaped
# ---------------------------------------------------------------------------

_PLOTLY_DATA_KEYS = {"x", "y", "z", "text", "hovertext", "customdata", "name", "labels", "parents", "ids",
                     "legendgroup", "legendgrouptitle"}
_PLOTLY_LAYOUT_KEYS = {"ticktext", "categoryarray"}


def html_escape(value: str) -> str:
    """``&``, ``<`` and ``>`` as entities: what plotly then shows literally."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_strings(value):
    if isinstance(value, str):
        return html_escape(value)
    if isinstance(value, (list, tuple)):
        return [_escape_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _escape_strings(v) for k, v in value.items()}
    try:  # numpy arrays and pandas objects: escape only arrays of text
        import numpy as np

        if isinstance(value, np.ndarray):
            if value.dtype.kind in ("U", "S", "O"):
                return np.array([_escape_strings(v) for v in value.tolist()], dtype=object)
            return value
    except ImportError:  # pragma: no cover
        pass
    return value


def plotly_safe(figure: dict) -> dict:
    """A plotly figure dict whose data text (categories, names, hover text) cannot become markup.

    Only values that come from data are escaped: the trace arrays and names,
    axis tick texts and category orders. Templates, titles and annotations the
    app writes itself keep their markup.
    """
    out = dict(figure)
    out["data"] = [{k: (_escape_strings(v) if k in _PLOTLY_DATA_KEYS else v) for k, v in trace.items()}
                   for trace in figure.get("data", [])]
    layout = dict(figure.get("layout", {}))
    for name, axis in list(layout.items()):
        if (name.startswith("xaxis") or name.startswith("yaxis")) and isinstance(axis, dict):
            layout[name] = {k: (_escape_strings(v) if k in _PLOTLY_LAYOUT_KEYS else v) for k, v in axis.items()}
    out["layout"] = layout
    return out
