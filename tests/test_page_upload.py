"""The Upload page through AppTest: upload, validation report, data choice, and the whole app on the upload.

Uploaded files are synthetic (tests/upload_corpus). Expected counts of the
shipped data come from data/*.csv read with the csv module.
"""

from __future__ import annotations

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
    assert at.success and "ok\\_minimal\\.csv loaded\\: 3 patient\\(s\\)\\; no problems found" in at.success[0].value
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
    table = at.dataframe[0].value
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
