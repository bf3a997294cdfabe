"""Domain models: frozen pydantic models parsed at the boundary, enums for every state."""

from __future__ import annotations

from datetime import date
from enum import IntEnum, StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Platform(StrEnum):
    """Where a group or a new-media account lives. The ledger keys both alike (platform,
    id, rule), so one ledger, digest and rollup serve both (DESIGN.md, New-media accounts)."""

    QQ = "qq"
    WECHAT = "wechat"
    WECOM = "wecom"
    DINGTALK = "dingtalk"
    # new-media accounts (新媒体账号)
    WECHAT_MP = "wechat_mp"  # 微信公众号 (服务号, 订阅号)
    CHANNELS = "channels"  # 视频号
    WEIBO = "weibo"
    DOUYIN = "douyin"
    KUAISHOU = "kuaishou"
    BILIBILI = "bilibili"
    XIAOHONGSHU = "xiaohongshu"
    TOUTIAO = "toutiao"
    OTHER = "other"

    @property
    def is_account(self) -> bool:
        """A new-media account's platform, not a chat group's."""
        return self not in GROUP_PLATFORMS


GROUP_PLATFORMS = (Platform.QQ, Platform.WECHAT, Platform.WECOM, Platform.DINGTALK)
ACCOUNT_PLATFORMS = tuple(p for p in Platform if p not in GROUP_PLATFORMS)


class Category(StrEnum):
    WORK = "work"
    PARTY = "party"
    CLASS = "class"
    LEAGUE = "league"
    CLUB = "club"
    TEMPORARY = "temporary"


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class PersonStatus(StrEnum):
    ACTIVE = "active"
    DEPARTED = "departed"
    EXTERNAL = "external"


class FilingStatus(StrEnum):
    FILED = "filed"
    PENDING = "pending"
    CLOSED = "closed"


GroupKey = tuple[Platform, str]
"""A group is known by its platform and its id on that platform (an account likewise)."""


class Entity(StrEnum):
    """Whose name a new-media account is registered in (注册主体)."""

    SCHOOL = "school"
    UNIT = "unit"


class AccountStatus(StrEnum):
    ACTIVE = "active"  # 运营中
    PAUSED = "paused"  # 停更
    CLOSED = "closed"  # 已注销


class Severity(IntEnum):
    """Ordered so that `max()` picks the most severe; `.label` is what users see."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class FindingStatus(StrEnum):
    OPEN = "open"
    WAIVED = "waived"
    RESOLVED = "resolved"


class RollupKind(StrEnum):
    """The period a rollup reports on (and is archived under)."""

    WEEK = "week"
    MONTH = "month"


class Channel(StrEnum):
    """Where a send goes: by email, or to a unit's group robot (DESIGN.md, Channels)."""

    EMAIL = "email"
    WECOM = "wecom"  # a WeCom group robot (企业微信群机器人)
    DINGTALK = "dingtalk"  # a DingTalk custom robot (钉钉自定义机器人)


class Robot(Frozen):
    """A unit's group robot, as checked in chalicelib/core/robots.py: only the provider and
    its key, never an address (each request goes to the provider's fixed API). The key and
    the secret are `SecretStr`, so that no log, repr or dump shows them."""

    channel: Literal[Channel.WECOM, Channel.DINGTALK]
    key: SecretStr  # WeCom's `key`, or DingTalk's `access_token`
    secret: SecretStr | None = None  # DingTalk's signing secret (加签, `SEC…`)


class Unit(Frozen):
    unit_id: str
    name: str
    keywords: tuple[str, ...]
    contact_email: str | None = None
    head_name: str | None = None
    head_email: str | None = None
    party_org: str | None = None
    party_org_email: str | None = None
    invalid_emails: tuple[str, ...] = Field(
        default=(), description="Fields whose cell held an unusable address (never guessed)."
    )
    robot: Robot | None = None  # its group robot, when it named a usable one


class Office(Frozen):
    office: str
    email: str
    scope: tuple[Category, ...] | None = Field(
        default=None, description="None means every category (scope `all`)."
    )
    address: str | None = None  # where people may come with questions: named in footers
    phone: str | None = None

    @property
    def contact_line(self) -> str:
        """`党委工作部(行政楼 302,电话 023-12345678)` for an email's footer."""
        details = ",".join(
            part for part in (self.address, f"电话 {self.phone}" if self.phone else None) if part
        )
        return f"{self.office}({details})" if details else self.office


class Person(Frozen):
    person_id: str
    name: str
    unit_id: str | None
    status: PersonStatus
    left_on: date | None = None
    email: str | None = None


class Filing(Frozen):
    platform: Platform
    group_id: str
    group_name: str | None = None
    unit_id: str
    category: Category | None = None
    owner_id: str | None = None
    owner_name: str | None = None
    responsible_name: str | None = None
    responsible_email: str | None = None
    filed_on: date
    reviewed_on: date | None = None
    end_on: date | None = None
    purpose: str | None = None
    status: FilingStatus = FilingStatus.FILED
    invalid_emails: tuple[str, ...] = Field(
        default=(), description="Fields whose cell held an unusable address (never guessed)."
    )


