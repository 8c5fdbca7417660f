"""The dataset's schema: every table, column, type, unit and allowed value.

This module is the single source of truth for ``data/``. Loaders validate
against it, the data dictionary shown on the methods page is generated from it,
and the upload template is built from it.

Conventions
-----------
* Multi-valued cells (several sources, routes or co-therapies) are separated
  by ``;`` with no spaces, e.g. ``glucocorticoids;ivig``.
* An empty cell means *the source does not state it*. It is never 0 and
  never a guess.
* Booleans are written ``true`` / ``false`` (empty = not stated).
* Derived values (exact arithmetic only, see ``../shared/CURATION.md``) list
  the column names in ``derived_fields``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["str", "int", "float", "bool", "date", "list"]


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Parameters
    ----------
    name : str
        snake_case column name as it appears in the CSV header.
    type : {"str", "int", "float", "bool", "date", "list"}
        ``list`` is a ``;``-separated multi-value cell.
    description : str
        What the column holds, in plain words.
    unit : str
        Unit of a numeric column ("" when not applicable).
    allowed : tuple of str
        Allowed values for categorical ``str`` and ``list`` columns
        (empty tuple = free text).
    required : bool
        Whether every row must have a value.
    min, max : float or None
        Plausible range for numeric columns (inclusive).
    """

    name: str
    type: ColumnType
    description: str
    unit: str = ""
    allowed: tuple[str, ...] = ()
    required: bool = False
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Table:
    """A table of the dataset: its file name, key and columns."""

    name: str
    filename: str
    key: str
    description: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


# ---------------------------------------------------------------------------
# Vocabularies
# ---------------------------------------------------------------------------

CONDITIONS = ("dira", "mas", "shlh", "phlh")
CONDITION_LABELS = {
    "dira": "DIRA",
    "mas": "MAS",
    "shlh": "Secondary HLH",
    "phlh": "Primary HLH",
}

TRIGGERS = (
    "genetic",  # DIRA (IL1RN) or familial HLH: the background is the germline defect
    "sjia",
    "aosd",
    "sle",
    "kawasaki",
    "other_rheumatic",
    "ebv",
    "covid19",
    "other_infection",
    "malignancy",
    "transplant",
    "other",
    "unknown",
)
TRIGGER_LABELS = {
    "genetic": "Genetic (IL1RN / familial HLH)",
    "sjia": "sJIA",
    "aosd": "AOSD",
    "sle": "SLE",
    "kawasaki": "Kawasaki disease",
    "other_rheumatic": "Other rheumatic",
    "ebv": "EBV",
    "covid19": "COVID-19",
    "other_infection": "Other infection",
    "malignancy": "Malignancy",
    "transplant": "Transplant",
    "other": "Other",
    "unknown": "Unknown / not found",
    "mixed": "Mixed (cohort)",
}
COHORT_TRIGGERS = TRIGGERS + ("mixed",)

ROUTES = ("sc", "iv", "iv_cont")
ROUTE_LABELS = {"sc": "Subcutaneous", "iv": "IV bolus", "iv_cont": "IV continuous"}

SEXES = ("female", "male")

COTHERAPIES = (
    "glucocorticoids",
    "ciclosporin",
    "etoposide",
    "ivig",
    "other_biologic",
    "jak_inhibitor",
    "plasma_exchange",
    "other",
)
COTHERAPY_LABELS = {
    "glucocorticoids": "Glucocorticoids",
    "ciclosporin": "Ciclosporin",
    "etoposide": "Etoposide",
    "ivig": "IVIG",
    "other_biologic": "Other biologics",
    "jak_inhibitor": "JAK inhibitor",
    "plasma_exchange": "Plasma exchange",
    "other": "Other",
}

