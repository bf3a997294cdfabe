"""A college on moto after one weekly run, signed links into its portal, and a small
client that keeps a session cookie and reads the pages' forms as a browser would."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client

import app as app_module
from chalicelib.aws.clients import Clients
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.aws.portalkeys import ssm_keyring
from chalicelib.core.dates import shanghai_today, weekly_run
from chalicelib.core.models import Office, Unit
from chalicelib.core.settings import Settings
from chalicelib.flows import weekly
from chalicelib.intake.config import load_offices, load_units
from chalicelib.intake.source import LocalSource
from chalicelib.ledger.models import LedgerEntry
from chalicelib.portal.links import Links
from jobs.provision import upload_folder
from jobs.sample import generate_college
from tests.portal.page_forms import Forms

# The portal acts now (its clock is the request's), so the college's week is this one: a
# waiver approved today is read by next Monday's run, never by a replay of an earlier week.
TODAY = weekly_run(shanghai_today(datetime.now(UTC)))


def local_today() -> date:
    """The portal's today: Shanghai's."""
    return shanghai_today(datetime.now(UTC))


PORTAL = "https://portal.example.edu.cn/api/portal/"
FORM = {"content-type": "application/x-www-form-urlencoded"}


@dataclass
class Session:
    """One browser: a cookie jar of one cookie."""

    client: Client
    cookie: str = ""

    def open(self, link: str) -> Any:
        response = self.client.http.get("/portal/open?" + link.split("?", 1)[1])
        if "Set-Cookie" in response.headers:
            self.cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        return response

    def get(self, path: str) -> Any:
        return self.client.http.get(path, headers={"cookie": self.cookie})

    def post(self, path: str, form: dict[str, str]) -> Any:
        headers = {**FORM, "cookie": self.cookie}
        return self.client.http.post(path, body=urlencode(form), headers=headers)

    def forms(self, path: str, kind: str = "") -> list[dict[str, str]]:
        page = self.get(path)
        assert page.status_code == 200, page.body.decode()
        found = Forms(page.body.decode()).forms
        return [f for f in found if not kind or f.get("kind") == kind or f.get("decision") == kind]


@dataclass
class College:
    aws: Clients
    client: Client
    units: list[Unit]
    offices: list[Office]
    settings: Settings = field(default_factory=Settings)

    def links(self, issued: datetime | None = None) -> Links:
        keyring = ssm_keyring(self.aws.ssm, self.settings.portal_key_parameter)
        return Links(PORTAL, keyring, issued or datetime.now(UTC))

    def entries(self) -> dict[Any, LedgerEntry]:
        return DynamoLedger(self.aws.dynamodb, self.settings.ledger_table).entries()

    def units_by_findings(self) -> list[Unit]:
        """Units with open findings, the most first."""
        counts: dict[str, int] = {}
        for entry in self.entries().values():
            if entry.active and entry.unit_id:
                counts[entry.unit_id] = counts.get(entry.unit_id, 0) + 1
        ranked = sorted(counts, key=lambda u: -counts[u])
        return [next(u for u in self.units if u.unit_id == unit_id) for unit_id in ranked]

    def unit_session(self, unit: Unit, recipient: str = "sec@college.edu.cn") -> Session:
        session = Session(self.client)
        assert session.open(self.links().unit(recipient, [unit.unit_id])).status_code == 200
        return session

    def office(self, categories: str) -> Office:
        """An office whose scope is `all` (categories "all") or includes some category."""
        for office in self.offices:
            if (office.scope is None) == (categories == "all"):
                return office
        raise AssertionError(f"no office with scope {categories}")

    def office_session(self, office: Office) -> Session:
        session = Session(self.client)
        assert session.open(self.links().office(office)).status_code == 200
        return session


@pytest.fixture(scope="session")
def college_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("portal-college")  # this week: see TODAY
    generate_college(root, today=TODAY, groups=60, formats="csv")
    return root


@pytest.fixture
def college(aws: Clients, college_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[College]:
    monkeypatch.setenv("PORTAL_URL", PORTAL)
    monkeypatch.setenv("ROSTER_MAX_AGE_DAYS", "30")  # next week's run still reads this week's
    settings = Settings()
    upload_folder(aws.s3, settings.data_bucket, college_root)
    weekly.run_weekly(weekly.ports(aws, settings), settings, TODAY)
    source = LocalSource(college_root)
    units = load_units(source, settings, []).units
    offices = load_offices(source, settings, [])
    with Client(app_module.app) as client:
        yield College(aws, client, units, offices, settings)
