"""Deprecated alias of :mod:`lib.counts` (renamed in issue 13), kept only for ``lib/dosing.py``.

``lib/dosing.py`` belongs to another branch; once it imports ``lib.counts``
this module goes. New code imports :mod:`lib.counts`.
"""

from lib.counts import primary_cohorts, without_covered_subgroups  # noqa: F401
