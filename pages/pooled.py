"""Pooled evidence: cohort table and random-effects forest plots of response and mortality."""

import math

import plotly.graph_objects as go
import streamlit as st

from lib import pooled, schema, ui
from lib.links import doi_url, pubmed_url

view = ui.current_view()
st.title("Pooled evidence")
st.caption(
    "Cohorts report their results in aggregate. Here each cohort's proportion (responders or deaths "
    "out of n) is shown with its exact 95% confidence interval, and the cohorts are pooled in a "
    "random-effects meta-analysis of proportions."
)


def _plain(text) -> str:
    """Data text for a plotly label: plotly reads a few HTML tags, so angle brackets are replaced."""
    return str(text).replace("<", "‹").replace(">", "›")


def _pct(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def _ci(lo: float, hi: float) -> str:
    return f"{_pct(lo)}–{_pct(hi)}"


def _forest_figure(forest, outcome_label: str, conf: float):
    """A forest plot: squares (size by weight) with exact CIs, diamonds for pooled estimates,
    and the prediction interval as a separate thick bar."""
    fig = go.Figure()
    n = len(forest)
    y = [-int(o) for o in forest["order"]]
    ticktext = []
    for row in forest.itertuples(index=False):
        if row.kind == "header":
            ticktext.append(f"<b>{_plain(row.label)}</b>")
        elif row.kind == "study":
            ticktext.append(f"{_plain(row.label)}  ({row.events}/{row.total})")
        elif row.kind == "prediction":
            ticktext.append(f"<i>{int(round(100 * conf))}% prediction interval</i>")
        else:
            ticktext.append(f"<b>{_plain(row.label)}</b>  ({row.events}/{row.total})")
    studies = forest.loc[forest["kind"] == "study"]
    if len(studies):
        w = studies["weight_percent"].fillna(0).to_numpy()
        sizes = [8 + 14 * math.sqrt(v / 100) if v > 0 else 9 for v in w]
        fig.add_trace(go.Scatter(
            x=100 * studies["estimate"], y=[-int(o) for o in studies["order"]], mode="markers",
            marker=dict(symbol="square", size=sizes, color="#1f4e79"),
            error_x=dict(type="data", symmetric=False, array=100 * (studies["ci_upper"] - studies["estimate"]),
                         arrayminus=100 * (studies["estimate"] - studies["ci_lower"]), color="#1f4e79",
                         thickness=1.5, width=4),
            name="Study (exact CI)",
            hovertext=[f"{_plain(r.label)}: {r.events}/{r.total} = {_pct(r.estimate)} (CI {_ci(r.ci_lower, r.ci_upper)})"
                       + (f"; weight {r.weight_percent:.1f}%" if not math.isnan(r.weight_percent) else "")
                       for r in studies.itertuples(index=False)],
            hoverinfo="text",
        ))
    first = {"subgroup": True, "overall": True}
    for row in forest.itertuples(index=False):
        if row.kind not in ("subgroup", "overall"):
            continue
        yy = -int(row.order)
        color = "#b8860b" if row.kind == "subgroup" else "#8b0000"
        name = "Subgroup pooled estimate" if row.kind == "subgroup" else "Pooled estimate (all studies)"
        fig.add_trace(go.Scatter(
            x=[100 * row.ci_lower, 100 * row.estimate, 100 * row.ci_upper, 100 * row.estimate, 100 * row.ci_lower],
            y=[yy, yy + 0.3, yy, yy - 0.3, yy], fill="toself", mode="lines", line=dict(color=color),
            fillcolor=color, name=name, showlegend=first[row.kind], legendgroup=row.kind,
            hovertext=f"{_plain(row.label)}: {_pct(row.estimate)} (CI {_ci(row.ci_lower, row.ci_upper)})",
            hoverinfo="text", hoveron="fills",
        ))
        first[row.kind] = False
    for row in forest.loc[forest["kind"] == "prediction"].itertuples(index=False):
        yy = -int(row.order)
        fig.add_trace(go.Scatter(
            x=[100 * row.ci_lower, 100 * row.ci_upper], y=[yy, yy], mode="lines",
            line=dict(color="#d2691e", width=9), name=f"{int(round(100 * conf))}% prediction interval",
            hovertext=f"Prediction interval {_ci(row.ci_lower, row.ci_upper)}", hoverinfo="text",
        ))
    fig.update_layout(
        height=max(280, 34 * n + 150), margin=dict(l=10, r=20, t=50, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        xaxis=dict(title=f"{outcome_label}: proportion of patients (%)", range=[-2, 102], dtick=10,
                   ticksuffix="%", zeroline=False),
        yaxis=dict(tickvals=y, ticktext=ticktext, range=[-n + 0.4, 0.6], title=None, automargin=True),
    )
    return fig


if view.cohorts.empty:
    if not ui.empty_message(view):
        st.info("No cohorts match the current filters, so there is nothing to pool. Individually described "
                "patients are not pooled as studies (see the Outcomes and Cases pages).")
else:
    c1, c2, c3 = st.columns([1, 1, 1])
    with c1:
        outcome = ui.view_option("pooled_outcome", "Outcome", list(pooled.OUTCOMES), "response",
                                 format_func=pooled.OUTCOME_LABELS.get, widget="radio")
    with c2:
        by = ui.view_option("pooled_by", "Subgroups", list(pooled.SUBGROUPS), "none",
                            format_func=pooled.SUBGROUP_LABELS.get)
    with c3:
        method = ui.view_option("pooled_method", "Between-study variance (τ²)", list(pooled.METHODS), "REML",
                                format_func=pooled.METHOD_LABELS.get, widget="radio",
                                help="REML is the default of metafor::rma; DerSimonian-Laird is the classic "
                                     "moment estimator.")
    label = pooled.OUTCOME_LABELS[outcome]
    what = "responders" if outcome == "response" else "deaths"
    a = pooled.analyse(view.cohorts, view.sources, outcome, method, by)

    st.subheader(f"{label}: {what} out of n")
    st.caption("Pooled: cohort rows only (individual case reports are not pooled as studies). Pooled reviews, "
               "and subgroup rows whose whole-study row is also pooled, are left out so that no patient is "
               "counted twice.")
    with st.expander("Which cohorts are pooled (rule)", expanded=a.k < pooled.MIN_STUDIES):
        st.markdown(
            "- Only **cohort rows** are pooled. Individually described patients (case reports) are not "
            "pooled as studies.\n"
            "- **Pooled reviews** (design `pooled_review`) are left out: their patients are the published "
            "cases and cohorts themselves, so they would be counted twice.\n"
            "- A **subgroup row** is left out when its study's whole-study row is in the same pool; it is "
            "used only when the whole-study row is filtered out or does not report the outcome.\n"
            "- A cohort that does not report the outcome is left out (never counted as 0).\n"
            f"- At least {pooled.MIN_STUDIES} cohorts are needed for a pooled estimate."
        )
        counts = pooled.reason_counts(a.rows)
        st.dataframe(counts.assign(reason=counts["reason"].map(pooled.REASON_LABELS)), hide_index=True,
                     width="stretch", column_config={"reason": "Rule", "cohorts": "Cohorts",
                                                     "patients": "Patients (n)"})

    n_not, n_patients = a.n_not_reported, a.n_patients
    if a.k == 0:
        st.info(f"No cohort in view reports {what} in a form that can be pooled "
                f"({n_not} {'cohort does' if n_not == 1 else 'cohorts do'} not report it). "
                "Change the filters or the outcome.")
    else:
        if a.overall is None:
            st.info(f"Only {a.k} cohort reports {what} after the rule above; at least {pooled.MIN_STUDIES} are "
                    "needed to pool. Its own proportion and exact interval are shown.")
        else:
            o = a.overall
            m1, m2, m3, m4 = st.columns(4)
            m1.metric(f"Pooled {label.lower()}", _pct(o.estimate),
                      help="Random-effects estimate, back-transformed from the logit scale.")
            m1.caption(f"95% CI {_ci(o.ci_lower, o.ci_upper)}")
            m2.metric("Prediction", f"{100 * o.pred_lower:.0f}–{100 * o.pred_upper:.0f}%",
                      help="95% prediction interval: where the proportion of a new, similar study is "
                           "expected to lie.")
            m2.caption("95% prediction interval")
            m3.metric("I²", f"{o.i2:.0f}%", help="Share of the variability due to between-study heterogeneity.")
            m3.caption(f"τ² = {o.tau2:.3f} (logit scale)")
            m4.metric("Cochran's Q", f"{o.q:.2f}", help="Test of heterogeneity (chi-square on k − 1 df).")
            m4.caption(f"{o.q_df} df, " + (f"p = {o.q_p_value:.3f}" if o.q_p_value >= 0.001 else "p < 0.001"))
            st.caption(
                f"{a.k} cohorts, {n_patients} patients. Random-effects meta-analysis of logit-transformed "
                f"proportions, τ² by {pooled.METHOD_LABELS[method]}, normal-quantile confidence and prediction "
                "intervals (as R metafor::rma(measure = \"PLO\") with predict(transf = transf.ilogit)). "
                "Study intervals are exact (Clopper-Pearson). "
                + ("With τ² = 0 the prediction interval equals the confidence interval. " if o.tau2 == 0 else "")
                + (f"{o.n_corrected} cohort(s) with 0 or all events got a 0.5 continuity correction on the "
                   "logit scale. " if o.n_corrected else "")
                + "With few small studies these intervals are wide and the heterogeneity statistics have "
                  "little power."
            )
        if len(a.conditions) > 1:
            mixed = " and ".join(schema.CONDITION_LABELS[c] for c in a.conditions)
            if by == "condition":
                st.caption(f"The overall estimate mixes {mixed}; read the estimate of each condition.")
            else:
                st.warning(f"This pool mixes {mixed}. Choose Subgroups → Condition, or filter one condition, "
                           "before reading the pooled estimate.")
        if outcome == "response":
            st.caption("Response definitions and assessment times differ between cohorts (see the table below); "
                       "the pooled response mixes them.")
        else:
            st.caption("Deaths are counted over different time frames (see the table below).")

        fig = _forest_figure(a.forest, label, a.conf)
        ui.chart(fig, key=f"pooled_forest_{outcome}", data=a.forest, filename=f"forest_{outcome}")
        st.caption(ui.n_caption(a.k, n_not, f"cohorts ({n_patients} patients) with {what} reported")
                   + ". Square size: weight in the overall random-effects pool.")

        forest_table = a.forest.loc[(a.forest["kind"] != "header").to_numpy()].assign(
            proportion=lambda f: [_pct(v) for v in f["estimate"]],
            interval=lambda f: [_ci(lo, hi) for lo, hi in zip(f["ci_lower"], f["ci_upper"])],
            weight=lambda f: [("" if math.isnan(v) or k != "study" else f"{v:.1f}%")
                              for v, k in zip(f["weight_percent"], f["kind"])],
        )[["label", "events", "total", "proportion", "interval", "weight"]]
        st.dataframe(forest_table, hide_index=True, width="stretch", column_config={
            "label": "Study or estimate", "events": what.capitalize(), "total": "n",
            "proportion": "Proportion", "interval": "95% interval", "weight": "Weight"})

        if by != "none":
            st.subheader(f"By {pooled.SUBGROUP_LABELS[by].lower()}")
            subs = a.subgroups
            table = subs.assign(
                pooled_pct=[_pct(v) for v in subs["estimate"]],
                ci=[_ci(lo, hi) if p else f"fewer than {pooled.MIN_STUDIES} cohorts"
                    for lo, hi, p in zip(subs["ci_lower"], subs["ci_upper"], subs["pooled"])],
                pi=[_ci(lo, hi) if p else "" for lo, hi, p in zip(subs["pred_lower"], subs["pred_upper"], subs["pooled"])],
                i2_text=[f"{v:.0f}%" if p else "" for v, p in zip(subs["i2"], subs["pooled"])],
                tau2_text=[f"{v:.3f}" if p else "" for v, p in zip(subs["tau2"], subs["pooled"])],
            )[["group_label", "k", "events", "total", "pooled_pct", "ci", "pi", "i2_text", "tau2_text"]]
            st.dataframe(table, hide_index=True, width="stretch", column_config={
                "group_label": pooled.SUBGROUP_LABELS[by], "k": "Cohorts", "events": what.capitalize(),
                "total": "Patients", "pooled_pct": "Pooled", "ci": "95% CI", "pi": "95% prediction interval",
                "i2_text": "I²", "tau2_text": "τ²"})
            st.caption("Each subgroup is a separate random-effects pool; the difference between subgroups is "
                       "not tested (too few cohorts). "
                       + ("A cohort with several routes forms its own group (e.g. IV bolus + Subcutaneous). "
                          if by == "route" else ""))

    st.subheader("Cohorts in view")
    ct = pooled.cohort_table(view.cohorts, view.sources)
    show = ct.assign(
        condition=ct["condition"].map(schema.CONDITION_LABELS),
        trigger=ct["trigger"].map(schema.TRIGGER_LABELS),
        response_pool=ct["response_pool"].map(pooled.REASON_LABELS),
        mortality_pool=ct["mortality_pool"].map(pooled.REASON_LABELS),
        pubmed=[pubmed_url(p) for p in ct["pmid"]],
        doi_link=[doi_url(d) for d in ct["doi"]],
    )[["label", "subgroup", "condition", "trigger", "design", "n", "responders", "response_definition",
       "response_timepoint", "deaths", "deaths_timepoint", "route", "population", "response_pool",
       "mortality_pool", "pubmed", "doi_link", "cohort_id"]]
    st.caption(f"{view.n_cohorts} cohorts ({view.n_cohort_patients} patients in aggregate). An empty cell means "
               "the source does not state it.")
    st.dataframe(show, hide_index=True, width="stretch", column_config={
        "label": "Source", "subgroup": "Subgroup", "condition": "Condition", "trigger": "Trigger",
        "design": "Design", "n": "n", "responders": "Responders", "response_definition": "Response definition",
        "response_timepoint": "Response assessed", "deaths": "Deaths", "deaths_timepoint": "Deaths time frame",
        "route": "Route", "population": "Population", "response_pool": "Response pool",
        "mortality_pool": "Mortality pool",
        "pubmed": st.column_config.LinkColumn("PubMed", display_text="PubMed"),
        "doi_link": st.column_config.LinkColumn("DOI", display_text="DOI"),
        "cohort_id": "Cohort id",
    })
    ui.dataframe_download(ct, "Download the cohort table (CSV)", "anakinra_cohorts.csv", key="dl_pooled_cohorts")
