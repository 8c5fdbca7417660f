"""The Upload page through AppTest: upload, validation report, data choice, and the whole app on the upload.

Uploaded files are synthetic (tests/upload_corpus). Expected counts of the
shipped data come from data/*.csv read with the csv module.
"""

from __future__ import annotations

import re

import pytest
from apptest_util import page_text, run_app
from conftest import ROOT, read_rows

PAGE = "pages/upload.py"
CORPUS = ROOT / "tests" / "upload_corpus"
GOOD = ("ok_minimal.csv", (CORPUS / "ok_minimal.csv").read_bytes(), "text/csv")  # 3 patients: mas, shlh, dira


def _shipped_cases(condition=None) -> int:
    return sum(1 for r in read_rows(ROOT / "data" / "cases.csv") if condition is None or r["condition"] == condition)


def _sidebar(at) -> str:
    return "\n".join(c.value for c in at.sidebar.caption)


def _plain(text: str) -> str:
    """A message as the user reads it (the page escapes markdown)."""
    return re.sub(r"\\(.)", r"\1", text)


def _table(at, column: str):
    """The page's data table that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _upload(at, file=GOOD, kind="cases"):
    at.file_uploader(key=f"upload_{kind}_file_{at.session_state['upload_nonce'] if 'upload_nonce' in at.session_state else 0}").set_value(file)
    at.run()
    assert not at.exception, at.exception
    return at


def test_page_runs_and_offers_templates_privacy_note_and_a_disabled_choice():
    at = run_app(None, PAGE)
    assert not at.exception, at.exception
    text = page_text(at)
    assert "never written to disk" in text
    labels = [b.label for b in at.main.get("download_button")]
    assert {"Cases template (CSV)", "Labs template (CSV)", "Data dictionary (CSV)"} <= set(labels)
    radio = at.radio(key="upload_choice_radio")
    assert radio.value == "shipped" and radio.disabled
    assert f"{_shipped_cases()} patients" in _sidebar(at)


def test_a_good_upload_becomes_the_active_dataset():
    at = _upload(run_app(None, PAGE))
    assert at.success
    assert _plain(at.success[0].value) == ("ok_minimal.csv loaded: 3 patient(s) (3 cases row(s) read, 3 loaded); "
                                           "no problems found.")
    assert at.session_state["data_choice"] == "upload"
    assert at.radio(key="upload_choice_radio").value == "upload"
    assert "3 patients, 0 cohorts" in _sidebar(at)  # the sidebar counts follow in the same run
    ds = at.session_state["uploaded_dataset"]
    assert list(ds.cases["case_id"]) == ["upload:p1", "upload:p2", "upload:p3"]
    assert at.session_state["upload_token"] == ds.version


def test_both_adds_the_upload_to_the_shipped_data_and_pages_follow():
    at = _upload(run_app({"condition": "mas"}, PAGE))
    at.radio(key="upload_choice_radio").set_value("both")
    at.run()
    assert at.session_state["data_choice"] == "both"
    assert f"{_shipped_cases() + 3} patients" in _sidebar(at)
    at.switch_page("pages/overview.py")
    at.run()
    assert not at.exception
    # the link's filter condition=mas still applies: shipped MAS patients plus the one uploaded MAS patient
    # (the Overview's MAS headline block: "<n> described individually")
    assert f"\n{_shipped_cases('mas') + 1} described individually" in page_text(at)


def test_upload_only_with_a_filter_shows_the_uploaded_patients():
    at = _upload(run_app({"condition": "dira"}, PAGE))
    at.switch_page("pages/overview.py")
    at.run()
    assert "\n1 described individually" in page_text(at)


def test_a_bad_file_gives_a_report_and_keeps_the_previous_upload():
    at = _upload(run_app(None, PAGE))
    before = at.session_state["uploaded_dataset"]
    bad = ("impossible_age.csv", (CORPUS / "impossible_age.csv").read_bytes(), "text/csv")
    at = _upload(at, bad)
    assert at.error and "was not loaded" in at.error[0].value
    assert any("still in use" in w.value for w in at.warning)
    assert at.session_state["uploaded_dataset"] is before
    table = _table(at, "message")
    assert list(table.columns) == ["level", "file", "row", "column", "message"]
    row = table.loc[table["level"] == "error"].iloc[0]
    assert (int(row["row"]), row["column"]) == (4, "age_years")
    assert "above the plausible maximum" in row["message"]
    assert "3 patients" in _sidebar(at)


def test_a_hostile_file_without_a_previous_upload_leaves_the_shipped_data():
    at = _upload(run_app(None, PAGE), ("not_really.xlsx", (CORPUS / "not_really.xlsx").read_bytes(),
                                       "application/octet-stream"))
    assert at.error and "is not an Excel workbook" in at.error[0].value
    assert "uploaded_dataset" not in at.session_state
    assert f"{_shipped_cases()} patients" in _sidebar(at)


def test_file_names_are_shown_literally_not_as_markdown():
    name = "[x](javascript:alert(1))<b>.csv"
    at = _upload(run_app(None, PAGE), (name, GOOD[1], "text/csv"))
    msg = at.success[0].value
    assert "\\[x\\]\\(javascript\\:alert\\(1\\)\\)\\<b\\>\\.csv" in msg


def test_labs_as_a_second_file():
    at = _upload(run_app(None, PAGE), ("ok_cases_plus_labs.csv", (CORPUS / "ok_cases_plus_labs.csv").read_bytes(), "text/csv"))
    at = _upload(at, ("labs.csv", (CORPUS / "ok_labs_for_cases.csv").read_bytes(), "text/csv"), kind="labs")
    assert "2 lab value" in at.success[0].value
    assert len(at.session_state["uploaded_dataset"].labs) == 2


def test_remove_goes_back_to_the_shipped_data():
    at = _upload(run_app(None, PAGE))
    at.button(key="forget_upload").click()
    at.run()
    assert not at.exception
    assert "uploaded_dataset" not in at.session_state
    assert at.session_state["data_choice"] == "shipped"
    assert f"{_shipped_cases()} patients" in _sidebar(at)
    assert at.file_uploader(key="upload_cases_file_1").value is None  # a fresh, empty uploader


def test_empty_filter_result_and_bad_link_values_do_not_break_the_page():
    at = run_app({"year_max": "1990"}, PAGE)
    assert not at.exception
    at = _upload(at)
    assert not at.exception
    at = run_app({"condition": "<script>", "_upload_choice": "zzz"}, PAGE)
    assert not at.exception
    assert at.warning  # the link's bad value is reported


def test_shipped_dataset_is_untouched_by_uploads(shipped):
    import pandas as pd

    before = int(pd.util.hash_pandas_object(shipped.cases.astype(str)).sum())
    at = _upload(run_app(None, PAGE))
    at.radio(key="upload_choice_radio").set_value("both")
    at.run()
    assert int(pd.util.hash_pandas_object(shipped.cases.astype(str)).sum()) == before
    assert "_origin" not in shipped.cases.columns


PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("choice", ["upload", "both"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_an_upload(page, choice):
    # an upload with labs, so lab pages have something to show
    book = (CORPUS / "ok_with_labs.xlsx").read_bytes()
    at = _upload(run_app(None, PAGE), ("ok_with_labs.xlsx", book, "application/octet-stream"))
    if choice == "both":
        at.radio(key="upload_choice_radio").set_value("both")
        at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["data_choice"] == choice


def test_the_report_says_how_each_table_was_read_and_rows_read_and_loaded():
    at = _upload(run_app(None, PAGE), ("ok_decimal_comma.csv", (CORPUS / "ok_decimal_comma.csv").read_bytes(),
                                       "text/csv"))
    tables = _table(at, "read_as")
    assert tables.to_dict("records") == [{
        "file": "ok_decimal_comma.csv", "table": "cases",
        "read_as": "CSV, UTF-8, separated by semicolon (;), decimal comma", "rows_read": 3, "rows_loaded": 3}]
    at = _upload(at, ("xlsx_duplicate_row.xlsx", (CORPUS / "xlsx_duplicate_row.xlsx").read_bytes(), "x"))
    assert "not loaded" in at.error[0].value and "none loaded" in _plain(at.error[0].value)
    assert _table(at, "read_as")["rows_loaded"].tolist() == [0]


@pytest.mark.parametrize("name,loads", [
    ("macro.xlsm", False), ("evil.exe", False), ("cases.csv.xlsm", False), ("x" * 300 + ".xlsb", False),
    ("no_extension", True), ("../../etc/passwd", True),  # no extension: read by its content (a workbook here)
    ("a\x00b.csv", True),  # control characters are dropped from the name; the zip content is read as a workbook
])
def test_any_file_name_gives_a_message_never_an_exception(name, loads):
    # a crafted client can send any name; Streamlit's own type check used to raise "This app has encountered an error"
    book = (CORPUS / "ok_with_labs.xlsx").read_bytes()
    at = _upload(run_app(None, PAGE), (name, book, "application/vnd.ms-excel.sheet.macroEnabled.12"))
    assert not at.exception
    if loads:
        assert at.success and "loaded: 3 patient(s)" in _plain(at.success[0].value)
    else:
        assert at.error and "not supported" in _plain(at.error[0].value)
        assert "uploaded_dataset" not in at.session_state


def test_removing_or_replacing_an_upload_gives_its_memory_back(monkeypatch):
    import lib.upload

    calls = []
    monkeypatch.setattr(lib.upload, "release_memory", lambda: calls.append(1))
    at = _upload(run_app(None, PAGE))
    assert calls == []
    at = _upload(at, ("again.csv", GOOD[1], "text/csv"))  # a replacement
    assert calls == [1]
    at.button(key="forget_upload").click()
    at.run()
    assert calls == [1, 1]
