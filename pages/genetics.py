"""Genetics (DIRA): IL1RN variants of the DIRA patients in view, on the IL-1Ra protein, with outcomes."""

import plotly.graph_objects as go
import streamlit as st

from lib import genetics, ui
from lib.citations import dataset_words, patient_labels
from lib.wording import MISSING, plural

TYPE_COLOURS = {
    "nonsense": "#c0392b",
    "frameshift": "#8e44ad",
    "inframe_deletion": "#2471a3",
    "missense": "#229954",
    "large_deletion": "#7f8c8d",
    "other": "#b7950b",
}

view = ui.current_view()
st.title("Genetics (DIRA)")
st.caption(
    "IL1RN variants of the individually described DIRA patients in view. Protein positions are on the "
    f"secreted IL-1Ra isoform 1 precursor ({genetics.PROTEIN_LENGTH} amino acids; signal peptide "
    f"{genetics.SIGNAL_PEPTIDE[0]}–{genetics.SIGNAL_PEPTIDE[1]}, mature protein "
    f"{genetics.MATURE_CHAIN[0]}–{genetics.MATURE_CHAIN[1]}; transcript {genetics.REFERENCE_TRANSCRIPT}, "
    f"protein {genetics.REFERENCE_PROTEIN}), the numbering the DIRA literature uses (e.g. p.Glu77*)."
)


def _plain(text) -> str:
    """Data text for a plotly label: plotly reads a few HTML tags, so angle brackets are replaced."""
    return str(text).replace("<", "‹").replace(">", "›")


def _lollipop(placed, n_max: int):
    fig = go.Figure()
    bar = 0.2 * max(1.0, n_max / 4)  # height of the protein bar, in patients
    # the protein as a bar along y = 0: signal peptide and mature chain
    # "Signal" (not "Signal peptide"): the 25 residues are about 45 px wide on a phone; the caption names it
    for (start, end), name, colour in ((genetics.SIGNAL_PEPTIDE, "Signal", "#f5cba7"),
                                       (genetics.MATURE_CHAIN, "Mature IL-1Ra", "#d6eaf8")):
        fig.add_shape(type="rect", x0=start - 0.5, x1=end + 0.5, y0=-bar, y1=0.0,
                      fillcolor=colour, line=dict(color="#555", width=1))
        fig.add_annotation(x=(start + end) / 2, y=-bar / 2, text=name, showarrow=False, font=dict(size=11))
    for vtype in genetics.VARIANT_TYPES:
        part = placed.loc[placed["variant_type"] == vtype]
        if part.empty:
            continue
        xs, ys = [], []
        for pos, n in zip(part["protein_position"], part["n_patients"]):
            xs += [int(pos), int(pos), None]
            ys += [0, int(n), None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#888", width=1.5),
                                 hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(
            x=[int(p) for p in part["protein_position"]], y=[int(n) for n in part["n_patients"]],
            mode="markers", marker=dict(size=14, color=TYPE_COLOURS[vtype], line=dict(color="white", width=1)),
            name=genetics.VARIANT_TYPE_LABELS[vtype],
            hovertext=[f"{_plain(lab)}: {plural(int(n), 'patient')}, {genetics.VARIANT_TYPE_LABELS[vtype].lower()}"
                       for lab, n in zip(part["variant_label"], part["n_patients"])],
            hoverinfo="text",
        ))
    # labels staggered in lanes above their lollipop so that none overlap on a 390 px wide phone;
    # a label that fits in no lane is left to the hover (and the table above)
    texts = [_plain(t) for t in placed["hgvs_p"]]
    lanes = genetics.label_lanes(list(placed["protein_position"].astype(int)), texts)
    for pos, n, text, lane in zip(placed["protein_position"], placed["n_patients"], texts, lanes):
        if lane is None:
            continue
        fig.add_annotation(x=int(pos), y=int(n), text=text, showarrow=True, arrowhead=0, arrowwidth=1,
                           arrowcolor="#999", ax=0, ay=-(22 + 18 * lane), font=dict(size=11),
                           bgcolor="rgba(255,255,255,0.85)")
    n_lanes = max([lane for lane in lanes if lane is not None], default=-1) + 1
    fig.update_layout(
        height=380 + 18 * n_lanes, margin=dict(l=10, r=10, t=30 + 18 * n_lanes, b=40),
        xaxis=dict(title=f"Residue of the IL-1Ra precursor (1–{genetics.PROTEIN_LENGTH})",
                   range=[0, genetics.PROTEIN_LENGTH + 3], dtick=25, tick0=0),
        yaxis=dict(title="Patients carrying the variant (n)", range=[-1.3 * bar, n_max * 1.15 + 0.5],
                   dtick=1 if n_max <= 10 else None),
        legend=dict(title="Variant type", orientation="h", y=-0.25, x=0),
    )
    return fig, sum(lane is None for lane in lanes)


