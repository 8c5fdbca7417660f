"""The one rule for text the app did not write (lib/safe_text.py).

Each payload is a kind of markup that Streamlit's Markdown renders; the test
checks that the detector finds it in the raw payload (so the test can fail)
and finds nothing once the payload is escaped. ``tests/test_hostile_text.py``
checks the same in a real browser.
"""

import pytest

from lib.safe_text import WORD_JOINER, escape_markdown, plain, unsafe_markup

PAYLOADS = {
    "![x](http://HOST/i.png)": "image",
    "![e](http:&#47;&#47;HOST&#47;i.png)": "image",
    "[link](http://HOST/l)": "link target",
    "$$\\LaTeX$$": "maths",
    "cost $5 and $6": "maths",
    ":red[alarm]": "colour or badge directive",
    ":blue-background[x]": "colour or badge directive",
    ":material/home: icon": "material icon",
    "see http://HOST/auto": "autolink",
    "see www.example.com": "autolink",
    "mail me@example.com": "e-mail autolink",
    "&#47; and &amp;": "entity",
    ":streamlit: :smile:": "emoji shortcode",
    "<b>bold</b>": "html tag",
}


@pytest.mark.parametrize("payload, kind", PAYLOADS.items())
def test_payload_is_markup_until_escaped(payload, kind):
    assert kind in unsafe_markup(payload)
    assert unsafe_markup(escape_markdown(payload)) == []


def test_escaping_keeps_the_text_a_reader_sees():
    text = "Ben Gabr 2020 (Ann Transl Med): 2 mg/kg q6h; 50% [n=2] #1 *note* a_b"
    escaped = escape_markdown(text)
    unescaped = escaped.replace(WORD_JOINER, "")
    import re

    assert re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", unescaped) == text


def test_lines_and_control_characters_cannot_start_blocks():
    assert "\n" not in escape_markdown("a\n# heading\n    code")
    assert escape_markdown("x\u202e\u200by") == "xy"
    assert plain("a\n\tb\x00") == "a b"


def test_cutting_happens_before_escaping():
    out = escape_markdown("*" * 50, max_chars=10)
    assert out.count("\\*") == 9 and out.endswith("…")
    assert escape_markdown(None) == "" and plain(None) == ""
