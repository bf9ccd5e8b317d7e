"""What the reports' page and endpoint take from the query string, typed (one model for both:
an unknown `by` is an error on each, never quietly "operator")."""

from __future__ import annotations

from operator_desk.inputs import Input
from reports.selectors import Dimension


class ReportQuery(Input):
    by: Dimension = "operator"