RESPONSES = ("complete", "partial", "improved", "none")
RESPONSE_LABELS = {
    "complete": "Complete",
    "partial": "Partial",
    "improved": "Improved (not graded)",
    "none": "No response",
}
# Outcome class of a cohort's response definition: response is pooled only within one class.
RESPONSE_CLASSES = ("early_response", "remission", "sustained_remission", "surrogate")
RESPONSE_CLASS_LABELS = {
    "early_response": "Early response (within 2 weeks)",
    "remission": "Remission",
    "sustained_remission": "Sustained remission (at follow-up)",
    "surrogate": "Surrogate score (e.g. SOFA, laboratory criteria)",
}
# Age group where no numeric age is stated (cases) or for a cohort as a whole.
AGE_GROUPS = ("paediatric", "adult", "mixed")
AGE_GROUP_LABELS = {"paediatric": "Paediatric (<18 y)", "adult": "Adult (18+ y)", "mixed": "Children and adults"}
# Adverse events attributed to anakinra, coded; `none` = the source says there were none.
ADVERSE_EVENT_TYPES = ("none", "infection", "injection_site", "hepatotoxicity", "other")
ADVERSE_EVENT_LABELS = {
    "none": "None reported by the source",
    "infection": "Infection",
    "injection_site": "Injection-site reaction",
    "hepatotoxicity": "Hepatotoxicity",
    "other": "Other",
}
DOSE_AMOUNT_UNITS = ("mg", "mg/kg")
# What a cohort's outcome counts refer to.
COUNT_UNITS = ("patients", "episodes")
# Bibliographic fields a source's page did not show (the citation stays incomplete).
METADATA_FIELDS = ("year", "title", "authors", "journal", "identifier")
# Normalised reasons for excluding a screened record (screening log).
EXCLUSION_REASONS = (
    "no_anakinra",
    "not_dira_or_hlh",
    "no_patient_data",
    "review_no_new_patients",
    "duplicate_publication",
    "not_a_publication",
    "not_identifiable",
    "not_in_corpus",
    "other",
)
EXCLUSION_REASON_LABELS = {
    "no_anakinra": "Anakinra not given, or not stated",
    "not_dira_or_hlh": "Not DIRA, HLH or MAS",
    "no_patient_data": "No patient or group figures to extract",
    "review_no_new_patients": "Review or guideline without new patients",
    "duplicate_publication": "Another copy of a publication already counted",
    "not_a_publication": "Not a publication (patient leaflet, encyclopedia, news, ...)",
    "not_identifiable": "Cannot be identified or cited (no title, year or authors)",
    "not_in_corpus": "Text not available to read",
    "other": "Other reason",
}

PUB_TYPES = (
    "case_report",
    "case_series",
    "cohort",
    "trial",
    "review",
    "conference_abstract",
)
PUB_TYPE_LABELS = {
    "case_report": "Case report",
    "case_series": "Case series",
    "cohort": "Cohort",
    "trial": "Trial or reanalysis",
    "review": "Review",
    "conference_abstract": "Conference abstract",
}

ZYGOSITIES = ("homozygous", "compound_heterozygous", "heterozygous")

ANALYTES = (
    "hb",
    "esr",
    "crp",
    "ferritin",
    "platelets",
    "wbc",
    "neutrophils",
    "alt",
    "ast",
    "ldh",
    "fibrinogen",
    "triglycerides",
    "d_dimer",
    "il6",
    "sil2r",
)
# Standard unit of each analyte (values_std are in these units).
ANALYTE_UNITS = {
    "hb": "g/dL",
    "esr": "mm/h",
    "crp": "mg/L",
    "ferritin": "ng/mL",
    "platelets": "10^9/L",
    "wbc": "10^9/L",
    "neutrophils": "10^9/L",
    "alt": "U/L",
    "ast": "U/L",
    "ldh": "U/L",
    "fibrinogen": "g/L",
    "triglycerides": "mmol/L",
    "d_dimer": "mg/L FEU",
    "il6": "pg/mL",
    "sil2r": "U/mL",
}
ANALYTE_LABELS = {
    "hb": "Haemoglobin",
    "esr": "ESR",
    "crp": "CRP",
    "ferritin": "Ferritin",
    "platelets": "Platelets",
    "wbc": "White cells",
    "neutrophils": "Neutrophils",
    "alt": "ALT",
    "ast": "AST",
    "ldh": "LDH",
    "fibrinogen": "Fibrinogen",
    "triglycerides": "Triglycerides",
    "d_dimer": "D-dimer",
    "il6": "IL-6",
    "sil2r": "Soluble IL-2 receptor",
}
# Plausible range of the standardised value (inclusive), used by validation.
ANALYTE_RANGES = {
    "hb": (2.0, 25.0),
    "esr": (0.0, 200.0),
    "crp": (0.0, 1000.0),
    "ferritin": (0.0, 500000.0),
    "platelets": (0.0, 2500.0),
    "wbc": (0.0, 500.0),
    "neutrophils": (0.0, 300.0),
    "alt": (0.0, 20000.0),
    "ast": (0.0, 40000.0),
    "ldh": (0.0, 50000.0),
    "fibrinogen": (0.0, 15.0),
    "triglycerides": (0.0, 60.0),
    "d_dimer": (0.0, 500.0),
    "il6": (0.0, 1000000.0),
    "sil2r": (0.0, 1000000.0),
}