def _body(view) -> None:
    """The DIRA patients' variants and outcomes (a recorded section)."""
    dira = genetics.dira_cases(view.cases)
    if dira.empty:
        st.info("No DIRA patients match the current filters. Add DIRA to the condition filter (or remove filters) "
                "to see IL1RN variants.")
        return
    alleles = genetics.variant_alleles(dira)
    names = dict(zip(dira["case_id"], patient_labels(dira, view.sources)))
    words = ui.cached_dataset(dataset_words)  # ids in the sources' words read as labels
    counts = genetics.genotype_counts(dira, alleles)
    summary = genetics.variant_summary(alleles)
    st.caption("Only individually described patients are shown: cohorts and pooled reviews of DIRA are not "
               "split into patients, so their variants are not listed here.")
    st.write(
        f"**{counts['patients']}** DIRA patients in view; **{counts['with_variant']}** with an IL1RN finding "
        f"recorded, **{counts['without_variant']}** without. **{len(summary)}** distinct variants."
    )
    if alleles.empty:
        st.info("None of the DIRA patients in view has an IL1RN variant recorded, so there is nothing to map. "
                "An uploaded dataset with the columns il1rn_variant_c, il1rn_variant_p, il1rn_transcript, "
                "il1rn_zygosity and variant_as_reported is shown here.")
    else:
        st.subheader("Variants")
        st.dataframe(
            summary.assign(variant_type=summary["variant_type"].map(genetics.VARIANT_TYPE_LABELS),
                           zygosity=summary["zygosity"].map(genetics.zygosity_words),
                           placement=summary["placement"].map(genetics.PLACEMENT_LABELS),
                           case_ids=summary["case_ids"].map(lambda ids: genetics.patient_names(ids, names)),
                           as_reported=summary["as_reported"].map(words),
                           variant_label=summary["variant_label"].map(words))[
                ["variant_label", "hgvs_c", "hgvs_p", "variant_type", "protein_position", "transcript",
                 "zygosity", "countries", "n_patients", "as_reported", "placement", "case_ids"]],
            hide_index=True, width="stretch", placeholder=MISSING, column_config={
                "variant_label": "Variant", "hgvs_c": "HGVS c.", "hgvs_p": "HGVS p.",
                "variant_type": "Type", "protein_position": "Residue", "transcript": "Transcript (as stated)",
                "zygosity": "Zygosity", "countries": "Country", "n_patients": "Patients",
                "as_reported": "Source's own notation", "placement": "On the protein plot", "case_ids": "Patients (study)",
            })
        st.caption("One row per distinct variant. HGVS p. is rewritten with three-letter codes and * for a stop "
                   "(p.E77X = p.Glu77Ter = p.Glu77*); the source's own words are kept beside it. A homozygous "
                   "patient counts once for the variant; a compound heterozygous patient once for each of the "
                   f"two. An empty cell ({MISSING}) means the source does not state it.")
        ui.dataframe_download(summary, "Download the variant table (CSV)", "il1rn_variants.csv",
                              key="dl_genetics_variants")

        st.subheader("Variants along the IL-1Ra protein")
        placed, unplaced = genetics.split_placed(summary)
        if placed.empty:
            st.info("No variant in view has a protein (p.) position on the reference isoform, so the protein "
                    "plot is empty; the variants are listed below.")
        else:
            n_max = int(placed["n_patients"].max())
            fig, hidden = _lollipop(placed, n_max)
            ui.chart(fig, key="genetics_lollipop", data=placed.drop(columns=["case_ids"]),
                     filename="il1rn_lollipop")
            st.caption(ui.n_caption(len(placed), len(unplaced), "variants placed on the protein")
                       + (" (listed below)" if len(unplaced) else "")
                       + f". Position = first residue named in the HGVS p. notation (p.Thr47Thrfs*4 at 47). "
                         f"Variants with a transcript other than {genetics.REFERENCE_TRANSCRIPT} stated are not "
                         "placed; without a transcript, the usual DIRA numbering (isoform 1) is assumed. Labels are "
                         "raised in steps so that they do not overlap"
                       + (f"; {plural(hidden, 'label')} that would overlap show on hover only." if hidden else "."))
        if not unplaced.empty:
            st.markdown("**Not on the protein plot**")
            st.dataframe(
                unplaced.assign(placement=unplaced["placement"].map(genetics.PLACEMENT_LABELS),
                                variant_type=unplaced["variant_type"].map(genetics.VARIANT_TYPE_LABELS),
                                as_reported=unplaced["as_reported"].map(words),
                                variant_label=unplaced["variant_label"].map(words))[
                    ["variant_label", "variant_type", "placement", "n_patients", "transcript", "as_reported"]],
                hide_index=True, width="stretch", placeholder=MISSING, column_config={
                    "variant_label": "Variant", "variant_type": "Type", "placement": "Why",
                    "n_patients": "Patients", "transcript": "Transcript (as stated)",
                    "as_reported": "Source's own notation"})
            if (unplaced["placement"] == "large_deletion").any():
                st.caption("Large deletions (e.g. the 175 kb deletion found in Puerto Rico) remove IL1RN and "
                           "neighbouring IL-1 family genes, so no single residue can be marked.")

        st.subheader("Anakinra outcomes by variant type")
        by_type = genetics.outcomes_by_type(alleles)
        st.dataframe(
            by_type.assign(variant_type=by_type["variant_type"].map(genetics.VARIANT_TYPE_LABELS)),
            hide_index=True, width="stretch", placeholder=MISSING, column_config={
                "variant_type": "Variant type", "patients": "Patients", "complete": "Complete response",
                "partial": "Partial response", "no_response": "No response",
                "response_not_stated": "Response not stated", "died": "Died", "alive": "Alive",
                "death_not_stated": "Vital status not stated"})
        st.caption(ui.n_caption(counts["with_variant"], counts["without_variant"], "patients with a variant recorded")
                   + ". A compound heterozygous patient is counted under each of the two variant types. "
                     "Counts only: no test is shown, because the patients per type are few and the reports are "
                     "selected (published responders are over-represented).")
        if counts["with_response"] == 0:
            st.info("No patient with a recorded variant has a mapped anakinra response in view.")
        else:
            fig = go.Figure()
            labels = [genetics.VARIANT_TYPE_LABELS[v] for v in by_type["variant_type"]]
            for col, name, colour in (("complete", "Complete response", "#1e8449"),
                                      ("partial", "Partial response", "#f4d03f"),
                                      ("no_response", "No response", "#c0392b"),
                                      ("response_not_stated", "Not stated", "#d5d8dc")):
                fig.add_trace(go.Bar(x=labels, y=by_type[col], name=name, marker_color=colour))
            fig.update_layout(barmode="stack", height=340, margin=dict(l=10, r=10, t=30, b=40),
                              yaxis=dict(title="Patients (n)", dtick=1 if len(dira) <= 10 else None), xaxis=dict(title="Variant type"),
                              legend=dict(orientation="h", y=-0.3))
            ui.chart(fig, key="genetics_outcomes", data=by_type, filename="il1rn_outcomes_by_type")


if view.is_empty:
    ui.empty_message(view)
else:
    ui.section(_body, view)
