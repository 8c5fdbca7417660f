"""Normalise round 1 of the screening log (``data/screening.csv``).

Round 1 (334 look-ups, all run on 2026-11-23 by five curation passes) was
logged in free text: about 540 different reason labels, "already seen" records
counted among the exclusions, ``records_new`` left empty by three passes, and
cells such as ``Children 2022;9(4):564`` that break a naive ``;``/``:`` split.
This script turns every round-1 row into the accounting the methods page's
flow relies on:

* ``records_found`` >= ``records_new``; ``screened`` = ``records_new`` (a
  record is screened once; repeats of earlier look-ups are not re-screened);
  ``included`` + ``excluded`` = ``screened``; the counts in
  ``exclusion_reasons`` (``code: n; code: n`` with codes from
  ``lib.schema.EXCLUSION_REASONS``) add up to ``excluded``.
* ``round`` = 1, ``pass_name`` from the query id's prefix, ``seq`` = order of
  the look-up in round 1.
* Nothing is lost: ``note`` keeps the row's own note and then the counts and
  reason text as first logged.

How the logged labels are read
------------------------------
* ``REASON_CODES`` below maps every logged label to a reason code, or to
  ``REPEAT``: a record met before (already seen / included / listed, seen
  before, repeat, "again", verification re-reads, records handed to another
  pass or on the start list of another pass). Repeats are not exclusions: they
  make up ``records_found - records_new``.
* A label naming several reasons ("reviews/no anakinra") takes the first-named.
* Each record is counted as new once. Where a pass logged ``records_new``
  (dira, hcoh) the logged number stands; its reasons often also describe
  records met before, and the new ones are then the first ones in the order
  the reasons were logged, unless the row or a later row names them (then a
  hand reading says which). Where a pass left ``records_new`` empty (mas,
  shlh, round2) it is ``records_found`` minus the repeats the row names.
* A record held for a later check ("held", "to check", "followed up next")
  is counted at the look-up that decided it, and is a repeat where it was
  held, unless the logged ``records_new`` counted it where it was held (then
  it is counted there, under the reason found later). A held record that was
  added later from the same record ("first seen in q009") is counted as
  included where it was first met.
* A record first included and later left out (the Kerin case, an SHM
  abstract, khawaja2016) is counted where it was included, under the reason
  it was left out for: ``included`` adds up to the publications kept.
* ``HAND_READINGS`` holds the rows whose cell cannot be parsed, whose logged
  numbers do not add up, or whose records are counted at another look-up by
  the rules above; each says why, and the note repeats it. The script stops
  on a label it does not know or on a row that does not add up, so nothing
  is guessed silently.
* Records another pass had met are repeats only where the row says so
  ("screened by mas", "left to hcoh", "start-list cohort"); the round2 pass
  re-met some records of the topic passes without saying so, and those count
  as new there.

Usage
-----
``python scripts/normalise_screening.py``
    Normalise the rows whose ``round`` is empty and check every row. Rows
    already normalised are left as they are (running it again changes nothing).
``python scripts/normalise_screening.py --source FILE``
    Rebuild round 1 from a copy of the log as first written, keeping the rows
    of later rounds, e.g. ``git show ed17ecf:data/screening.csv > /tmp/r1.csv``.
``python scripts/normalise_screening.py --rebuild``
    Rebuild round 1 from the log as first written, which every round-1 row's
    ``note`` keeps (after a change to ``REASON_CODES`` or ``HAND_READINGS``).
``python scripts/normalise_screening.py --check``
    Only check; exit status 1 when a row does not add up.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib import schema  # noqa: E402
from lib.data import read_csv_strings, validate_table  # noqa: E402

SCREENING_CSV = ROOT / "data" / "screening.csv"
REPEAT = "REPEAT"
ROUND = 1
# The four topic passes ran side by side; round2 followed them up (its rows
# cite what the dira, hcoh, mas and shlh passes screened), so it comes last.
PASS_ORDER = ("dira", "hcoh", "mas", "shlh", "round2")

# ---------------------------------------------------------------------------
# Logged label -> reason code (or REPEAT). One line per label, with the first
# look-up that logged it (and how many more did).
# ---------------------------------------------------------------------------
REASON_CODES: dict[str, str] = {
    "duplicate copy of an included paper": "duplicate_publication",  # dira-q001
    "not a publication (patient information/encyclopedia)": "not_a_publication",  # dira-q001 +1
    "no anakinra (genetics-only abstract, Khattab QFARF 2010)": "no_anakinra",  # dira-q001
    "held for full text (Urbaneja 2024)": REPEAT,  # dira-q001
    "already seen": REPEAT,  # dira-q002 +105
    "not a publication (gene summary)": "not_a_publication",  # dira-q002
    "duplicate copy": "duplicate_publication",  # dira-q002 +2
    "not DIRA (other anakinra indications/HLH/MAS)": "not_dira_or_hlh",  # dira-q003
    "not a publication": "not_a_publication",  # dira-q003 +7
    "not a publication (patient information pages)": "not_a_publication",  # dira-q005 +2
    "not DIRA": "not_dira_or_hlh",  # dira-q006 +5
    "duplicate copy of the same review (preprint, PubMed mirror, mdpi)": "duplicate_publication",  # dira-q007
    "review without anakinra figures in abstract (Barros 2024/25)": "review_no_new_patients",  # dira-q007
    "not a publication (insurer policy)": "not_a_publication",  # dira-q008 +1
    "conference abstract without year/authors visible (ACR rilonacept DIRA abstract)": "not_identifiable",  # dira-q008
    "anakinra not mentioned in readable text (Jesus 2011 abstract truncated; Jesus 2010 ACR abstract)": "no_anakinra",  # dira-q009
    "review without patients": "review_no_new_patients",  # dira-q009
    "held (Turkey poster P181)": REPEAT,  # dira-q009
    "duplicate": "duplicate_publication",  # dira-q009 +3
    "not a publication (Dutch patient information pages)": "not_a_publication",  # dira-q010
    "author line not shown on the Wiley page (added after author check)": REPEAT,  # dira-q011
    "no anakinra (adalimumab/canakinumab only, Hindawi 2019 late-onset DIRA)": "no_anakinra",  # dira-q013
    "encyclopedia entry (DR3, preview only, no patient data)": "not_a_publication",  # dira-q014
    "review without pooled anakinra figures (updated DIRA review, 33 patients)": "review_no_new_patients",  # dira-q014
    "review without patients (Henderson 2010)": "review_no_new_patients",  # dira-q015
    "review without patient data": "review_no_new_patients",  # dira-q016 +2
    "not DIRA (DITRA)": "not_dira_or_hlh",  # dira-q016 +1
    "systematic review without anakinra figures (Barros, Arch Rheumatol)": "review_no_new_patients",  # dira-q017
    "review without DIRA data": "review_no_new_patients",  # dira-q017
    "not a publication (wiki/encyclopedia copies)": "not_a_publication",  # dira-q018
    "review without DIRA patients": "review_no_new_patients",  # dira-q019
    "not DIRA (off-label neonatal anakinra series excluding DIRA; DITRA)": "not_dira_or_hlh",  # dira-q020
    "reviews without DIRA patient data": "review_no_new_patients",  # dira-q020
    "anakinra not mentioned in readable text (Sakran 2013 letter, Israel)": "no_anakinra",  # dira-q022
    "not a publication (OMIM copy)": "not_a_publication",  # dira-q022
    "reviews": "review_no_new_patients",  # dira-q022 +19
    "anakinra not visible in the readable part (Sakran 2013)": "no_anakinra",  # dira-q024
    "reviews without DIRA patients": "review_no_new_patients",  # dira-q024
    "reviews (DITRA, cutaneous autoinflammatory)": "review_no_new_patients",  # dira-q025
    "not DIRA (national IL-1 inhibitor surveys/reviews with other diseases)": "not_dira_or_hlh",  # dira-q026
    "Dutch review without DIRA patients": "review_no_new_patients",  # dira-q027
    "not a publication (drug label/insurer policy/patient leaflet)": "not_a_publication",  # dira-q029
    "not a publication (encyclopedia entry)": "not_a_publication",  # dira-q031
    "not DIRA (IL36RN/pustular psoriasis)": "not_dira_or_hlh",  # dira-q032
    "reviews without patient data": "review_no_new_patients",  # dira-q033
    "news feature without patient data": "not_a_publication",  # dira-q034
    "imaging review without anakinra-treated DIRA patient data (Alsharief 2020)": "review_no_new_patients",  # dira-q036
    "not a publication (disease database)": "not_a_publication",  # dira-q038
    "encyclopedia copy": "not_a_publication",  # dira-q039
    "review without authors/year/pooled anakinra figures visible (updated DIRA review, 33 patients)": "review_no_new_patients",  # dira-q040
    "conference abstract without year/authors on the page (ACR rilonacept in DIRA; 6 patients on anakinra, mean 3.21 mg/kg/day; overlaps garg2017)": "not_identifiable",  # dira-q043
    "not DIRA (mixed paediatric anakinra cohort without DIRA, reviews)": "not_dira_or_hlh",  # dira-q044
    "already included (verification re-read)": REPEAT,  # dira-q046 +2
    "not DIRA (DITRA, IL36RN poster)": "not_dira_or_hlh",  # dira-q046
    "not DIRA (Still disease/AOSD/other anakinra papers)": "not_dira_or_hlh",  # dira-q047
    "not a publication (immunology notes; AI-generated disease summary)": "not_a_publication",  # dira-q056
    "not a publication (patient information/encyclopedia pages)": "not_a_publication",  # dira-q050
    "not a publication / guideline summaries / gene pages without patients": "not_a_publication",  # dira-q052
    "already included": REPEAT,  # dira-q053 +21
    "not a publication (French patient information/encyclopedia pages)": "not_a_publication",  # dira-q054
    "review without DIRA patient data (Reumatol Clin 2010)": "review_no_new_patients",  # dira-q057
    "not DIRA (DRESS letter, pustular psoriasis, IL-1 review)": "not_dira_or_hlh",  # dira-q061
    "canakinumab/adalimumab only, never anakinra (Ulusoy 2015; Hindawi 2019)": "no_anakinra",  # dira-q061
    "not DIRA (DITRA scoping review; IL36RN poster)": "not_dira_or_hlh",  # dira-q063
    "not a publication (Dutch patient information)": "not_a_publication",  # dira-q064
    "already seen/included": REPEAT,  # dira-q064
    "duplicate page of same paper": "duplicate_publication",  # mas-q006
    "no anakinra (Bichon ICU HLH cohort, 2 copies)": "no_anakinra",  # hcoh-q002
    "no anakinra figures in readable text (Bichon ICU-HLH, 3 copies; Kapoor ICU HLH; Royal Marsden ICI-HLH)": "no_anakinra",  # hcoh-q003
    "review/protocol without patient figures (scite Regions protocol, Spanish MAS review)": "review_no_new_patients",  # hcoh-q004
    "handled in later queries (Charlesworth, Miettunen)": REPEAT,  # hcoh-q004
    "trial registration without results (NCT02780583)": "not_a_publication",  # hcoh-q004
    "duplicate page": "duplicate_publication",  # hcoh-q004 +3
    "single case report (kidney transplant HLH, PMC5815798; left to case-report groups)": REPEAT,  # hcoh-q006
    "no anakinra (Salvadoran reactive HLH series)": "no_anakinra",  # hcoh-q006
    "results section truncated in all copies (Shakoory: 3 copies)": "no_patient_data",  # hcoh-q008
    "editorial/perspective (Taccone JTD editorial with internally inconsistent counts; Siegler perspective)": "review_no_new_patients",  # hcoh-q008
    "not HLH (sepsis hyperinflammation review)": "not_dira_or_hlh",  # hcoh-q008
    "COVID-19 without HLH diagnosis (SAVE eLife figures; Kyriazopoulou IPD meta-analysis; PMC7980530 table)": "not_dira_or_hlh",  # hcoh-q010
    "METAPHOR SLR (only section headings visible, no anakinra figures)": "review_no_new_patients",  # hcoh-q011
    "sJIA hepatitis on anakinra without MAS (Canna 2009)": "not_dira_or_hlh",  # hcoh-q011
    "Chinese mirror of SR abstract": "duplicate_publication",  # hcoh-q011
    "no anakinra-treated HLH (HBD+DIC septic shock biomarker cohort; 1994 rhIL-1ra sepsis trial citation; sepsis trial methods pages)": "no_anakinra",  # hcoh-q012
    "narrative reviews without pooled anakinra figures (Spanish MAS review, Indian MAS review, anakinra off-label paediatric review PMC7580132, anakinra non-cancer review x2, sJIA CSS chapter)": "review_no_new_patients",  # hcoh-q013
    "duplicate records of same paper": "duplicate_publication",  # hcoh-q014
    "single case report (Kerin Slovenian sJIA-MAS; left to case-report groups)": REPEAT,  # hcoh-q014
    "review no anakinra figures (Balkan Med J HLH review; Spanish review; Indian review)": "review_no_new_patients",  # hcoh-q014
    "mixed-treatment MAS cohort without anakinra-specific outcome (Turkish sJIA-MAS 10 pts, anakinra in 5)": "no_patient_data",  # hcoh-q014
    "no anakinra (Chinese non-malignant sHLH children, etoposide-based)": "no_anakinra",  # hcoh-q015
    "Imperial College anakinra-HLH abstract (scite author page) lacks title and year, not added": "not_identifiable",  # hcoh-q018
    "sJIA registry without MAS-specific anakinra figures in readable text (German AID-registry, PMC7986520)": "not_dira_or_hlh",  # hcoh-q021
    "reviews without patient data (Czech sJIA review, anakinra paediatric review)": "review_no_new_patients",  # hcoh-q021
    "sJIA hepatitis report (no MAS)": "not_dira_or_hlh",  # hcoh-q021
    "already included by another group (Padova IV anakinra series PMID 36623798, mas group jbspin2023)": REPEAT,  # hcoh-q022
    "AOSD without MAS-specific anakinra data (Italian consensus, Turkish AOSD biologics cohort, AOSD meta-analysis, reviews/guidelines/reference lists)": "not_dira_or_hlh",  # hcoh-q022
    "COVID-19 HLH epidemiology/reviews without anakinra-treated group (Meng risk factors x2, Opoka-Winiarska review, Lorenz ICU cohort, PMC7778844 review, PMC10101193 review)": "no_anakinra",  # hcoh-q024
    "sJIA reviews/cohorts without MAS-specific anakinra figures (Albaker review x2, GOSH sJIA cohort PMC10536248, Swiss SoJIA review, textbook reference list)": "not_dira_or_hlh",  # hcoh-q025
    "mixed-disease anti-IL-1 surveys without MAS/HLH-specific figures in readable abstract (Rossi-Semerano OJRD x2, its 2013 meeting abstract, Italian IL-1 inhibitor snapshot)": "not_dira_or_hlh",  # hcoh-q026
    "reviews/AOSD retention cohort without HLH": "not_dira_or_hlh",  # hcoh-q026
    "QI guideline paper without anakinra outcome figures in abstract (Halyabar 2019, 2 copies)": "review_no_new_patients",  # hcoh-q027
    "reviews (Wobma cell-therapy HLH review, MAS cytokine review)": "review_no_new_patients",  # hcoh-q027
    "Chinese multicentre anakinra HLH abstract (18 pts; starting list H14) returned without address, title, authors or year - not traceable, not added": "not_identifiable",  # hcoh-q028
    "no anakinra (Beijing unknown-etiology HLH, Shanxi autoimmune HPS, Shandong adult vs child HLH, AKI-HLH review)": "no_anakinra",  # hcoh-q028
    "reviews/case studies without anakinra cohort (Blood Adv malignancy-HLH review with 2 cases, Cancers mHLH review)": "review_no_new_patients",  # hcoh-q029
    "KD anakinra without MAS-specific aggregate (Ferrara KD review x2, Greek infant KD case, KD guideline review x2)": "not_dira_or_hlh",  # hcoh-q030
    "single KD-MAS case reports left to case groups (Shafferman 2014 already in mas group; SHM abstract C8)": REPEAT,  # hcoh-q030
    "paediatric anakinra review": "review_no_new_patients",  # hcoh-q030
    "SLE-MAS case without anakinra (cyclophosphamide, Reumatol Clin)": "no_anakinra",  # hcoh-q031
    "reviews/SLR fragments without extractable anakinra figures (METAPHOR SLR, MAS cytokine review, sJIA CSS chapter)": "review_no_new_patients",  # hcoh-q031
    "AOSD without MAS-specific anakinra aggregate (AOSD anakinra meta-analysis x2, Adis anakinra Still review, AOSD chapter, AOSD review)": "not_dira_or_hlh",  # hcoh-q033
    "national HLH epidemiology abstract without anakinra group (England NCARDRS 2003-2018, no address)": "no_anakinra",  # hcoh-q034
    "no anakinra-treated group (hyperferritinemic sepsis network causal inference study; Carcillo CSS chapter)": "no_anakinra",  # hcoh-q035
    "reviews without pooled anakinra figures (Henderson & Cron paediatric MAS review PMC7334831; Eloseily & Cron MAS chapter)": "review_no_new_patients",  # hcoh-q036
    "Pediatr Rheumatol 2020 hyperferritinemic-syndrome anakinra article with only background visible (no figures, title not shown)": "no_patient_data",  # hcoh-q037
    "COVID-19 without source HLH/MAS diagnosis (Kyriazopoulou IPD meta-analysis; Huet Ana-COVID cohort)": "not_dira_or_hlh",  # hcoh-q039
    "ESCAPE trial - anakinra group mixes MALS (ferritin>4420, a MAS-like label, not MAS/HLH diagnosis) with CID patients, no MALS-only anakinra figures in abstract": "not_dira_or_hlh",  # hcoh-q039
    "tocilizumab only (Oliynyk COVID CSS subtypes)": "no_anakinra",  # hcoh-q039
    "CADTH rapid review project page - only a narrative key message (1 retrospective adult cohort suggested lower 28-day mortality), no figures or year visible": "review_no_new_patients",  # hcoh-q040
    "duplicate pages of same evidence summary (SPS summary, NICE key messages, repeated chapter)": "duplicate_publication",  # hcoh-q041
    "French reviews/guidelines without anakinra-treated group (CEREDIH guideline, Michot review, Papo chapter, Larroche review, Karras review, thesis chapter, ferritin review)": "review_no_new_patients",  # hcoh-q042
    "Spanish reviews/case reports without anakinra (Gac Med Mex review, An Pediatr sJIA-MAS ICU report x2, Colombian EBV-HLH case, encyclopaedia pages x2)": "no_anakinra",  # hcoh-q043
    "Baverez full-text reference list page (mdpi) - same paper": "duplicate_publication",  # hcoh-q044
    "anakinra in renal transplantation without HLH (Radboud case series)": "not_dira_or_hlh",  # hcoh-q045
    "Vicenzi letter (authorea preprint, 2 copies): publication year not visible, not added": "not_identifiable",  # hcoh-q046
    "already seen/other": REPEAT,  # hcoh-q046
    "no anakinra-treated group (T-cell EBV-HLH Atlanta cohort; EBV-HLH review; RA-vasculitis HLH case; Chinese non-malignant sHLH)": "no_anakinra",  # hcoh-q047
    "PubMed mirror of sonmez2018 (gave PMID 29663156)": "duplicate_publication",  # hcoh-q048
    "carHLH/IEC-HS cohorts or reviews without anakinra-specific aggregate in readable text (Lichtenstein CD22 carHLH x2, Hines CD19 carHLH, CAR-T toxicity reviews x3)": "no_patient_data",  # hcoh-q049
    "left to shlh group (holds porter2022/lee2022)": REPEAT,  # hcoh-q049
    "clinical Q&A page without patient data (droracle)": "not_a_publication",  # hcoh-q051
    "same 2008 abstract on BMC page (title now visible; used to correct pedrheum2008s13)": "duplicate_publication",  # hcoh-q052
    "Shanghai PICU HLH-CRRT cohort without anakinra": "no_anakinra",  # hcoh-q053
    "Rajasekaran metajournal copy (confirms author list)": "duplicate_publication",  # hcoh-q053
    "already seen (incl. Imperial abstract on scite without title/year)": REPEAT,  # hcoh-q055
    "already seen (Merchant repository abstract: year not visible)": REPEAT,  # hcoh-q058
    "symposium proceedings without patient data (NextGen SJIA/MAS 2022)": "review_no_new_patients",  # hcoh-q059
    "review without individual anakinra patients": "review_no_new_patients",  # mas-q001
    "review/no anakinra case": "review_no_new_patients",  # mas-q002
    "other rheumatic case seen (Baresic AOSD-MAS, kept for later)": REPEAT,  # mas-q002
    "review": "review_no_new_patients",  # mas-q003 +33
    "review/registry without individual MAS anakinra patients": "review_no_new_patients",  # mas-q005
    "B1 cohort left to group hcoh (Miettunen letter)": REPEAT,  # mas-q005
    "no anakinra (cyclophosphamide SLE-MAS case)": "no_anakinra",  # mas-q006
    "KD case without stated MAS (to check)": REPEAT,  # mas-q007
    "already listed (Shafferman page)": REPEAT,  # mas-q007
    "KD case without stated MAS": "not_dira_or_hlh",  # mas-q008
    "AOSD reviews/cohorts without MAS patients described": "not_dira_or_hlh",  # mas-q009
    "review/book chapter": "review_no_new_patients",  # mas-q010
    "to check (Pediatr Rheumatol 2015 sJIA-MAS page)": "other",  # mas-q010
    "sJIA-MAS case without anakinra in visible text (IL-18 marker case)": "no_anakinra",  # mas-q011
    "anakinra hepatitis in sJIA (not MAS)": "not_dira_or_hlh",  # mas-q011
    "B1 cohorts left to group hcoh (Monteagudo, Phadke, Demir)": REPEAT,  # mas-q012
    "no anakinra stated in visible text": "no_anakinra",  # mas-q013
    "AOSD without MAS/HLH": "not_dira_or_hlh",  # mas-q014
    "B1 cohort (hcoh)": REPEAT,  # mas-q014
    "B1 cohorts left to hcoh": REPEAT,  # mas-q015
    "review/protocol": "review_no_new_patients",  # mas-q016
    "sJIA-MAS case with no anakinra in visible text": "no_anakinra",  # mas-q016
    "held by other groups (Nusshag transplant HLH in shlh; Baverez, Monteagudo, Merchant B1 cohorts for hcoh)": REPEAT,  # mas-q017
    "no anakinra": "no_anakinra",  # mas-q017 +14
    "RA-vasculitis HLH to check": REPEAT,  # mas-q017
    "RA-vasculitis HLH case: anakinra not stated in visible abstract": "no_anakinra",  # mas-q018
    "other groups": REPEAT,  # mas-q018
    "book chapter": "review_no_new_patients",  # mas-q018
    "MIS-C without MAS/HLH diagnosis": "not_dira_or_hlh",  # mas-q019
    "KD case without MAS (Anagnostopoulou) seen before": REPEAT,  # mas-q019
    "MAS vs MIS-C two-patient paper to check": REPEAT,  # mas-q019
    "MIS-C without anakinra-treated MAS described in visible text": "no_anakinra",  # mas-q020
    "seen before": REPEAT,  # mas-q020 +15
    "JDM-MAS case without anakinra stated (died)": "no_anakinra",  # mas-q021
    "AOSD without MAS/anakinra": "not_dira_or_hlh",  # mas-q023 +1
    "AOSD-MAS treated with tocilizumab (no anakinra)": "no_anakinra",  # mas-q023
    "AOSD without anakinra-treated MAS": "not_dira_or_hlh",  # mas-q024
    "AOSD-MAS treated with ciclosporin (no anakinra)": "no_anakinra",  # mas-q024
    "The Rheumatologist case text not visible": "no_patient_data",  # mas-q024
    "AOSD after vaccine without MAS": "not_dira_or_hlh",  # mas-q025
    "review/chapter": "review_no_new_patients",  # mas-q025 +3
    "AOSD-MAS after BNT162b2 (Muench 2021) treatment not visible, checked next": REPEAT,  # mas-q025
    "Muench 2021 AOSD-MAS: anakinra not stated in visible abstract (2 pages)": "no_anakinra",  # mas-q026
    "JIA-MAS with SARS-CoV-2 (Akturk 2021) treatment not visible, checked next": REPEAT,  # mas-q027
    "Akturk 2021 anakinra not stated in visible text (2 pages)": "no_anakinra",  # mas-q028
    "B1 cohorts (hcoh)": REPEAT,  # mas-q029
    "sJIA cohort (GOSH) without per-patient MAS anakinra data": "no_patient_data",  # mas-q030
    "KD-MAS series without anakinra stated (China)": "no_anakinra",  # mas-q031
    "KD without MAS/review": "not_dira_or_hlh",  # mas-q032
    "duplicate pages of same SLR": "duplicate_publication",  # mas-q033
    "review without anakinra figures": "review_no_new_patients",  # mas-q033
    "HTA review (CADTH, B2, left to others)": REPEAT,  # mas-q033
    "other": "other",  # mas-q033
    "B1 cohort H9 (Sönmez 2018) left to group hcoh (4 pages)": REPEAT,  # mas-q034
    "sJIA cohort without per-patient anakinra-MAS data": "no_patient_data",  # mas-q035
    "held by group shlh (Yip 2020, Nusshag 2017)": REPEAT,  # mas-q036
    "HLH in pregnancy without anakinra": "no_anakinra",  # mas-q036
    "RA-HLH case (no anakinra visible)": "no_anakinra",  # mas-q036
    "AOSD-MAS in pregnancy case-based review to check": REPEAT,  # mas-q036
    "Wise & Zell 2023 AOSD-MAS in pregnancy: agent given to each patient not stated in visible text (anti-IL1 therapy mentioned generally)": "no_patient_data",  # mas-q037
    "canakinumab case report (anakinra use per patient not visible)": "no_anakinra",  # mas-q039
    "B1 cohort Demir (hcoh)": REPEAT,  # mas-q039
    "registry/review": "review_no_new_patients",  # mas-q039
    "AOSD-MAS case with unspecified IL-1 blockade then tocilizumab (anakinra not named)": "no_anakinra",  # mas-q040
    "guideline/review/encyclopedia": "review_no_new_patients",  # mas-q040
    "review/guideline/teaching text": "review_no_new_patients",  # mas-q041
    "AOSD without MAS or without anakinra": "not_dira_or_hlh",  # mas-q042
    "seen before / B1 cohorts held by hcoh": REPEAT,  # mas-q043
    "genetic autoinflammatory disease reviews/genetics papers without anakinra-treated patients in visible text": "review_no_new_patients",  # mas-q044
    "AOSD after COVID without MAS/anakinra in visible text": "not_dira_or_hlh",  # mas-q045
    "review/cohort without anakinra MAS patients": "review_no_new_patients",  # mas-q045
    "review/teaching": "review_no_new_patients",  # mas-q046 +2
    "adult MAS case without anakinra visible": "no_anakinra",  # mas-q046
    "ACR 2014 AOSD-MAS abstract (Lenert) to read further": "no_patient_data",  # mas-q046
    "registry/diagnosis abstracts without anakinra-treated MAS patients": "no_anakinra",  # mas-q048
    "guideline/review/symposium": "review_no_new_patients",  # mas-q048
    "FMF reviews/FMF anakinra case without MAS": "not_dira_or_hlh",  # mas-q049
    "FMF-MAS case without anakinra in visible text": "no_anakinra",  # mas-q049
    "AOSD-MAS treated with steroids only / anakinra not given or unavailable": "no_anakinra",  # mas-q050
    "SHM abstract AOSD-MAS with anakinra (year not shown)": "not_identifiable",  # mas-q050
    "review/guideline/encyclopedia/AOSD cohorts": "review_no_new_patients",  # mas-q051
    "AOSD-HLH cases without anakinra (2 duplicate pages)": "no_anakinra",  # mas-q052
    "other groups (shlh)": REPEAT,  # mas-q052
    "RA case seen": REPEAT,  # mas-q052
    "review/seen": "review_no_new_patients",  # mas-q052
    "B1 cohorts held by hcoh (Monteagudo x2, Phadke x3, Baverez)": REPEAT,  # mas-q053
    "verification re-read (Barlas 2025, Z Rheumatol 2020 pages)": REPEAT,  # mas-q054
    "no anakinra / review / sJIA hepatitis": "no_anakinra",  # mas-q054
    "verification re-read of Parisi 2017 (Ovid + docksci full text)": REPEAT,  # mas-q055
    "AOSD without anakinra-MAS / review": "not_dira_or_hlh",  # mas-q055
    "verification re-read (Chellapandian 2023)": REPEAT,  # mas-q056
    "refractory sJIA/HSCT reports without anakinra stated per patient": "no_anakinra",  # mas-q056
    "meeting report/review/cohort": "review_no_new_patients",  # mas-q056
    "Turkish JIA-MAS case treated with steroid, ciclosporin, plasma exchange (no anakinra)": "no_anakinra",  # mas-q057
    "lay/teaching pages": "not_a_publication",  # mas-q057
    "Polish AOSD-MAS and 3-case MAS reports treated without anakinra (in visible text)": "no_anakinra",  # mas-q058
    "Italian MAS abstract secondary to immunodeficiency treated with steroids (no anakinra)": "no_anakinra",  # mas-q059
    "teaching/patient pages": "not_a_publication",  # mas-q059
    "seen before (Kerin, year still not shown)": REPEAT,  # mas-q060
    "MAS series/cases without anakinra": "no_anakinra",  # mas-q060
    "already included elsewhere (Dimopoulos 2020, Baverez 2022)": REPEAT,  # round2-q001
    "no anakinra stated / review": "no_anakinra",  # round2-q001
    "already included (Dimopoulos 2020, Monteagudo 2020)": REPEAT,  # round2-q002
    "MIS-A without HLH/MAS diagnosis": "not_dira_or_hlh",  # round2-q002
    "MAS without anakinra (Lolachi 2020, hydroxychloroquine only)": "no_anakinra",  # round2-q002
    "Akturk 2021 anakinra not visible (already screened by mas group)": REPEAT,  # round2-q002
    "already included elsewhere (Dimopoulos 2020 x2, Baverez 2022)": REPEAT,  # round2-q003 +1
    "reviews / HScore prognostic studies without anakinra-treated HLH patients": "review_no_new_patients",  # round2-q003
    "COVID/post-COVID HLH treated without anakinra (steroids, IVIG, plasma exchange, hydroxychloroquine)": "no_anakinra",  # round2-q004
    "73-year-old post-COVID HLH abstract without address and treatment beyond dexamethasone not visible": REPEAT,  # round2-q004
    "already included (Dimopoulos 2020, Monteagudo 2020, Baverez 2022)": REPEAT,  # round2-q005
    "reviews/commentaries": "review_no_new_patients",  # round2-q005
    "cohorts without anakinra or without HLH diagnosis (Lorenz 2020, Oliynyk 2021 tocilizumab)": "no_anakinra",  # round2-q005
    "no address for the 73-year-old post-COVID HLH abstract and anakinra not visible in its excerpt": "not_identifiable",  # round2-q006
    "no anakinra / review": "no_anakinra",  # round2-q006
    "lymphoma-HLH treated with chemotherapy/etoposide, no anakinra": "no_anakinra",  # round2-q007
    "Khagi 2012 HIV+Hodgkin HPS case: treatment not visible in excerpt (already screened by shlh)": REPEAT,  # round2-q007
    "SHM abstract without anakinra": "no_anakinra",  # round2-q007
    "B-cell lymphoma HLH treated with chemotherapy, no anakinra": "no_anakinra",  # round2-q008
    "scoping review without anakinra data": "review_no_new_patients",  # round2-q008
    "Khagi 2012 (repeat)": REPEAT,  # round2-q008
    "already included elsewhere (Baverez, Nusshag, Monteagudo)": REPEAT,  # round2-q009
    "Khagi 2012 treatment still not visible in excerpt": REPEAT,  # round2-q009
    "start-list lead H18 Merchant (left by hcoh: year not visible)": REPEAT,  # round2-q009
    "ICI-HLH series without anakinra (Royal Marsden)": "no_anakinra",  # round2-q009 +1
    "reviews/no anakinra": "review_no_new_patients",  # round2-q009 +3
    "book chapters/reviews": "review_no_new_patients",  # round2-q010 +1
    "HIV/KS HLH case without anakinra (Case Rep Hematol 2019, 2 copies)": "no_anakinra",  # round2-q010
    "KICS cohort not HLH/no anakinra": "not_dira_or_hlh",  # round2-q010
    "already included (Baverez)": REPEAT,  # round2-q010 +1
    "ICI-HLH treated with steroids only, no anakinra (Hantel 2018 x3 copies, Sadaat/JITC 2018 x2)": "no_anakinra",  # round2-q011
    "Saint Luke case series tables page (already screened by shlh, anakinra not visible)": REPEAT,  # round2-q011
    "narrative reviews/textbook chapters of sJIA, no individual anakinra-treated MAS patient": "review_no_new_patients",  # round2-q012
    "already included elsewhere (Aksentijevich 2009, Pillai 2024, P181 poster)": REPEAT,  # round2-q013
    "Urbaneja 2024 (dira group held it; the stored XML page opens with metadata only, treatment not visible)": REPEAT,  # round2-q013  counted at dira-q001, which held it
    "Barros 2024 systematic review (dira group excluded: no anakinra figures in abstract)": REPEAT,  # round2-q013
    "patient information/wiki pages": "not_a_publication",  # round2-q013
    "already included elsewhere (Aksentijevich 2009 x2, Minkis 2012, Garg 2017)": REPEAT,  # round2-q014
    "Sakran 2013 letter (Israel) anakinra not visible in the readable part (screened by dira group)": REPEAT,  # round2-q014
    "Urbaneja 2024 metadata-only page": REPEAT,  # round2-q014 +1
    "genetics-only QFARF abstract without anakinra": "no_anakinra",  # round2-q014
    "OMIM copy": "not_a_publication",  # round2-q014 +2
    "canakinumab only (Ulusoy 2015)": "no_anakinra",  # round2-q015 +1
    "already included (Garg 2017)": REPEAT,  # round2-q015
    "patient information pages": "not_a_publication",  # round2-q015
    "reviews / mixed-disease surveys without DIRA patient data": "review_no_new_patients",  # round2-q015
    "cSLE-MAS treated without anakinra (cyclophosphamide; Chinese neuroimaging case; Indonesian report)": "no_anakinra",  # round2-q017
    "Kerin sJIA-MAS (screened by mas group; left out for missing year)": REPEAT,  # round2-q017
    "reviews/cohorts without anakinra": "review_no_new_patients",  # round2-q017 +1
    "Italian 3-case KD-MAS series (Rheumato 2023, 3 copies): treatment of cases 2-3 cut off in the readable abstract, anakinra not visible": "no_anakinra",  # round2-q018
    "KD with anakinra but no MAS diagnosis (Anagnostopoulou 2025)": "not_dira_or_hlh",  # round2-q018
    "KD cohorts/guidelines without anakinra-treated MAS": "no_anakinra",  # round2-q018
    "sJIA reviews/textbook chapters without anakinra-treated MAS figures": "review_no_new_patients",  # round2-q019
    "GOSH sJIA cohort (MAS at presentation 27/76; no anakinra-specific MAS outcome in abstract)": "no_patient_data",  # round2-q019
    "already included elsewhere (Nat Clin Pract 2008 case x2, Miettunen 2011)": REPEAT,  # round2-q020
    "Kerin case (left out by mas group: year not visible)": REPEAT,  # round2-q020
    "anakinra hepatitis in sJIA without MAS (Canna 2009)": "not_dira_or_hlh",  # round2-q020 +3
    "AOSD reviews/meta-analysis without anakinra-treated MAS patients": "review_no_new_patients",  # round2-q021
    "AOSD or AOSD-MAS cases treated without anakinra (Arai, Case Rep Rheumatol FUO)": "no_anakinra",  # round2-q021
    "MAS review": "review_no_new_patients",  # round2-q021
    "Ben Gabr AOSD-MAS case (anakinra failed, emapalumab) - publication year not on the page, followed up next": REPEAT,  # round2-q021
    "Schulert 2018 SLR: the 5 anakinra-treated MAS patients were excluded from its analysis (no anakinra figures)": "review_no_new_patients",  # round2-q022
    "sJIA reviews/guidance": "review_no_new_patients",  # round2-q022
    "sJIA-MAS background paper": "review_no_new_patients",  # round2-q022
    "Ben Gabr AOSD-MAS case (22-year-old woman, unresponsive to corticosteroids and anakinra, responded to emapalumab): publication year and DOI not visible on the only page read, not added (lead)": "not_identifiable",  # round2-q023
    "Castleman/TAFRO reviews and guidelines without anakinra-treated HLH patients": "review_no_new_patients",  # round2-q024
    "already included elsewhere (Baverez, Monteagudo, Nusshag, Oxford IV SR, East Midlands ASH abstract)": REPEAT,  # round2-q025
    "reviews (adult sHLH, PICU chapter)": "review_no_new_patients",  # round2-q025
    "CADTH rapid review (screened by hcoh, no figures)": REPEAT,  # round2-q025
    "drug-induced HLH/DRESS treated with steroids/etoposide, no anakinra stated (lamotrigine cases x5, phenytoin AHS)": "no_anakinra",  # round2-q026
    "Panagopoulos RA-vasculitis HLH (screened by mas group)": REPEAT,  # round2-q026
    "adult sHLH review": "review_no_new_patients",  # round2-q026
    "already included elsewhere (Nusshag 2017)": REPEAT,  # round2-q027
    "post-transplant HLH cases/reviews without anakinra (liver Tx x4, heart Tx x2, SOT review)": "no_anakinra",  # round2-q027
    "Russian/Ukrainian/Czech sJIA or MAS reviews and a thesis without individual anakinra-treated patients": "review_no_new_patients",  # round2-q028
    "Kerin case (repeat; year not visible)": REPEAT,  # round2-q028
    "Portuguese/Spanish MAS case reports and series treated without anakinra (steroids, ciclosporin, IVIG, HLH-2004)": "no_anakinra",  # round2-q029
    "Kerin case (repeat)": REPEAT,  # round2-q029 +6
    "already included elsewhere (Baverez, Dimopoulos x3 copies, Monteagudo, Kyriazopoulou IPD MA is COVID without HLH diagnosis)": REPEAT,  # round2-q030
    "adult PIMS-TS with sHLH treated with anakinra (searchworks record, author Vanessa Quick) - title/year not visible, followed up next": REPEAT,  # round2-q030
    "already included elsewhere (Baverez, Halyabar guideline listed in start list)": REPEAT,  # round2-q031
    "reviews/book chapters without individual anakinra-treated MIS-C HLH patients": "review_no_new_patients",  # round2-q031
    "MIS-C/MIS-A treated with anakinra but no MAS/HLH diagnosis by the source (Della Paolera 2021 x2, La Torre 2023 x2, Aggarwal 2021, MDPI MIS-A 2021)": "not_dira_or_hlh",  # round2-q032
    "duplicate record of the included abstract (searchworks)": "duplicate_publication",  # round2-q032
    "HLH cases/reviews treated without anakinra (IVIG, dexamethasone/etoposide, cyclophosphamide)": "no_anakinra",  # round2-q033
    "Kerin case (repeat, year not visible)": REPEAT,  # round2-q033 +1
    "document index page": "not_a_publication",  # round2-q033 +1
    "AOSD / AOSD-HLH cases treated without anakinra (WJCC x3, Case Rep Rheumatol)": "no_anakinra",  # round2-q034
    "AOSD reviews/guideline": "review_no_new_patients",  # round2-q034
    "Spanish/Cuban/Chilean MAS case reports and reviews without anakinra visible": "no_anakinra",  # round2-q035
    "Indian MAS review": "review_no_new_patients",  # round2-q035
    "already included elsewhere (Garg 2017, Stenerson 2011, Minkis 2012)": REPEAT,  # round2-q036
    "canakinumab/adalimumab only (Ulusoy 2015; Hindawi 2019)": "no_anakinra",  # round2-q036
    "Sakran 2013 (anakinra not visible; screened by dira)": REPEAT,  # round2-q036
    "already included elsewhere (Schippers 2022)": REPEAT,  # round2-q037
    "TB-HLH treated without anakinra or treatment unspecified (Trovik 2020 x2, Padhi review PMC4663863, Sri Lankan case, Chinese pregnant Evans case)": "no_anakinra",  # round2-q037
    "FMF + miliary TB HLH (Cerme 2022; methylprednisolone, later treatment cut off)": "no_anakinra",  # round2-q037
    "already included elsewhere (Nusshag, Baverez)": REPEAT,  # round2-q038 +2
    "Bichon 2021 ICU-HLH (screened by hcoh/shlh, no anakinra subgroup visible) x2": REPEAT,  # round2-q038
    "reviews/book chapters": "review_no_new_patients",  # round2-q038
    "already included elsewhere (Nat Clin Pract 2008 x2, Miettunen 2011, Monteagudo 2020, Maeser 2024 reference page)": REPEAT,  # round2-q039
    "already included elsewhere (Nusshag, Baverez, Monteagudo)": REPEAT,  # round2-q040 +1
    "ICI-HLH series without anakinra": "no_anakinra",  # round2-q040
    "reviews/chapters": "review_no_new_patients",  # round2-q040 +5
    "HLH cases treated with etoposide/dexamethasone or not treated, no anakinra (CLL-HLH, ALCL-HLH, SHM T-cell LPD HLH, encephalitis-HLH, forme fruste HLH)": "no_anakinra",  # round2-q041
    "already included elsewhere (Baverez, Nusshag)": REPEAT,  # round2-q042
    "encyclopedia pages": "not_a_publication",  # round2-q042
    "Panagopoulos RA-HLH (screened by mas)": REPEAT,  # round2-q042
    "adenovirus-associated HLH child given sc anakinra described only in a news summary (medtalks.in) without citation of the original publication - followed up next": REPEAT,  # round2-q043
    "reviews/chapters/paediatric sHLH cohort without anakinra": "no_anakinra",  # round2-q043
    "RA-HLH (screened by mas)": REPEAT,  # round2-q053 +5
    "adenovirus-HLH child with sc anakinra known only from a news summary (medtalks.in) - original publication not identified, not added": "not_identifiable",  # round2-q046
    "adenovirus-HLH cases/series with no anakinra visible (Otto 2020 CID cluster: immunomodulation unspecified; Korean, Turkish, Chinese cases/series)": "no_anakinra",  # round2-q046
    "already included elsewhere (Shafferman)": REPEAT,  # round2-q046
    "Turkish COVID/HLH reviews, theses and cases treated with tocilizumab or without anakinra": "review_no_new_patients",  # round2-q047
    "review (Balkan Med J)": "review_no_new_patients",  # round2-q047
    "already included (Dimopoulos 2020, Baverez 2022, Flower 2020 searchworks copy)": REPEAT,  # round2-q048
    "COVID/post-COVID HLH treated without anakinra (steroid/IVIG/PE; IVIG/dexamethasone)": "no_anakinra",  # round2-q048
    "MKD/periodic fever reviews without anakinra-treated MAS patients": "review_no_new_patients",  # round2-q049
    "paediatric off-label anakinra review (PMC7580132, screened by hcoh)": REPEAT,  # round2-q049
    "Milan infection-triggered MAS series (Children 2022;9(4):564; 12 children, 14 MAS episodes) - therapy cut off in the readable abstract, followed up next": REPEAT,  # round2-q050
    "Rossano 2022 Children 9(4):564 (4 copies; 12 children/14 MAS episodes; anakinra use not stated in the readable abstract - also screened by shlh)": "no_anakinra",  # round2-q051
    "already included elsewhere (Garg 2017, Stenerson 2011, Aksentijevich 2009 x2)": REPEAT,  # round2-q052
    "encephalitis-HLH case without anakinra visible": "no_anakinra",  # round2-q053
    "verification re-read of flower2020 (2 records)": REPEAT,  # round2-q055
    "AOSD-MAS abstract with IL-1 blockade mentioned only generically (researcher.life)": "no_anakinra",  # round2-q055
    "APECED virus-HLH, encephalitis-HLH, autoimmune HPS cohort, PIMS-TS dermatology abstract (no anakinra / no HLH diagnosis)": "no_anakinra",  # round2-q055
    "verification re-read of bmjcr2024tb": REPEAT,  # round2-q056
    "TB-HLH cases/reviews without anakinra-specific data (Shi 2021 x2, Padhi 2015, Trovik 2020, Fauchald 2023 SR x2)": "no_anakinra",  # round2-q056
    "already included elsewhere (Miettunen 2011, Nat Clin Pract 2008)": REPEAT,  # round2-q057
    "reviews/symposium proceedings": "review_no_new_patients",  # round2-q057
    "already included elsewhere (Vincent 2020 EP18 in hcoh, Baverez, Monteagudo, Nusshag, Flower 2020 copy)": REPEAT,  # round2-q058
    "Imperial College anakinra-HLH abstract on scite (title/year not shown; left out by hcoh and shlh)": REPEAT,  # round2-q058
    "reviews/index pages": "review_no_new_patients",  # round2-q059
    "encephalitis-HLH case (no anakinra visible)": "no_anakinra",  # round2-q059
    "already included elsewhere (Parisi 2017 in mas, Nat Clin Pract 2008, Miettunen 2011)": REPEAT,  # round2-q060
    "editorials/reviews/chapters": "review_no_new_patients",  # round2-q060
    "verification re-read of khawaja2016": REPEAT,  # round2-q061
    "sJIA reviews/cohorts": "review_no_new_patients",  # round2-q061
    "canakinumab-for-MAS series (Kostik 2022; anakinra-treated MAS not separable in abstract)": "no_patient_data",  # round2-q061
    "Spanish MAS review": "review_no_new_patients",  # round2-q061
    "anakinra not given as treatment of the HLH/MAS episode": "no_anakinra",  # round2-q062
    "no anakinra or not case of anakinra-treated HLH": "no_anakinra",  # shlh-q001
    "duplicate record of same paper": "duplicate_publication",  # shlh-q001
    "cohort in another scope or already listed (Baverez 2022, start list H2)": REPEAT,  # shlh-q002
    "dengue anakinra PICU cohort (hyperinflammation not diagnosed as HLH)": "not_dira_or_hlh",  # shlh-q002
    "C11 dengue traveller abstract (citation details missing, followed up in next query)": REPEAT,  # shlh-q002
    "no anakinra or not HLH": "no_anakinra",  # shlh-q003
    "C11 dengue-SLE abstract found but page gives no title/authors/year/journal": "not_identifiable",  # shlh-q003
    "adult dengue-HLH Barbados case (medifind, no author/year/journal)": "not_identifiable",  # shlh-q003
    "already screened": REPEAT,  # shlh-q004 +1
    "AOSD/MAS without sHLH scope or no anakinra": "not_dira_or_hlh",  # shlh-q006
    "cohort studies listed in start list (Baverez H2, Monteagudo H3)": REPEAT,  # shlh-q006
    "cohorts in start list (Baverez H2 x2, Merchant H18)": REPEAT,  # shlh-q009
    "no anakinra (reviews, HSCT, FHL genetics)": "no_anakinra",  # shlh-q010
    "start-list cohorts/reviews (Baverez H2, Monteagudo H3, Oxford IV SR HR1 x2, CADTH HR3, NICE HR6, Eloseily H1, Rajasekaran H5)": REPEAT,  # shlh-q011
    "no anakinra or not HLH diagnosis (ICI SIA series, CD22 CAR cohort x2)": "no_anakinra",  # shlh-q012
    "already included (Porter 2022 x2)": REPEAT,  # shlh-q013
    "no anakinra/not HLH": "no_anakinra",  # shlh-q013
    "MAS-like after BCMA CAR-T (Munarriz 2025, anakinra use not visible in excerpt)": "no_anakinra",  # shlh-q013
    "start-list cohort (Baverez)": REPEAT,  # shlh-q014
    "case with anakinra but no title/author visible (PMID 36262816)": "not_identifiable",  # shlh-q014
    "PMID 36262816 case again without title/authors": REPEAT,  # shlh-q015
    "start-list cohorts (Baverez, Eloseily x2, Rajasekaran)": REPEAT,  # shlh-q016
    "start-list COVID series (Dimopoulos V1)": REPEAT,  # shlh-q017
    "no anakinra (steroids/IVIG/PE, ruxolitinib/etoposide, dialysis case)": "no_anakinra",  # shlh-q017
    "reviews/guidelines without patient data": "review_no_new_patients",  # shlh-q018
    "start-list guideline (Halyabar HR9)": REPEAT,  # shlh-q018
    "start-list cohorts handled by cohort helper (Monteagudo, Baverez, Wohlfarth, Charlesworth, Henry & Raschke)": REPEAT,  # shlh-q019
    "ICU HLH series without anakinra data in excerpt (Kapoor 2018)": "no_anakinra",  # shlh-q019
    "no anakinra (steroids, etoposide, tocilizumab)": "no_anakinra",  # shlh-q022
    "anakinra-treated case without year/authors on page (SHM abstract, SCD + MAC, 22F)": "not_identifiable",  # shlh-q022
    "SHM abstract again (no year)": REPEAT,  # shlh-q023
    "probable full paper of same patient without anakinra in excerpt (Chamsi-Pasha 2013)": "no_anakinra",  # shlh-q023
    "duplicates of previous hits": REPEAT,  # shlh-q024
    "no anakinra visible": "no_anakinra",  # shlh-q024
    "no anakinra visible in excerpts (Leiva 2019 letter, HbSC MOFS case)": "no_anakinra",  # shlh-q025
    "start-list cohort": REPEAT,  # shlh-q025 +11
    "duplicates/reviews": "duplicate_publication",  # shlh-q025
    "no anakinra (HLH-94/2004, dexamethasone)": "no_anakinra",  # shlh-q026
    "no anakinra (XIAP/XLP reviews and series)": "no_anakinra",  # shlh-q027
    "no anakinra (reviews, Chinese/Indian HLH series)": "no_anakinra",  # shlh-q028
    "start-list cohorts (Baverez, East Midlands ASH H13)": REPEAT,  # shlh-q029
    "no anakinra/reviews": "no_anakinra",  # shlh-q029 +1
    "ICU HLH cohort with possible anakinra subgroup (Bichon 2021) followed up": REPEAT,  # shlh-q029
    "excerpts did not show anakinra-treated subgroup figures (Bichon 2021 x4)": "no_patient_data",  # shlh-q030
    "no anakinra (emapalumab review/case, ICU cohorts, reviews)": "no_anakinra",  # shlh-q031
    "already included by another group (Dimopoulos 2020, hcoh)": REPEAT,  # shlh-q032
    "duplicate record (PubMed of Dimopoulos)": "duplicate_publication",  # shlh-q032
    "start-list items (Kyriazopoulou V2, Baverez)": REPEAT,  # shlh-q033
    "COVID hyperinflammation without HLH/MAS diagnosis (ESCAPE MALS trial, Borie cohort)": "not_dira_or_hlh",  # shlh-q033
    "already included (Nusshag x2)": REPEAT,  # shlh-q034
    "not HLH/no anakinra": "not_dira_or_hlh",  # shlh-q034
    "no anakinra (reviews, HIV-HLH series, SA case series)": "no_anakinra",  # shlh-q035
    "no anakinra visible (Hodgkin/HIV HLH case reports and SHM abstracts)": "no_anakinra",  # shlh-q036
    "rheumatic MAS (mas group scope: Kerin C2, Miettunen H8)": REPEAT,  # shlh-q037
    "start-list cohort (Monteagudo)": REPEAT,  # shlh-q037
    "no anakinra visible (post-HSCT HLH review Sandler 2019, HSCT/chimerism studies, adult sHLH series)": "no_anakinra",  # shlh-q038
    "anakinra-treated patients not visible in excerpt (Sandler 2019)": "no_anakinra",  # shlh-q039
    "start-list ASH abstract (East Midlands, hcoh)": REPEAT,  # shlh-q039
    "start-list cohorts (Baverez, Monteagudo, Rajasekaran, Eloseily, Merchant H18)": REPEAT,  # shlh-q040
    "no anakinra (FHL/Griscelli case reports, reviews)": "no_anakinra",  # shlh-q041
    "no anakinra (ALF-HLH case reports, ICU cohorts, reviews)": "no_anakinra",  # shlh-q042
    "start-list items (Baverez, Oxford IV SR, Monteagudo, Rajasekaran)": REPEAT,  # shlh-q043
    "anakinra cohort abstract without citation details (Imperial College London, 11 adults, scite author page)": "not_identifiable",  # shlh-q043
    "Imperial abstract again without citation": REPEAT,  # shlh-q044
    "start-list items": REPEAT,  # shlh-q044
    "no anakinra (lymphoma-HLH reviews and series)": "no_anakinra",  # shlh-q045
    "no anakinra visible (ICI-HLH case reports, reviews, pharmacovigilance)": "no_anakinra",  # shlh-q046
    "unidentified case-series table page (explorationpub)": "not_identifiable",  # shlh-q046
    "start-list items (Merchant H18, Vicenzi H19, Baverez, Monteagudo, Halyabar)": REPEAT,  # shlh-q047
    "no anakinra (Spanish reviews, theses, case reports)": "no_anakinra",  # shlh-q048
    "no anakinra patient data (French reviews, recommendations, wiki page)": "no_anakinra",  # shlh-q049
    "no anakinra (influenza-VAHS cohorts and case reports)": "no_anakinra",  # shlh-q050
    "ICU HLH cohort": "other",  # shlh-q050
    "rheumatic MAS (mas group scope)": REPEAT,  # shlh-q051
    "reviews/guidelines": "review_no_new_patients",  # shlh-q051
    "no anakinra visible (DRESS reviews/case reports; DRESS-HLH case Pope 2022 treatment not in excerpt)": "no_anakinra",  # shlh-q052
    "no anakinra visible (Pope 2022 abstract x3 without treatment; DRESS-sHLH treated with IVIG+methylprednisolone; other DRESS cases)": "no_anakinra",  # shlh-q053
    "verification re-read of Yip (PMC + physiciansweekly copy)": REPEAT,  # shlh-q055
    "pregnancy HLH without anakinra": "no_anakinra",  # shlh-q055
    "PMID 36262816 again without title": REPEAT,  # shlh-q055
    "AOSD reviews/case reports without sHLH scope or anakinra": "review_no_new_patients",  # shlh-q056
    "general HLH pages/reviews without anakinra": "not_a_publication",  # shlh-q057
    "verification re-read of Lee 2022": REPEAT,  # shlh-q058
    "FHL3 ruxolitinib case without anakinra": "no_anakinra",  # shlh-q058
    "no anakinra/HSCT": "no_anakinra",  # shlh-q058
    "verification re-read of Porter 2022 (2 records)": REPEAT,  # shlh-q059
    "reviews/CD22 carHLH cohort/mouse study": "review_no_new_patients",  # shlh-q059
    "no anakinra-treated patient described (SPTCL-HLH case reports, SPTCL series, systematic review Ou 2023 without anakinra figures in excerpt, CHP review mentioning anakinra without patient data)": "no_anakinra",  # shlh-q060
    "no anakinra visible (TB-HLH reviews and case reports)": "no_anakinra",  # shlh-q061
    "TB-HLH case with unspecified HLH treatment (Trovik 2020) followed up": REPEAT,  # shlh-q061
    "Trovik 2020 (HLH treatment not specified in abstract)": "no_anakinra",  # shlh-q062
    "TB-HLH without anakinra": "no_anakinra",  # shlh-q062 +1
    "BMJ Case Rep 2024 e261936 (anakinra, title not shown) followed up": REPEAT,  # shlh-q062
    "BMJ Case Rep e261936 again without title/authors": REPEAT,  # shlh-q063
    "Trovik 2020 (no anakinra stated)": REPEAT,  # shlh-q063
    "BMJ Case Rep 17(9):e261936 (woman mid-50s, TB-HLH on TNF inhibitor, dexamethasone + etoposide + anakinra, relapses) again without title/authors": REPEAT,  # shlh-q064
    "already included (Schippers)": REPEAT,  # shlh-q064
    "ICU cohorts/reviews/no anakinra": "no_anakinra",  # shlh-q065
    "no anakinra-treated patient described (one case where anakinra was deferred)": "no_anakinra",  # shlh-q066
    "pooled review mentioning 1 literature patient given anakinra + IVIG without outcome (Can J Infect Dis Med Microbiol 2019:7107326)": "review_no_new_patients",  # shlh-q066
    "duplicate record": "duplicate_publication",  # shlh-q066
    "no anakinra (CMV-HLH case reports and systematic review, SHM abstracts, IVIG case)": "no_anakinra",  # shlh-q067
    "no anakinra visible (Rolsdorph 2022 index case treatment not in excerpt; other CMV-HLH cases)": "no_anakinra",  # shlh-q068
    "no anakinra (Castleman reviews/cohorts/case reports)": "no_anakinra",  # shlh-q069
    "no anakinra visible (neonatal HSV-HLH series, HSV-HLH review, adenovirus HLH-like cluster Otto 2020 with unspecified immunomodulation)": "no_anakinra",  # shlh-q071
    "duplicate record (Penn State pure page)": "duplicate_publication",  # shlh-q071
    "already included (2 records)": REPEAT,  # shlh-q072
    "HSV-HLH without anakinra visible (Jongbloed 2020 acyclovir/IVIG/dexamethasone; Tadros 2025 neonate, therapy not named)": "no_anakinra",  # shlh-q072
    "other HLH": "other",  # shlh-q072
    "duplicate records (Hieber x3)": "duplicate_publication",  # shlh-q073
    "vaccine-HLH without anakinra (Karger 21M steroids only; Frontiers EBV-HLH+TTS IVIG)": "no_anakinra",  # shlh-q073
    "vaccine-HLH cases with treatment not visible (Wu 2022 BMJ Case Rep)": "no_anakinra",  # shlh-q073
    "start-list cohorts/reviews (Baverez, CADTH)": REPEAT,  # shlh-q074
    "reviews/ICU cohorts/no anakinra": "no_anakinra",  # shlh-q074
    "no anakinra (KFD-HLH case reports treated with steroids/cyclophosphamide; reviews)": "no_anakinra",  # shlh-q075
    "no anakinra (EBV-HLH series/case reports with rituximab, emapalumab, spontaneous resolution; reviews)": "no_anakinra",  # shlh-q076
    "no anakinra (blinatumomab-HLH treated with tocilizumab x4 records; bsAb HLH database study; ICI SIA series; CRS review)": "no_anakinra",  # shlh-q077
    "no anakinra (scrub typhus/rickettsial HLH series and reviews)": "no_anakinra",  # shlh-q078
    "verification re-read of Schippers 2022": REPEAT,  # shlh-q079
    "no anakinra (TB-HLH, ICU HLH cases)": "no_anakinra",  # shlh-q079
    "verification re-read of McKeone 2021 (3 records incl. OUCI with authors)": REPEAT,  # shlh-q080
    "neonatal HSV-HLH without anakinra visible": "no_anakinra",  # shlh-q080
    "verification re-read of Hieber 2022 (4 records)": REPEAT,  # shlh-q081
    "vaccine HLH steroids only": "no_anakinra",  # shlh-q081
    "vaccine-related AOSD/MAS-like hyperinflammation series treated with anakinra (Exp Biol Med 2022, PMID 35068221; rheumatic/MAS scope, HLH not diagnosed)": "not_dira_or_hlh",  # shlh-q081
    "tick-borne HLH without anakinra (SHM anaplasmosis case, ehrlichiosis series Hammoud 2023, babesiosis cases, TriNetX cohort without anakinra subgroup)": "no_anakinra",  # shlh-q082
    "anaplasmosis congress abstract with anakinra-treated case but no title/year (eventscribe, Vassar Brothers)": "not_identifiable",  # shlh-q082
    "already included (Iyer, TTBD)": REPEAT,  # shlh-q083
    "ehrlichiosis/anaplasmosis HLH without anakinra (Hammoud 2023 x2, Otrock 2015 x2, SCCM abstract, SHM abstract)": "no_anakinra",  # shlh-q083
    "congress abstract (eventscribe congress2026, 3 anaplasmosis-HLH ICU cases, case 3 70F anakinra+dexamethasone+IVIG rapid improvement) without title/authors/year on page": "not_identifiable",  # shlh-q084
    "anaplasmosis/other HLH without anakinra": "no_anakinra",  # shlh-q084
    "no anakinra (lymphoma-HLH series, reviews, case reports with chemotherapy)": "no_anakinra",  # shlh-q085
    "already included (Khan 2025)": REPEAT,  # shlh-q086
    "no anakinra (influenza/parvovirus HLH reports, reviews)": "no_anakinra",  # shlh-q086
    "treatment not visible (Orth 2022)": "no_anakinra",  # shlh-q087
    "no anakinra (parvovirus HLH/cytopenia reports)": "no_anakinra",  # shlh-q087
    "no anakinra (HLH case reports/reviews)": "no_anakinra",  # shlh-q088
    "no anakinra (pediatric COVID-sHLH treated with IVIG/steroids; FHL + COVID; ALL + COVID tocilizumab; MIS-C discussion)": "no_anakinra",  # shlh-q089
    "pediatric COVID pneumonia + hyperinflammation IV anakinra series (Hosp Pediatr 2022, PMID 35237791) where only 2 met HLH-2004 criteria and outcomes not attributable": "not_dira_or_hlh",  # shlh-q089
}


@dataclass(frozen=True)
class HandReading:
    """A row re-read by hand: its records as (what the log says, records, code or REPEAT)."""

    items: tuple[tuple[str, int, str], ...]
    why: str
    included: int | None = None  # when the look-up's inclusion was later withdrawn


HAND_READINGS: dict[str, HandReading] = {
    # --- dira: the pass logged records_new; its reasons also describe records met before
    "dira-q001": HandReading((
        ("duplicate copy of an included paper", 3, "duplicate_publication"),
        ("not a publication (patient information/encyclopedia)", 2, "not_a_publication"),
        ("no anakinra (genetics-only abstract, Khattab QFARF 2010)", 1, "no_anakinra"),
        ("held for full text (Urbaneja 2024)", 1, "no_patient_data"),
    ), "Urbaneja 2024, held here, is counted here as the logged records_new does, under the reason round2-q013 "
       "found (the stored page opens with metadata only, treatment not visible)"),
    "dira-q004": HandReading((
        ("not DIRA (DITRA/IL36RN)", 1, "not_dira_or_hlh"),
        ("already seen (3 logged, read as 2)", 2, REPEAT),
        ("duplicate copy", 1, "duplicate_publication"),
        ("held for later check: Ulusoy 2015 (canakinumab/adalimumab only, found at dira-q061)", 1, "no_anakinra"),
        ("held for later check: Indian poster (no later decision logged)", 1, "other"),
    ), "the logged counts add up to 9 for 8 records: 'already seen' read as 2 (which record was counted twice is "
       "not logged); Stenerson 2011, held here, was added at dira-q033 from this page ('page first seen in q004'), "
       "so it is counted here as included (included 1 -> 2); Ulusoy 2015 is counted here under the reason dira-q061 "
       "found (that look-up counts it as met before)", included=2),
    "dira-q007": HandReading((
        ("duplicate copy of the same review (preprint, PubMed mirror, mdpi)", 4, "duplicate_publication"),
        ("not DIRA (met before)", 2, REPEAT),
        ("review without anakinra figures in abstract (Barros 2024/25)", 1, "review_no_new_patients"),
    ), "records_new as logged (6): the copies of Pillai 2024 and the Barros review, first met here, are the new "
       "records; the 2 not-DIRA pages were met before"),
    "dira-q008": HandReading((
        ("not DIRA (met before)", 3, REPEAT),
        ("not a publication (insurer policy)", 1, "not_a_publication"),
        ("conference abstract without year/authors visible (ACR rilonacept DIRA abstract)", 1, "not_identifiable"),
        ("duplicate copy", 1, "duplicate_publication"),
        ("already seen", 1, REPEAT),
    ), "records_new as logged (4): the ACR rilonacept abstract (met again at dira-q043), the insurer page and the "
       "copy are the new records; the 3 not-DIRA pages were met before"),
    "dira-q009": HandReading((
        ("anakinra not mentioned in readable text (Jesus 2011 abstract truncated; Jesus 2010 ACR abstract)", 3, "no_anakinra"),
        ("review without patients", 1, "review_no_new_patients"),
        ("already seen", 2, REPEAT),
        ("duplicate", 1, "duplicate_publication"),
    ), "the Turkey poster P181, held here, was added at dira-q023 from this record ('first seen in q009'; that "
       "look-up logs it as already seen): counted here as included (included 0 -> 1)", included=1),
    "dira-q011": HandReading((
        ("already seen", 6, REPEAT),
        ("author line not shown on the Wiley page (Stenerson 2011, added later from the page met at dira-q004)", 1, "duplicate_publication"),
        ("duplicate", 1, "duplicate_publication"),
    ), "records_new as logged (2): the Wiley page is a second record of Stenerson 2011, which is counted at dira-q004"),
    "dira-q023": HandReading((
        ("already seen", 6, REPEAT),
        ("the P181 poster record, added here (first met at dira-q009)", 1, REPEAT),
        ("not a publication", 1, "not_a_publication"),
    ), "unknown2015p181, added here, is counted at dira-q009 where its record was first met (included 1 -> 0)",
       included=0),
    "dira-q024": HandReading((
        ("anakinra not visible in the readable part (Sakran 2013; met at dira-q022)", 1, REPEAT),
        ("reviews without DIRA patients", 3, "review_no_new_patients"),
        ("already seen", 4, REPEAT),
    ), "records_new as logged (3): the Sakran 2013 letter was met at dira-q022"),
    "dira-q027": HandReading((
        ("not a publication (patient information pages; met before, cf. the 8 Dutch pages of dira-q010)", 7, REPEAT),
        ("Dutch review without DIRA patients", 1, "review_no_new_patients"),
    ), "records_new as logged (1): the Dutch review is the new record; the patient information pages were met before"),
    "dira-q033": HandReading((
        ("already seen (includes the Stenerson 2011 page)", 6, REPEAT),
        ("reviews without patient data", 2, "review_no_new_patients"),
    ), "stenerson2011, added here, is counted at dira-q004 where its page was first met (included 1 -> 0)",
       included=0),
    # --- hcoh
    "hcoh-q001": HandReading((
        ("no anakinra cohort (ICU HLH reviews)", 2, "no_anakinra"),
        ("later handled: Baverez 2022, Oxford IV SR (added from other pages at hcoh-q002, hcoh-q009)", 2, "duplicate_publication"),
        ("later handled: Merchant, Vicenzi (publication year not visible, hcoh-q046)", 2, "not_identifiable"),
        ("duplicate page of same paper", 1, "duplicate_publication"),
    ), "records_new as logged (8) counts the 4 records 'later handled' here: Baverez 2022 and the Oxford IV review "
       "were added from pages the next look-ups counted as new, so these pages are duplicates; Merchant and "
       "Vicenzi were left out because their year is not visible"),
    "hcoh-q009": HandReading((
        ("already seen", 3, REPEAT),
        ("review without pooled anakinra figures: CADTH rapid review, checked later (counted at hcoh-q040 as the log does)", 1, REPEAT),
        ("review without pooled anakinra figures in readable text (Indian MAS review; adult sHLH review)", 2, "review_no_new_patients"),
        ("duplicate copy of same SR", 1, "duplicate_publication"),
    ), "records_new as logged (4): the CADTH review held here is counted at hcoh-q040"),
    "hcoh-q039": HandReading((
        ("COVID-19 without source HLH/MAS diagnosis: Kyriazopoulou IPD meta-analysis (met at hcoh-q010)", 1, REPEAT),
        ("COVID-19 without source HLH/MAS diagnosis: Huet Ana-COVID cohort", 1, "not_dira_or_hlh"),
        ("ESCAPE trial (MALS is not a source diagnosis of MAS/HLH; anakinra arm mixed)", 1, "not_dira_or_hlh"),
        ("tocilizumab only (Oliynyk COVID CSS subtypes)", 1, "no_anakinra"),
        ("already seen", 4, REPEAT),
    ), "records_new as logged (3): the Kyriazopoulou meta-analysis was met at hcoh-q010"),
    "hcoh-q049": HandReading((
        ("carHLH/IEC-HS cohorts or reviews without anakinra-specific aggregate in readable text", 6, "no_patient_data"),
        ("already seen", 1, REPEAT),
        ("left to shlh group (holds porter2022/lee2022)", 1, "duplicate_publication"),
    ), "records_new as logged (7) counts the page left to the shlh pass: a page of a publication that pass included"),
    # --- mas: records_new not logged
    "mas-q001": HandReading((
        ("review without individual anakinra patients", 5, "review_no_new_patients"),
        ("kept here, left out later: Kerin sJIA-MAS case (publication year not visible, mas-q060)", 1, "not_identifiable"),
    ), "the Kerin case kept here was left out because its publication year is not visible on any page "
       "(included 3 -> 2)", included=2),
    "mas-q007": HandReading((
        ("review", 5, "review_no_new_patients"),
        ("KD case without stated MAS (to check; decided at mas-q008)", 1, REPEAT),
        ("already listed (Shafferman page)", 1, REPEAT),
        ("kept here, left out later: SHM meeting abstract, 7-week-old with KD and MAS (year and authors not shown, mas-q032)", 1, "not_identifiable"),
    ), "the SHM meeting abstract kept here was left out because its year and authors are not shown "
       "(included 1 -> 0)", included=0),
    "mas-q022": HandReading((
        ("AOSD without MAS", 4, "not_dira_or_hlh"),
        ("textbook/guideline", 2, "review_no_new_patients"),
        ("AOSD-MAS anakinra case needing bibliographic details: researcher.life abstract (title, journal, year not shown; mas-q023)", 1, "not_identifiable"),
        ("AOSD-MAS anakinra case needing bibliographic details: The Rheumatologist case (decided at mas-q024)", 1, REPEAT),
    ), "the two records of one logged label are counted apart: the researcher.life abstract here, the "
       "Rheumatologist case at mas-q024"),
    "mas-q038": HandReading((
        ("seen before", 4, REPEAT),
        ("review", 2, "review_no_new_patients"),
        ("to check: Pediatr Rheumatol 2020 hyperferritinemic syndromes anakinra paper (met at hcoh-q037)", 1, REPEAT),
        ("to check: Sterba 2016 adult MAS case (no later decision logged)", 1, "other"),
    ), "cell split by hand (a ';' inside the label; one count for two records)"),
    "mas-q047": HandReading((
        ("results section of Lenert 2014 ACR abstract not retrievable (counted at mas-q046)", 0, REPEAT),
        ("review/meta-analysis/AOSD cohorts without anakinra-MAS data", 8, "review_no_new_patients"),
    ), "cell read by hand ('0 added' instead of a count)"),
    # --- round2
    "round2-q016": HandReading((
        ("already included (Shafferman 2014)", 1, REPEAT),
        ("KD+MAS case reports where anakinra not visible in excerpt (Korean KDSS+MAS 2023 x2 pages, Korean KD-MAS/early sJIA 2024)", 3, "no_anakinra"),
        ("KD+MAS case reports where anakinra not visible in excerpt: Italian Rheumato 2023 three cases x3 pages (followed up, decided at round2-q018)", 3, REPEAT),
        ("KDSS case without anakinra visible", 1, "no_anakinra"),
    ), "the Italian three-case series held here is counted at round2-q018"),
    "round2-q044": HandReading((
        ("Blood Adv 2017;1(19):1533 refractory HLH case (anakinra failed, ruxolitinib) - title/authors not fully visible, followed up next: the copy decided at round2-q045", 1, REPEAT),
        ("Blood Adv 2017;1(19):1533 refractory HLH case: the second copy", 1, "not_identifiable"),
        ("ruxolitinib-only cases/series without anakinra", 5, "no_anakinra"),
        ("RA-HLH (screened by mas)", 1, REPEAT),
    ), "cell split by hand (';' and ':' inside 'Blood Adv 2017;1(19):1533')"),
    "round2-q045": HandReading((
        ("Blood Adv 2017;1(19):1533 case: full title, authors and primary-vs-secondary HLH not visible, not added (lead)", 1, "not_identifiable"),
        ("ruxolitinib trials/cohorts/murine studies/FHL3 case without anakinra", 7, "no_anakinra"),
    ), "cell split by hand (';' and ':' inside 'Blood Adv 2017;1(19):1533')"),
    "round2-q057": HandReading((
        ("already included elsewhere (Miettunen 2011, Nat Clin Pract 2008)", 2, REPEAT),
        ("Kerin case (repeat, year not visible)", 1, REPEAT),
        ("reviews/symposium proceedings", 3, "review_no_new_patients"),
        ("anakinra hepatitis in sJIA without MAS (Canna 2009)", 1, "not_dira_or_hlh"),
        ("added here, removed at round2-q062: khawaja2016 (anakinra not given as treatment of the MAS episode)", 1, "no_anakinra"),
    ), "khawaja2016, added here, was removed by the lead at round2-q062: counted here under that reason "
       "(included 1 -> 0)", included=0),
    "round2-q062": HandReading((
        ("anakinra not given as treatment of the HLH/MAS episode (khawaja2016, counted at round2-q057)", 1, REPEAT),
    ), "a review of round2-q057's inclusion, not a new record (records_new 0 as logged)"),
    # --- shlh
    "shlh-q054": HandReading((
        ("verification re-read of Chaudhuri 2024 (2 records)", 2, REPEAT),
        ("dengue-HLH without anakinra", 5, "no_anakinra"),
        ("dengue PICU anakinra cohort without HLH diagnosis", 1, "not_dira_or_hlh"),
    ), "cell read by hand (the count of the first label is in brackets)"),
}


# ---------------------------------------------------------------------------
# Reading the logged text
# ---------------------------------------------------------------------------

_COUNT = re.compile(r"^(?P<label>.*):\s*(?P<n>\d+)\s*(?P<tail>\([^()]*\))?\s*$", re.S)


def split_outside_brackets(text: str, sep: str = ";") -> list[str]:
    """Split on ``sep`` where it is not inside round or square brackets."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        if ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def parse_logged(cell: str) -> list[tuple[str, int]]:
    """``label: n; label: n`` as logged, ``;`` inside brackets kept; raises ValueError when a part has no count."""
    out = []
    for part in split_outside_brackets(cell or ""):
        m = _COUNT.match(part)
        if not m:
            raise ValueError(f"no count in {part!r}")
        label = m.group("label").strip()
        if m.group("tail"):
            label += " " + m.group("tail")
        out.append((label, int(m.group("n"))))
    return out