TIMEPOINTS = ("before", "after")
STATISTICS = (
    "value",  # one patient's value
    "mean",
    "sd",
    "median",
    "iqr_low",
    "iqr_high",
    "range_low",
    "range_high",
    "mean_change",
)
ENTITY_TYPES = ("case", "cohort")

VERIFICATION_OUTCOMES = ("agree", "fixed")

# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

_PROVENANCE = (
    Column("locator", "str", "Where in the source the values were found: `abstract`, a table, figure or section.", required=True),
    Column("note", "str", "What numbers were taken, in the curator's own words."),
    Column("extraction_date", "date", "Date the row was extracted (YYYY-MM-DD).", required=True),
    Column("derived_fields", "list", "Columns whose value is derived by exact arithmetic (e.g. dose_mg_kg_day from mg/day and a stated weight)."),
)

SOURCES = Table(
    name="sources",
    filename="sources.csv",
    key="source_id",
    description="One row per publication.",
    columns=(
        Column("source_id", "str", "Stable identifier, e.g. `aksentijevich2009`.", required=True),
        Column("pmid", "str", "PubMed identifier (digits only)."),
        Column("doi", "str", "Digital object identifier, without the https://doi.org/ prefix."),
        Column("pmcid", "str", "PubMed Central identifier, e.g. `PMC2876877`."),
        Column("first_author", "str", "Surname of the first author as printed."),
        Column("authors", "str", "Every author the source lists, `Surname Initials` separated by `; ` (e.g. `Aksentijevich I; Masters SL`)."),
        Column("year", "int", "Year of publication (empty only when no page shows it; then `metadata_missing` says so).", min=1990, max=2030),
        Column("title", "str", "Title of the publication (empty only when no page shows it; then `metadata_missing` says so)."),
        Column("journal", "str", "Journal or meeting."),
        Column("volume", "str", "Volume."),
        Column("issue", "str", "Issue or supplement."),
        Column("pages", "str", "Pages or article number (e.g. `2426-37`, `e29102`)."),
        Column("pub_type", "str", "Publication type.", allowed=PUB_TYPES, required=True),
        Column("url", "str", "Address where the text was read.", required=True),
        Column("language", "str", "Language of the publication (ISO 639-1, e.g. `en`)."),
        Column("extraction_date", "date", "Date the source was read (YYYY-MM-DD).", required=True),
        Column("metadata_missing", "list", "Bibliographic fields no page showed after a completing look-up (the citation is incomplete).", allowed=METADATA_FIELDS),
        Column("note", "str", "Curator's note on the source (e.g. which other source it overlaps)."),
    ),
)

