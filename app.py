"""qungov on AWS Lambda: thin Chalice handlers; all domain code lives in chalicelib/."""

from __future__ import annotations

from chalice import Chalice

app = Chalice(app_name="qungov")
