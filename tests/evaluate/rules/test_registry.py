"""Meta-tests over the whole registry: every rule is complete, cites a real article of the
seed regulations, has its own module and test module, and matches the DESIGN.md table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib.core.models import Severity
from chalicelib.evaluate.rules import REGISTRY

REPO = Path(__file__).resolve().parents[3]
SHARED = REPO.parent / "shared"
DESIGN = SHARED / "DESIGN.md"
SEED_FILES = {
    "管理办法": SHARED / "seeds" / "chongqing-energy-college-group-rules.txt",
    "通知": SHARED / "seeds" / "jiangxi-finance-college-cleanup-notice.txt",
}

# id: (中文, severity, source) as in DESIGN.md, section "Rules".
EXPECTED = {
    "unfiled": ("未审备", "high", "管理办法 第七条(二); 通知 四"),
    "oversized": ("超规模", "medium", "管理办法 第五条(四)"),
    "inactive": ("僵尸群", "medium", "通知 一.2"),
    "expired": ("临时群到期未解散", "high", "通知 一.2; 管理办法 第七条(三)"),
    "owner_departed": ("群主已离职离校", "high", "管理办法 第五条(一)"),
    "departed_members": ("离开人员未移出", "medium", "通知 三"),
    "unidentified_members": ("不明身份人员", "medium", "管理办法 第四条(三), 第五条(二)"),
    "outsider_members": ("非本单位人员", "low", "通知 三"),
    "naming": ("群名不规范", "low", "管理办法 第四条(一)"),
    "owner_mismatch": ("群主与备案不符", "medium", "管理办法 第七条(二)"),
    "filing_stale": ("备案未复核", "low", "管理办法 第七条(二)"),
    "roster_missing": ("未提交名单", "medium", "通知 四"),
    "duplicate": ("重复建群", "low", "通知 一.3"),
}
# ... and section "New-media accounts" (account_naming cites its article "by analogy").
ACCOUNT_EXPECTED = {
    "account_unapproved": ("新媒体未审批", "high", "通知 一.2"),
    "account_unfiled": ("新媒体未登记", "high", "通知 一.3, 四"),
    "account_dormant": ("新媒体长期未更新", "medium", "通知 一.2"),
    "account_duplicate": ("新媒体重复建设", "low", "通知 一.3"),
    "account_operator_departed": ("运营者已离职离校", "high", "通知 三"),
    "account_borrowed_name": ("冒用上级名义", "high", "通知 一.1"),
    "account_naming": ("账号名称不规范", "low", "管理办法 第四条(一)"),
}
ALL_EXPECTED = EXPECTED | ACCOUNT_EXPECTED
NEEDS_SNAPSHOT = {
    "unfiled",
    "oversized",
    "inactive",
    "departed_members",
    "unidentified_members",
    "outsider_members",
    "owner_mismatch",
    "duplicate",
}
NUMERALS = "一二三四五六七八九十"


def seed_text(document: str) -> str:
    path = SEED_FILES[document]
    if not path.exists():
        pytest.skip(f"seed documents not found at {path.parent}")
    return path.read_text(encoding="utf-8").replace("(", "(").replace(")", ")")


def sections(text: str, heading: str) -> dict[str, str]:
    """Text of each top-level section, keyed by its numeral; `heading` matches one heading."""
    matches = list(re.finditer(heading, text, flags=re.MULTILINE))
    ends = [m.start() for m in matches[1:]] + [len(text)]
    return {m.group(1): text[m.end() : end] for m, end in zip(matches, ends, strict=True)}


def cited_articles(clause: str) -> list[tuple[str, str]]:
    """`管理办法 第四条(三), 第五条(二); 通知 四` -> [(管理办法, 第四条(三)), ...]."""
    cited = []
    for part in clause.split(";"):
        document, _, references = part.strip().partition(" ")
        cited += [(document, ref.strip()) for ref in references.split(",")]
    return cited


def article_exists(document: str, reference: str) -> bool:
    text = seed_text(document)
    if document == "管理办法":
        match = re.fullmatch(rf"第([{NUMERALS}]+)条(?:\(([{NUMERALS}]+)\))?", reference)
        articles = sections(text, rf"^第([{NUMERALS}]+)条")
    else:
        match = re.fullmatch(rf"([{NUMERALS}]+)(?:\.(\d+))?", reference)
        articles = sections(text, rf"^([{NUMERALS}]+)、")
    if match is None or match.group(1) not in articles:
        return False
    item = match.group(2)
    body = articles[match.group(1)]
    return item is None or (f"({item})" if document == "管理办法" else f"\n{item}.") in body


def design_table(section: str = "## Rules") -> dict[str, tuple[str, str, str]]:
    if not DESIGN.exists():
        pytest.skip(f"{DESIGN} not found")
    text = DESIGN.read_text(encoding="utf-8")
    rules = text.split(section, 1)[1].split("\n## ", 1)[0]
    table = {}
    for line in rules.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[2] in {"low", "medium", "high"}:
            table[cells[0]] = (cells[1], cells[2], cells[4].removesuffix(", by analogy"))
    return table


def test_registry_holds_exactly_the_design_rules() -> None:
    assert sorted(REGISTRY) == sorted(ALL_EXPECTED)
    assert len(REGISTRY) == 13 + 7


def test_expected_table_matches_design_md() -> None:
    assert design_table() == EXPECTED
    assert design_table("## New-media accounts") == ACCOUNT_EXPECTED


@pytest.mark.parametrize("rule_id", sorted(ALL_EXPECTED))
def test_rule_metadata_matches_design_table(rule_id: str) -> None:
    meta = REGISTRY[rule_id].meta
    title, severity, clause = ALL_EXPECTED[rule_id]
    assert (meta.id, meta.title, meta.severity.label, meta.clause) == (
        rule_id,
        title,
        severity,
        clause,
    )
    assert isinstance(meta.severity, Severity)


@pytest.mark.parametrize("rule_id", sorted(ALL_EXPECTED))
def test_rule_has_an_actionable_chinese_remedy(rule_id: str) -> None:
    remedy = REGISTRY[rule_id].meta.remedy
    assert re.search(r"[\u4e00-\u9fff]", remedy)
    assert remedy.endswith("。")
    assert remedy.count("。") <= 2


@pytest.mark.parametrize("rule_id", sorted(ALL_EXPECTED))
def test_rule_clause_cites_articles_present_in_the_seeds(rule_id: str) -> None:
    cited = cited_articles(REGISTRY[rule_id].meta.clause)
    assert cited
    for document, reference in cited:
        assert document in SEED_FILES, f"{rule_id}: unknown document {document!r}"
        assert article_exists(document, reference), f"{rule_id}: {document} {reference} not found"


def test_article_check_rejects_articles_missing_from_the_seeds() -> None:
    assert not article_exists("管理办法", "第十二条")
    assert not article_exists("管理办法", "第五条(九)")
    assert not article_exists("通知", "五")
    assert not article_exists("通知", "二.3")


@pytest.mark.parametrize("rule_id", sorted(ALL_EXPECTED))
def test_rule_lives_in_its_own_module_with_its_own_test_module(rule_id: str) -> None:
    check = REGISTRY[rule_id].check
    assert check.__module__ == f"chalicelib.evaluate.rules.{rule_id}"
    assert (REPO / "chalicelib" / "evaluate" / "rules" / f"{rule_id}.py").is_file()
    assert (REPO / "tests" / "evaluate" / "rules" / f"test_{rule_id}.py").is_file()


def test_snapshot_needs_match_precise_semantics() -> None:
    assert {rid for rid, r in REGISTRY.items() if r.meta.needs_snapshot} == NEEDS_SNAPSHOT


def test_only_oversized_takes_its_limit_from_a_waiver() -> None:
    assert [rid for rid, r in REGISTRY.items() if r.meta.waiver_sets_limit] == ["oversized"]