CASES = Table(
    name="cases",
    filename="cases.csv",
    key="case_id",
    description="One row per anakinra-treated patient that a source describes individually.",
    columns=(
        Column("case_id", "str", "Stable identifier, e.g. `aksentijevich2009-p1`.", required=True),
        Column("source_ids", "list", "Every source that reports this patient; the first is the canonical one.", required=True),
        Column("patient_label", "str", "The label the source uses for the patient (e.g. `Patient 3`)."),
        Column("condition", "str", "Condition.", allowed=CONDITIONS, required=True),
        Column("trigger", "str", "Trigger or background.", allowed=TRIGGERS, required=True),
        Column("trigger_detail", "str", "Trigger as reported (e.g. `dengue`, `B-cell lymphoma`)."),
        Column("age_years", "float", "Age at first anakinra dose; where the source gives only the age at presentation of the episode treated, that age (the source's words are in age_as_reported).", unit="years", min=0, max=100),
        Column("age_as_reported", "str", "Age as the source states it (e.g. `2 weeks`)."),
        Column("age_group", "str", "Paediatric or adult where the source says so without a numeric age (e.g. `two children`).", allowed=("paediatric", "adult")),
        Column("sex", "str", "Sex.", allowed=SEXES),
        Column("country", "str", "Country of the patient or of the treating centre."),
        Column("weight_kg", "float", "Body weight when stated.", unit="kg", min=0.3, max=250),
        Column("il1rn_variant_c", "str", "IL1RN variant(s), HGVS cDNA notation; two alleles separated by `;`."),
        Column("il1rn_variant_p", "str", "IL1RN variant(s), HGVS protein notation; two alleles separated by `;`."),
        Column("il1rn_transcript", "str", "Reference transcript of the HGVS notation (e.g. NM_173842.2)."),
        Column("il1rn_zygosity", "str", "Zygosity of the IL1RN variant.", allowed=ZYGOSITIES),
        Column("variant_as_reported", "str", "Genetic finding in the source's own notation."),
        Column("hlh_gene_variants", "str", "HLH-related gene variants where reported (e.g. `PRF1 c.1122G>A`)."),
        Column("route", "list", "Route(s) of anakinra.", allowed=ROUTES),
        Column("dose_as_reported", "str", "Dose as the source states it."),
        Column("dose_mg_kg_day", "float", "Maximum daily dose in mg/kg/day.", unit="mg/kg/day", min=0, max=100),
        Column("dose_mg_day", "float", "Maximum daily dose in mg/day.", unit="mg/day", min=0, max=10000),
        Column("dose_amount", "float", "Amount of one dose (e.g. 2 for `2 mg/kg every 6 h`); see `dose_amount_unit`.", min=0, max=5000),
        Column("dose_amount_unit", "str", "Unit of `dose_amount`.", allowed=DOSE_AMOUNT_UNITS),
        Column("dose_interval_h", "float", "Hours between doses (6 for every 6 h, 24 for daily); empty for a continuous infusion.", unit="h", min=0.5, max=336),
        Column("duration_days", "float", "Days on anakinra when stated.", unit="days", min=0, max=36500),
        Column("escalated", "bool", "The dose was escalated during treatment."),
        Column("start_day", "float", "Day of the first anakinra dose relative to diagnosis or admission.", unit="days", min=-3650, max=36500),
        Column("start_day_reference", "str", "What `start_day` is counted from.", allowed=("diagnosis", "admission", "symptom_onset")),
        Column("cotherapies", "list", "Co-therapies given with anakinra.", allowed=COTHERAPIES),
        Column("cotherapy_detail", "str", "Co-therapies as reported."),
        Column("prior_therapies", "list", "Therapies given before anakinra and stopped or failed (not concurrent).", allowed=COTHERAPIES),
        Column("prior_therapy_detail", "str", "Prior therapies as reported."),
        Column("response", "str", "Response mapped from the source's own words: `improved` where the source describes improvement, control or resolution without a grade; empty only where the source says nothing about the course.", allowed=RESPONSES),
        Column("response_as_reported", "str", "Response in the source's words (short)."),
        Column("days_to_response", "float", "Days from the first anakinra dose to response.", unit="days", min=0, max=3650),
        Column("days_to_defervescence", "float", "Days from the first anakinra dose to the end of fever.", unit="days", min=0, max=3650),
        Column("icu", "bool", "Treated in intensive care during the episode."),
        Column("ventilation", "bool", "Mechanically ventilated during the episode."),
        Column("relapse", "bool", "Relapse or flare after response."),
        Column("relapse_on_tapering", "bool", "Relapse or flare while anakinra was tapered or after it was stopped."),
        Column("death", "bool", "Survival status at last follow-up: true = died (stated), false = alive (discharge, recovery, remission at follow-up or later events reported)."),
        Column("survival_as_reported", "str", "The source's words behind `death` (e.g. `discharged home day 21`)."),
        Column("followup_days", "float", "Days from the first anakinra dose to last follow-up or death.", unit="days", min=0, max=36500),
        Column("adverse_events", "str", "Adverse events attributed to anakinra, as reported."),
        Column("adverse_event_types", "list", "Adverse events coded; `none` where the source says there were none.", allowed=ADVERSE_EVENT_TYPES),
        Column("included_in_cohort", "str", "cohort_id of a cohort row whose aggregate figures include this patient (never count both)."),
    )
    + _PROVENANCE,
)

