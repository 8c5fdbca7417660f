"""Statistics for the evidence dashboard.

Every function here is pure: it never mutates its inputs, holds no state and
uses no random numbers. Results are frozen dataclasses (or DataFrames) with
stable snake_case names, so the pages can render them without knowing how they
were computed.

Each function reproduces one named R reference call, and its docstring says
which one. The reference outputs live in ``tests/reference/`` (R scripts plus
the JSON they wrote); ``tests/test_stats_*.py`` (one file per module) check
every function against them without needing R.

============================  ===============================  ==============================================
module                        function                         reference
============================  ===============================  ==============================================
:mod:`.proportions`           ``proportion_ci``                ``binom.test(k, n)$conf.int`` (exact);
                                                               ``prop.test(k, n, correct = FALSE)$conf.int``
                                                               (wilson)
:mod:`.rank_tests`            ``paired_change``                ``wilcox.test(after, before, paired = TRUE)``
:mod:`.rank_tests`            ``two_sample``                   ``wilcox.test(a, b)``
:mod:`.survival`              ``kaplan_meier``                 ``survfit(Surv(time, event) ~ 1,
                                                               conf.type = "log-log")`` and ``print(fit)``
:mod:`.survival`              ``logrank``                      ``survdiff(Surv(time, event) ~ group)``
:mod:`.survival`              ``cumulative_incidence``         ``survfit(Surv(time, factor(status)) ~ 1)``
                                                               (multi-state Aalen-Johansen)
:mod:`.meta`                  ``pool_proportions``             ``metafor::rma(measure = "PLO", xi, ni,
                                                               method = "REML" | "DL", test = "z" | "knha")``
                                                               or ``rma.glmm(measure = "PLO", xi, ni)``, and
                                                               ``predict(res, transf = transf.ilogit)``
:mod:`.meta`                  ``leave_one_out``                ``leave1out(res, transf = transf.ilogit)``
:mod:`.meta`                  ``subgroup_difference``          ``rma(..., mods = ~ factor(group))$QM``
============================  ===============================  ==============================================

Each module's docstring has its own table with the exact R calls.

Missing values
--------------
Rows with a missing value (``NaN``/``None``/``pd.NA``) in any of the inputs a
function needs are dropped, as R's default ``na.omit`` does, and the number
dropped is reported (``n_dropped``). If nothing is left, or an input is empty,
a ``ValueError`` is raised. Infinite values are always a ``ValueError``. The
meta-analysis functions do not drop: a missing count is a ``ValueError``.
"""

from __future__ import annotations

from .meta import (
    PooledProportionResult,
    SubgroupDifferenceResult,
    leave_one_out,
    pool_proportions,
    subgroup_difference,
)
from .proportions import ProportionCI, proportion_ci
from .rank_tests import PairedChangeResult, TwoSampleResult, paired_change, two_sample
from .survival import (
    KaplanMeierResult,
    LogrankResult,
    cumulative_incidence,
    kaplan_meier,
    logrank,
)

__all__ = [
    "ProportionCI",
    "PairedChangeResult",
    "TwoSampleResult",
    "KaplanMeierResult",
    "LogrankResult",
    "PooledProportionResult",
    "SubgroupDifferenceResult",
    "proportion_ci",
    "paired_change",
    "two_sample",
    "kaplan_meier",
    "logrank",
    "cumulative_incidence",
    "pool_proportions",
    "leave_one_out",
    "subgroup_difference",
]