def pass_name(query_id: str) -> str:
    return query_id.split("-q")[0]


# ---------------------------------------------------------------------------
# Normalising
# ---------------------------------------------------------------------------

def _int(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text else None


def _logged_summary(raw: dict) -> str:
    new = raw["records_new"].strip() or "not logged"
    return (f"round-1 log as written: found {raw['records_found']}, new {new}, screened {raw['screened']}, "
            f"included {raw['included']}, excluded {raw['excluded']}; reasons \"{raw['exclusion_reasons']}\"")


def _keep_logged_new(items: list, found: int, new_excluded: int) -> tuple[list, int]:
    """Where the pass logged fewer new records than its reasons describe, keep the logged number.

    The reasons then also describe records met before; the first ``new_excluded``
    records, in the order the reasons were logged, are taken as the new ones and
    the rest as repeats. Returns the items and the number moved to repeats.
    """
    listed = sum(n for _, n, code in items if code != REPEAT)
    surplus = listed - new_excluded
    if surplus <= 0:
        return items, 0
    out, room = [], new_excluded
    for label, n, code in items:
        if code == REPEAT:
            out.append((label, n, code))
            continue
        keep = min(n, room)
        room -= keep
        if keep:
            out.append((label, keep, code))
        if n - keep:
            out.append((f"{label} (met before)", n - keep, REPEAT))
    return out, surplus


def normalise_row(raw: dict, seq: int) -> dict:
    """One logged round-1 row -> the normalised row (raises ValueError when it does not add up)."""
    qid = raw["query_id"]
    hand = HAND_READINGS.get(qid)
    if hand is not None:
        items = list(hand.items)
    else:
        items = []
        for label, n in parse_logged(raw["exclusion_reasons"]):
            if label not in REASON_CODES:
                raise ValueError(f"{qid}: label not in REASON_CODES: {label!r}")
            items.append((label, n, REASON_CODES[label]))
    for label, _, code in items:
        if code != REPEAT and code not in schema.EXCLUSION_REASONS:
            raise ValueError(f"{qid}: {code!r} (for {label!r}) is not a reason code")
    found = _int(raw["records_found"]) or 0
    included = hand.included if hand is not None and hand.included is not None else (_int(raw["included"]) or 0)
    logged_new = _int(raw["records_new"])
    explain = [] if hand is None else [hand.why]
    if hand is None and logged_new is not None:
        items, met_before = _keep_logged_new(items, found, logged_new - included)
        if met_before:
            explain.append(f"records_new as logged ({logged_new}): the logged reasons also cover {met_before} "
                           f"record(s) met before; the new ones are the first {logged_new - included} in the order "
                           "the reasons were logged")
    repeats = sum(n for _, n, code in items if code == REPEAT)
    reasons = Counter()
    for _, n, code in items:
        if code != REPEAT and n:
            reasons[code] += n
    new = found - repeats
    excluded = sum(reasons.values())
    if new < 0 or included + excluded != new:
        raise ValueError(f"{qid}: found {found} - repeats {repeats} = {new} records, "
                         f"but included {included} + excluded {excluded} = {included + excluded}")
    if logged_new is None:
        explain.append(f"records_new derived from the row's reasons: found {found} minus {repeats} met before")
    elif logged_new != new:
        explain.append(f"records_new {logged_new} -> {new}")
    elif logged_new != new and hand is None:
        raise ValueError(f"{qid}: logged records_new {logged_new}, reasons give {new}: needs a hand reading")
    note = raw["note"].strip()
    note = "; ".join(p for p in [note, _logged_summary(raw), *explain] if p)
    return {
        **{c: raw.get(c, "") or "" for c in schema.SCREENING.column_names},
        "seq": str(seq), "round": str(ROUND), "pass_name": pass_name(qid),
        "records_new": str(new), "screened": str(new), "included": str(included), "excluded": str(excluded),
        "exclusion_reasons": "; ".join(f"{c}: {reasons[c]}" for c in schema.EXCLUSION_REASONS if reasons[c]),
        "note": note,
    }


_LOGGED = re.compile(
    r"^(?:(?P<note>.*?); )?round-1 log as written: found (?P<records_found>\d+), new (?P<records_new>\d+|not logged), "
    r"screened (?P<screened>\d+), included (?P<included>\d+), excluded (?P<excluded>\d+); "
    r'reasons "(?P<exclusion_reasons>[^"]*)"(?:; .*)?$', re.S)


def logged_row(row: dict) -> dict:
    """The round-1 row as first logged, read back from what ``note`` keeps (raises ValueError when it cannot)."""
    m = _LOGGED.match(row.get("note") or "")
    if not m:
        raise ValueError(f"{row.get('query_id')}: note does not keep the round-1 log")
    logged = {k: (v or "") for k, v in m.groupdict().items()}
    if logged["records_new"] == "not logged":
        logged["records_new"] = ""
    return {**row, **logged, "time": row.get("time", ""), "seq": "", "round": "", "pass_name": ""}


def normalise_round1(raw_rows: list[dict]) -> list[dict]:
    """Order round 1 by pass (``PASS_ORDER``, file order within a pass) and normalise every row."""
    unknown = sorted({pass_name(r["query_id"]) for r in raw_rows} - set(PASS_ORDER))
    if unknown:
        raise ValueError(f"passes not in PASS_ORDER: {unknown}")
    ordered = sorted(enumerate(raw_rows), key=lambda ir: (PASS_ORDER.index(pass_name(ir[1]["query_id"])), ir[0]))
    return [normalise_row(r, seq) for seq, (_, r) in enumerate(ordered, start=1)]


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = []
        for line_no, cells in enumerate(reader, start=2):
            if len(cells) != len(header):  # a value with commas split over columns
                raise ValueError(f"{path.name}, row {line_no}: {len(cells)} cells for {len(header)} columns")
            rows.append(dict(zip(header, cells)))
    unknown = [c for c in header if c not in schema.SCREENING.column_names]
    if unknown:
        raise ValueError(f"{path.name}: columns not in the schema: {unknown}")
    return rows


def write_rows(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(schema.SCREENING.column_names), lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") or "" for c in schema.SCREENING.column_names})


def check(path: Path) -> list[str]:
    """Problems the loader would report for the file (schema and the screening flow rule)."""
    _, issues = validate_table(read_csv_strings(path), schema.SCREENING)
    return [str(i) for i in issues]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, help="round-1 log as first written (rebuilds round 1 from it)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild round 1 from the log its notes keep")
    ap.add_argument("--check", action="store_true", help="only check data/screening.csv")
    ap.add_argument("--out", type=Path, default=SCREENING_CSV)
    args = ap.parse_args(argv)
    if not args.check:
        current = read_rows(args.out) if args.out.exists() else []
        later = [r for r in current if (r.get("round") or "").strip() not in ("", str(ROUND))]
        if args.source is not None:
            raw = [r for r in read_rows(args.source) if not (r.get("round") or "").strip()]
            rows = normalise_round1(raw) + later
        elif args.rebuild:
            raw = [logged_row(r) for r in current if (r.get("round") or "").strip() == str(ROUND)]
            rows = normalise_round1(raw) + later
        else:
            raw = [r for r in current if not (r.get("round") or "").strip()]
            done = [r for r in current if (r.get("round") or "").strip()]
            if raw and any(r["round"].strip() == str(ROUND) for r in done):
                raise SystemExit(f"{len(raw)} row(s) have no `round`, but round 1 is already normalised: "
                                 "give the rows of a later round their round number (this script reads round 1 only)")
            rows = (normalise_round1(raw) if raw else []) + done
        if raw or args.source is not None or args.rebuild:
            write_rows(args.out, rows)
        print(f"{args.out}: {len(rows)} rows ({len(raw)} normalised now)")
    problems = check(args.out)
    for p in problems:
        print(p)
    print(f"{args.out}: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