COHORTS = Table(
    name="cohorts",
    filename="cohorts.csv",
    key="cohort_id",
    description="One row per study group reported in aggregate (never split into patients).",
    columns=(
        Column("cohort_id", "str", "Stable identifier, e.g. `eloseily2020-all`.", required=True),
        Column("source_id", "str", "The source reporting the group.", required=True),
        Column("subgroup", "str", "Subgroup label where a source splits its results (empty = whole study)."),
        Column("condition", "str", "Condition (the dominant one where mixed; see population).", allowed=CONDITIONS, required=True),
        Column("trigger", "str", "Trigger or background; `mixed` for several.", allowed=COHORT_TRIGGERS, required=True),
        Column("population", "str", "Who the group is, in words (setting, ages, years).", required=True),
        Column("design", "str", "Study design.", allowed=("retrospective", "prospective", "trial_reanalysis", "pooled_review", "survey")),
        Column("n", "int", "Number of anakinra-treated patients in the group.", required=True, min=1, max=100000),
        Column("n_episodes", "int", "Number of treated episodes where the source counts episodes (e.g. 25 episodes in 23 patients).", min=1, max=100000),
        Column("counts_refer_to", "str", "Whether responders, deaths and relapses count patients or episodes (empty = patients).", allowed=COUNT_UNITS),
        Column("age_median_years", "float", "Median age.", unit="years", min=0, max=100),
        Column("age_mean_years", "float", "Mean age (where the source gives a mean, not a median).", unit="years", min=0, max=100),
        Column("age_as_reported", "str", "Age summary as reported."),
        Column("age_group", "str", "Paediatric, adult or mixed, from the population text.", allowed=AGE_GROUPS),
        Column("pct_female", "float", "Percent female.", unit="%", min=0, max=100),
        Column("route", "list", "Route(s) of anakinra used in the group.", allowed=ROUTES),
        Column("dose_as_reported", "str", "Dose as the source states it."),
        Column("dose_mg_kg_day_min", "float", "Lowest daily dose reported.", unit="mg/kg/day", min=0, max=100),
        Column("dose_mg_kg_day_max", "float", "Highest daily dose reported.", unit="mg/kg/day", min=0, max=100),
        Column("dose_mg_day_min", "float", "Lowest daily dose reported in mg/day (adult fixed doses).", unit="mg/day", min=0, max=10000),
        Column("dose_mg_day_max", "float", "Highest daily dose reported in mg/day.", unit="mg/day", min=0, max=10000),
        Column("dose_interval_h", "float", "Hours between doses where one schedule is stated.", unit="h", min=0.5, max=336),
        Column("duration_days", "float", "Duration of anakinra (median or as stated; see note).", unit="days", min=0, max=36500),
        Column("cotherapies", "list", "Co-therapies used in the group.", allowed=COTHERAPIES),
        Column("prior_therapies", "list", "Therapies given before anakinra (not concurrent).", allowed=COTHERAPIES),
        Column("response_definition", "str", "The source's own definition of response."),
        Column("response_class", "str", "Outcome class of the response definition (response is pooled only within one class).", allowed=RESPONSE_CLASSES),
        Column("responders", "int", "Patients meeting the response definition.", min=0, max=100000),
        Column("complete_responders", "int", "Patients with complete response/remission.", min=0, max=100000),
        Column("response_timepoint", "str", "When response was assessed."),
        Column("deaths", "int", "Deaths.", min=0, max=100000),
        Column("deaths_timepoint", "str", "Time frame of the deaths (e.g. `28 days`, `hospital stay`)."),
        Column("relapses", "int", "Relapses.", min=0, max=100000),
        Column("survival_pct", "float", "Survival estimate reported by the source.", unit="%", min=0, max=100),
        Column("survival_time_days", "float", "Time point of the survival estimate.", unit="days", min=0, max=36500),
        Column("days_to_defervescence", "float", "Median days from the first anakinra dose to the end of fever.", unit="days", min=0, max=3650),
        Column("icu_n", "int", "Patients treated in intensive care.", min=0, max=100000),
        Column("ventilated_n", "int", "Patients mechanically ventilated.", min=0, max=100000),
        Column("adverse_events", "str", "Adverse events on anakinra, as reported."),
        Column("adverse_event_types", "list", "Adverse events coded; `none` where the source says there were none.", allowed=ADVERSE_EVENT_TYPES),
        Column("infections_n", "int", "Patients with an infection on anakinra.", min=0, max=100000),
        Column("stopped_for_ae_n", "int", "Patients who stopped anakinra for an adverse event.", min=0, max=100000),
        Column("comparator", "str", "Comparator group and its figures where the source reports one."),
    )
    + _PROVENANCE,
)