class Account(Frozen):
    """A row of the new-media register (accounts/*, 新媒体账号登记表)."""

    platform: Platform
    account_id: str
    name: str
    unit_id: str | None = None
    entity: Entity | None = None
    operator: str | None = None  # a person_id, else a name (谁建谁管)
    approved: bool = False  # 审批状态 已审批
    approved_on: date | None = None
    approver: str | None = None
    filed_on: date | None = None  # 登记/备案日期; None: not filed
    status: AccountStatus = AccountStatus.ACTIVE
    purpose: str | None = None
    last_post_on: date | None = None
    file: str = ""  # where the row was read, for warnings about it
    row: int | None = None

    @property
    def key(self) -> GroupKey:
        return (self.platform, self.account_id)


class Waiver(Frozen):
    platform: Platform
    group_id: str
    rule: str
    reason: str
    approved_by: str
    expires_on: date
    limit: int | None = None


class GroupRef(Frozen):
    """A group as every report names it: platform, id, and its name when known. A new-media
    account is named alike: `group_id` is its account id, `group_name` its name."""

    platform: Platform
    group_id: str
    group_name: str | None

    @property
    def group_key(self) -> GroupKey:
        return (self.platform, self.group_id)


class FindingRef(GroupRef):
    """Which rule a group breaks, and the unit it belongs to."""

    unit_id: str | None
    rule: str

    @property
    def key(self) -> tuple[Platform, str, str]:
        """The ledger key: one finding per group and rule."""
        return (self.platform, self.group_id, self.rule)

    def ref(self) -> dict[str, Any]:
        """These fields by name, to name the same finding elsewhere."""
        return {name: getattr(self, name) for name in FindingRef.model_fields}


class FindingFacts(FindingRef):
    """What a rule found: the core that every view of a finding shares (the scan's
    `Finding`, the ledger's entry, a digest's item, a rollup's row)."""

    category: Category | None
    title: str
    severity: Severity
    message: str
    evidence: dict[str, Any]
    clause: str
    remedy: str

    def facts(self) -> dict[str, Any]:
        """These fields by name, to make another view of the same finding."""
        return {name: getattr(self, name) for name in FindingFacts.model_fields}


class Finding(FindingFacts):
    """A finding of this week's scan."""

    status: FindingStatus = FindingStatus.OPEN
    filed: bool = Field(default=False, description="The group had a current filing.")
    rostered: bool = Field(default=False, description="The group had a fresh roster.")

    def to_json_dict(self) -> dict[str, Any]:
        """One line of findings.jsonl; an account's finding also names its id and name as
        the contract does (account_id, account_name), beside group_id and group_name."""
        data = self.model_dump(mode="json")
        data["severity"] = self.severity.label
        if self.platform.is_account:
            data["account_id"], data["account_name"] = self.group_id, self.group_name
        return data


class DataError(Frozen):
    """A rejected file (row and column empty) or a skipped row, in words a user can act on;
    or, with `warning`, something read that a user should know of (a column not used, an
    activity column that looks unreliable): the data was read all the same."""

    file: str
    row: int | None = None
    column: str | None = None
    reason: str
    warning: bool = False

    @property
    def rejects_file(self) -> bool:
        return self.row is None and not self.warning

    @property
    def at_top(self) -> bool:
        """About something at the top of the data root (a misplaced folder or file), which
        no unit owns: the supervising office is told."""
        return "/" not in self.file.rstrip("/")


# The regulations of the seeds (../shared/seeds/), cited unless config/policy.csv says
# otherwise: a citation is `<short name> <article>`, e.g. `管理办法 第五条(四)`.
SEED_REGULATIONS: dict[str, str] = {
    "管理办法": "重庆能源职业学院QQ群、微信群管理办法",
    "通知": "关于开展政务新媒体、微信和QQ工作群清理整治的通知",
}


class Policy(Frozen):
    """An institution's own rules (config/policy.csv, DESIGN.md "Institution policy"): the
    regulations it cites by short name, the article of each rule, and the thresholds that
    differ from the settings. Without the file: the seeds' texts and the settings."""

    regulations: dict[str, str] = Field(default_factory=lambda: dict(SEED_REGULATIONS))
    clauses: dict[str, str] = Field(default_factory=dict)  # rule id -> its citation
    thresholds: dict[str, int | float] = Field(default_factory=dict)  # setting -> value

    def clause(self, rule_id: str, default: str) -> str:
        return self.clauses.get(rule_id, default)

    @property
    def cited(self) -> tuple[tuple[str, str], ...]:
        """(short name, full title) of each regulation, in the order declared."""
        return tuple(self.regulations.items())
