"""The one palette of a rollup: a color per severity, shared by the PNG trend chart, the
workbook's native chart and the HTML legend, so 高/中/低 look the same everywhere."""

from __future__ import annotations

from chalicelib.core.models import Severity

SEVERITY_COLORS: dict[Severity, str] = {
    Severity.HIGH: "#c62828",
    Severity.MEDIUM: "#ef8f00",
    Severity.LOW: "#5b8fd6",
}
STACK = (Severity.HIGH, Severity.MEDIUM, Severity.LOW)  # bars bottom up, legend left to right