LABS = Table(
    name="labs",
    filename="labs.csv",
    key="lab_id",
    description="Laboratory values, long format: a patient's value or a cohort's summary statistic.",
    columns=(
        Column("lab_id", "str", "Identifier of the row, e.g. `aksentijevich2009-p1-crp-before`.", required=True),
        Column("entity_type", "str", "Whether the value belongs to a case or a cohort.", allowed=ENTITY_TYPES, required=True),
        Column("entity_id", "str", "case_id or cohort_id.", required=True),
        Column("analyte", "str", "Analyte.", allowed=ANALYTES, required=True),
        Column("timepoint", "str", "Before or after anakinra.", allowed=TIMEPOINTS, required=True),
        Column("day", "float", "Day relative to the first anakinra dose when stated.", unit="days", min=-3650, max=36500),
        Column("statistic", "str", "`value` for a patient; summary statistic for a cohort.", allowed=STATISTICS, required=True),
        Column("value_reported", "float", "Value as reported.", required=True),
        Column("unit_reported", "str", "Unit as reported.", required=True),
        Column("value_std", "float", "Value in the analyte's standard unit (see `unit_std`)."),
        Column("unit_std", "str", "Standard unit of the analyte."),
    )
    + _PROVENANCE,
)

SCREENING = Table(
    name="screening",
    filename="screening.csv",
    key="query_id",
    description="Screening log: every query run, with what it found and what was kept.",
    columns=(
        Column("query_id", "str", "Identifier of the query, e.g. `q001`.", required=True),
        Column("date", "date", "Date the query was run.", required=True),
        Column("time", "str", "UTC time the look-up was run (HH:MM), so that parallel passes can be ordered."),
        Column("seq", "int", "Order of the look-up within its round (the yield curve is drawn in this order).", min=0),
        Column("round", "int", "Curation round (1 = first, 2 = second).", min=1, max=100),
        Column("pass_name", "str", "Which curation pass ran it (e.g. `mas-rheumatic`, `recode`)."),
        Column("database", "str", "Where the query was run (e.g. `stored web pages`, `PubMed`).", required=True),
        Column("query", "str", "The query text.", required=True),
        Column("records_found", "int", "Records the query returned.", required=True, min=0),
        Column("records_new", "int", "Records not already seen by an earlier query.", min=0),
        Column("screened", "int", "Records whose title/abstract was screened.", min=0),
        Column("included", "int", "Records included (new sources added to the dataset).", min=0),
        Column("excluded", "int", "Records excluded.", min=0),
        Column("exclusion_reasons", "str", "Reasons with counts from the normalised list, e.g. `no_anakinra: 3; not_dira_or_hlh: 2` (see `EXCLUSION_REASONS`)."),
        Column("note", "str", "Anything else."),
    ),
)

VERIFICATION = Table(
    name="verification",
    filename="verification.csv",
    key="check_id",
    description="Second reading of a sample of rows against their sources.",
    columns=(
        Column("check_id", "str", "Identifier of the check.", required=True),
        Column("table", "str", "Table of the row checked.", allowed=("cases", "cohorts", "labs", "sources"), required=True),
        Column("row_id", "str", "Key of the row checked.", required=True),
        Column("field", "str", "Field checked (`all` for the whole row).", required=True),
        Column("source_says", "str", "What the source says."),
        Column("dataset_had", "str", "What the dataset held before the check."),
        Column("outcome", "str", "Agree, or fixed (the row was corrected).", allowed=VERIFICATION_OUTCOMES, required=True),
        Column("reason", "str", "Why the row was checked: `random` sample or `surprising` value."),
        Column("date", "date", "Date of the check.", required=True),
        Column("note", "str", "Anything else."),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (SOURCES, CASES, COHORTS, LABS, SCREENING, VERIFICATION)
}

# Tables a research group can upload (patient level).
UPLOADABLE = ("cases", "labs")


def age_band(age_years: float | None) -> str | None:
    """Age band used by filters and subgroup analyses.

    Bands: ``<1`` (infant), ``1-11``, ``12-17``, ``18-64``, ``65+``.
    """
    if age_years is None or age_years != age_years:  # NaN
        return None
    if age_years < 1:
        return "infant"
    if age_years < 12:
        return "child"
    if age_years < 18:
        return "adolescent"
    if age_years < 65:
        return "adult"
    return "older_adult"


AGE_BANDS = ("infant", "child", "adolescent", "adult", "older_adult")
AGE_BAND_LABELS = {
    "infant": "Infant (<1 y)",
    "child": "Child (1-11 y)",
    "adolescent": "Adolescent (12-17 y)",
    "adult": "Adult (18-64 y)",
    "older_adult": "Older adult (65+ y)",
}
