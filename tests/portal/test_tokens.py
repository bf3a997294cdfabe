"""Links and sessions, without AWS: what a token carries, and what it refuses."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.portal.tokens import (
    EXPIRED,
    INVALID,
    UNKNOWN_KEY,
    Keyring,
    PortalRole,
    Purpose,
    TokenRefused,
    link_grant,
    read,
    session_of,
    sign,
)

ISSUED = datetime(2026, 11, 16, 0, 0, tzinfo=UTC)
KEYS = Keyring(keys=(("k2", "b" * 48), ("k1", "a" * 48)))


def test_a_link_carries_recipient_role_scope_and_28_days() -> None:
    grant = link_grant(
        "Zhang@College.edu.cn", PortalRole.UNIT, ("U02", "U01", "U01"), datetime.now(UTC)
    )

    back = read(sign(grant, Purpose.LINK, KEYS), Purpose.LINK, KEYS)

    assert back.recipient == "zhang@college.edu.cn"
    assert (back.role, back.scope) == (PortalRole.UNIT, ("U01", "U02"))
    assert back.expires - back.issued == timedelta(days=28)


def test_the_same_grant_and_key_give_the_same_link() -> None:
    grant = link_grant("a@b.cn", PortalRole.OFFICE, ("all",), ISSUED, "党委工作部")

    assert sign(grant, Purpose.LINK, KEYS) == sign(grant, Purpose.LINK, KEYS)


def test_a_token_is_signed_with_the_newest_key_and_read_with_any_listed() -> None:
    grant = link_grant("a@b.cn", PortalRole.UNIT, ("U01",), datetime.now(UTC))
    old = sign(grant, Purpose.LINK, Keyring(keys=(KEYS.keys[1],)))

    assert read(old, Purpose.LINK, KEYS).recipient == "a@b.cn"
    with pytest.raises(TokenRefused, match=re.escape(UNKNOWN_KEY)):
        read(old, Purpose.LINK, Keyring(keys=(KEYS.keys[0],)))


def test_an_expired_or_misused_token_is_refused() -> None:
    stale = link_grant(
        "a@b.cn", PortalRole.UNIT, ("U01",), datetime.now(UTC) - timedelta(days=28, seconds=5)
    )
    fresh = link_grant("a@b.cn", PortalRole.UNIT, ("U01",), datetime.now(UTC))

    with pytest.raises(TokenRefused, match=re.escape(EXPIRED)):
        read(sign(stale, Purpose.LINK, KEYS), Purpose.LINK, KEYS)
    with pytest.raises(TokenRefused, match=re.escape(INVALID)):
        read(sign(fresh, Purpose.LINK, KEYS), Purpose.SESSION, KEYS)


def test_a_session_never_outlives_its_link_and_carries_a_form_token() -> None:
    now = datetime.now(UTC)
    link = link_grant("a@b.cn", PortalRole.UNIT, ("U01",), now - timedelta(days=27, hours=23))

    session = session_of(link, now)

    assert session.expires == link.expires and len(session.csrf) >= 32
    assert session_of(
        link_grant("a@b.cn", PortalRole.UNIT, ("U01",), now), now
    ).expires == now + timedelta(hours=12)
    assert session_of(link, now).csrf != session.csrf


def test_scopes() -> None:
    unit = link_grant("a@b.cn", PortalRole.UNIT, ("U01",), ISSUED)
    students = link_grant("x@b.cn", PortalRole.OFFICE, ("class",), ISSUED, "学生处")
    party = link_grant("y@b.cn", PortalRole.OFFICE, ("all",), ISSUED, "党委工作部")

    assert unit.covers_unit("U01") and not unit.covers_unit("U02") and not unit.covers_unit(None)
    assert not unit.covers_category("class") and not students.covers_unit("U01")
    assert students.covers_category("class") and not students.covers_category("work")
    assert not students.covers_category(None) and party.covers_category(None)


def test_a_keyring_needs_long_secrets_and_rotation_keeps_one_previous_key() -> None:
    with pytest.raises(ValueError):
        Keyring.from_json('{"keys": [{"kid": "k1", "secret": "short"}]}')
    with pytest.raises(ValueError):
        Keyring.from_json('{"keys": []}')

    once = Keyring.fresh("k1").rotated("k2")
    twice = once.rotated("k3")

    assert [kid for kid, _ in once.keys] == ["k2", "k1"]
    assert [kid for kid, _ in twice.keys] == ["k3", "k2"]
    assert Keyring.from_json(twice.to_json()) == twice
