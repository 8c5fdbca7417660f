"""Tests for the package ``lib.stats`` itself (its modules have their own files:
``test_stats_proportions.py``, ``test_stats_rank_tests.py``, ``test_stats_survival.py``,
``test_stats_meta.py``).

These check the package's contract, not numbers: every public name is importable from
``lib.stats`` as it was from the single module this package replaced, every module says
which R call each function matches, and nothing holds state.
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

import lib.stats
from lib import stats

MODULES = ["proportions", "rank_tests", "survival", "meta"]

# the public names of lib/stats.py before it became a package (git show ed17ecf:lib/stats.py)
NAMES_BEFORE_SPLIT = [
    "ProportionCI", "PairedChangeResult", "TwoSampleResult", "KaplanMeierResult", "LogrankResult",
    "PooledProportionResult", "proportion_ci", "paired_change", "two_sample", "kaplan_meier", "logrank",
    "cumulative_incidence", "pool_proportions",
]
NEW_NAMES = ["SubgroupDifferenceResult", "leave_one_out", "subgroup_difference"]


def test_every_public_name_is_exported_from_the_package():
    assert sorted(stats.__all__) == sorted(NAMES_BEFORE_SPLIT + NEW_NAMES)
    for name in stats.__all__:
        assert getattr(lib.stats, name) is getattr(stats, name)


@pytest.mark.parametrize("module", MODULES)
def test_module_names_are_reexported(module):
    mod = importlib.import_module(f"lib.stats.{module}")
    for name in mod.__all__:
        assert getattr(stats, name) is getattr(mod, name), f"lib.stats.{name} is not lib.stats.{module}.{name}"
    assert set(mod.__all__) <= set(stats.__all__)


@pytest.mark.parametrize("module", MODULES)
def test_module_docstring_has_its_r_reference_table(module):
    """Each module names, per public function, the R call it matches."""
    mod = importlib.import_module(f"lib.stats.{module}")
    doc = mod.__doc__ or ""
    assert "reference" in doc and "====" in doc
    for name in mod.__all__:
        obj = getattr(mod, name)
        if inspect.isfunction(obj):
            assert f"``{name}``" in doc, f"{module} docstring has no reference row for {name}"
            fdoc = obj.__doc__ or ""
            assert "Notes" in fdoc and ("R ``" in fdoc or "metafor" in fdoc), f"{name} names no R call"


def test_no_module_level_mutable_state():
    """Pure functions: no module-level lists, dicts or sets that a call could change."""
    for module in MODULES + ["_common", "_glmm"]:
        mod = importlib.import_module(f"lib.stats.{module}")
        for name, value in vars(mod).items():
            if name.startswith("__") or inspect.ismodule(value):
                continue
            assert not isinstance(value, (list, dict, set)) or name == "__all__", f"{module}.{name}"
            if isinstance(value, np.ndarray):
                assert not value.flags.writeable, f"{module}.{name} is a writable array"
