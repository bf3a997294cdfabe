"""Signed links and sessions, no passwords: a JSON Web Token (PyJWT, HS256) naming the
recipient, their role (a unit's or an office's), their scope (unit ids, or an office's
categories) and when it expires. The link in an email is valid 28 days; the first visit
trades it for a session cookie, a token of its own purpose that carries the form token
(CSRF) and never outlives the link.

The keys come from SSM Parameter Store (chalicelib/aws/portalkeys.py), newest first: a
token is signed with the newest and its header names the key (`kid`), so that after a
rotation the links already mailed, signed with the previous key, still open."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt

from chalicelib.core.models import Frozen
from chalicelib.notify.robots.message import ROBOT_RECIPIENT_PREFIX

LINK_DAYS = 28
SESSION_HOURS = 12
ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32


class PortalRole(StrEnum):
    UNIT = "unit"
    OFFICE = "office"


class Purpose(StrEnum):
    LINK = "link"  # in an email's URL, traded once for a session
    SESSION = "session"  # in the HttpOnly cookie


class Grant(Frozen):
    """Who may see and do what, until when."""

    recipient: str  # the email address the link was sent to
    role: PortalRole
    scope: tuple[str, ...]  # unit ids (a unit's link), or categories / "all" (an office's)
    office: str = ""  # an office's name: the approver of what it decides
    issued: datetime
    expires: datetime
    csrf: str = ""  # a session's form token

    @property
    def read_only(self) -> bool:
        """A link a group robot posted: the whole group may open it, so it shows the
        unit's findings without members and allows no action (docs/robots.md)."""
        return self.recipient.startswith(ROBOT_RECIPIENT_PREFIX)

    def covers_unit(self, unit_id: str | None) -> bool:
        return self.role is PortalRole.UNIT and unit_id is not None and unit_id in self.scope

    def covers_category(self, category: str | None) -> bool:
        """An office sees a finding of its categories; a finding of no category only an
        office with every category (scope `all`)."""
        if self.role is not PortalRole.OFFICE:
            return False
        return "all" in self.scope or (category is not None and category in self.scope)


class TokenRefused(Exception):
    """Why a token opens nothing, in Chinese, for the page the visitor sees."""


EXPIRED = "链接已过期(有效期 28 天)。请使用最近一封提醒邮件中的链接,或联系管理员重新发送。"
INVALID = "链接无效(可能复制不完整或被改动)。请从提醒邮件中直接打开链接。"
UNKNOWN_KEY = "链接的签名密钥已停用。请使用最近一封提醒邮件中的链接。"
REVOKED = "该链接已被管理员撤销。请使用此后收到的邮件中的新链接。"


class Keyring(Frozen):
    """(key id, secret) pairs, the newest first: it signs; every one listed verifies."""

    keys: tuple[tuple[str, str], ...]

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        """`{"keys": [{"kid": "k2", "secret": "…"}, {"kid": "k1", "secret": "…"}]}`."""
        data = json.loads(text)
        keys = tuple((str(k["kid"]), str(k["secret"])) for k in data["keys"])
        if not keys or any(len(secret.encode()) < MIN_SECRET_BYTES for _, secret in keys):
            raise ValueError(f"portal keys: at least one, each of {MIN_SECRET_BYTES}+ bytes")
        return cls(keys=keys)

    def to_json(self) -> str:
        return json.dumps({"keys": [{"kid": kid, "secret": s} for kid, s in self.keys]})

    def rotated(self, kid: str) -> Keyring:
        """A new key first; the one before it kept so that mailed links still open."""
        return Keyring(keys=((kid, secrets.token_urlsafe(48)), *self.keys[:1]))

    @classmethod
    def fresh(cls, kid: str = "k1") -> Keyring:
        return cls(keys=((kid, secrets.token_urlsafe(48)),))


def link_grant(recipient: str, role: PortalRole, scope: tuple[str, ...], issued: datetime,
               office: str = "") -> Grant:  # fmt: skip
    return Grant(recipient=recipient.lower(), role=role, scope=tuple(sorted(set(scope))),
                 office=office, issued=issued, expires=issued + timedelta(days=LINK_DAYS))  # fmt: skip


def session_of(link: Grant, now: datetime) -> Grant:
    """The session a link opens: the link's grant, until the link's end or 12 hours."""
    expires = min(link.expires, now + timedelta(hours=SESSION_HOURS))
    return link.model_copy(update={"expires": expires, "csrf": secrets.token_urlsafe(24)})


def sign(grant: Grant, purpose: Purpose, keyring: Keyring) -> str:
    """The same grant and key give the same token: a re-rendered email is the same email."""
    kid, secret = keyring.keys[0]
    claims: dict[str, Any] = {
        "sub": grant.recipient,
        "typ": purpose.value,
        "role": grant.role.value,
        "scope": list(grant.scope),
        "iat": int(grant.issued.timestamp()),
        "exp": int(grant.expires.timestamp()),
    }
    if grant.office:
        claims["office"] = grant.office
    if grant.csrf:
        claims["csrf"] = grant.csrf
    return str(jwt.encode(claims, secret, algorithm=ALGORITHM, headers={"kid": kid}))


def read(token: str, purpose: Purpose, keyring: Keyring) -> Grant:
    """The grant a token carries; `TokenRefused` (with the reason shown to the visitor)
    when it is expired, tampered with, signed by a key no longer listed, or of another
    purpose (a session token pasted into a link, or the reverse)."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.InvalidTokenError:
        raise TokenRefused(INVALID) from None
    secret = dict(keyring.keys).get(str(kid))
    if secret is None:
        raise TokenRefused(UNKNOWN_KEY)
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            # `iat` is when the run that mailed the link was scheduled (a run by hand for a
            # later day issues it ahead): it dates the link for revocation, it is no bound.
            options={"require": ["exp", "iat", "sub", "typ", "role", "scope"], "verify_iat": False},
        )
    except jwt.ExpiredSignatureError:
        raise TokenRefused(EXPIRED) from None
    except jwt.InvalidTokenError:
        raise TokenRefused(INVALID) from None
    if claims["typ"] != purpose.value:
        raise TokenRefused(INVALID)
    try:
        return Grant(
            recipient=str(claims["sub"]),
            role=PortalRole(claims["role"]),
            scope=tuple(str(s) for s in claims["scope"]),
            office=str(claims.get("office", "")),
            issued=datetime.fromtimestamp(claims["iat"], UTC),
            expires=datetime.fromtimestamp(claims["exp"], UTC),
            csrf=str(claims.get("csrf", "")),
        )
    except (ValueError, TypeError):
        raise TokenRefused(INVALID) from None
