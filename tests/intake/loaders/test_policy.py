"""config/policy.csv: an institution cites its own regulations, articles and thresholds;
every line is checked where it is read, and a bad one is a row error naming its cell."""

from __future__ import annotations

from pathlib import Path

from chalicelib.core.models import SEED_REGULATIONS, DataError, Policy
from chalicelib.evaluate.rules import waivable_rules
from chalicelib.intake.config import load_policy
from chalicelib.intake.loaders.rows import SUMMARY_ROW
from chalicelib.intake.source import LocalSource
from tests.intake.loaders import write
from tests.intake.readers import DEFAULT_SETTINGS

OWN_TITLE = "某某大学网络工作群管理规定"


def policy(root: Path, text: str) -> tuple[Policy, list[DataError]]:
    write(root, "config/policy.csv", text)
    errors: list[DataError] = []
    return load_policy(LocalSource(root), DEFAULT_SETTINGS, errors, waivable_rules()), errors


def cells(errors: list[DataError]) -> list[tuple[int | None, str | None]]:
    return [(e.row, e.column) for e in errors]


def test_without_a_policy_the_seeds_are_cited() -> None:
    assert Policy().regulations == SEED_REGULATIONS
    assert Policy().clause("oversized", "管理办法 第五条(四)") == "管理办法 第五条(四)"


def test_a_college_cites_its_own_regulation_articles_and_thresholds(tmp_path: Path) -> None:
    found, errors = policy(
        tmp_path,
        "项目,内容\n"
        f"管理办法,《{OWN_TITLE}》\n"
        "规定,某某大学新媒体管理规定\n"
        "oversized,管理办法 第六条(二)\n"
        "不明身份人员,规定 第三条\n"
        "max_members,200\n"
        "duplicate_overlap,0.9\n",
    )

    assert errors == []
    assert found.regulations == {
        **SEED_REGULATIONS,
        "管理办法": OWN_TITLE,
        "规定": "某某大学新媒体管理规定",
    }
    assert found.clauses == {
        "oversized": "管理办法 第六条(二)",
        "unidentified_members": "规定 第三条",
    }
    assert found.thresholds == {"max_members": 200, "duplicate_overlap": 0.9}
    assert isinstance(found.thresholds["max_members"], int)


def test_each_bad_line_is_a_row_error_and_the_good_ones_count(tmp_path: Path) -> None:
    found, errors = policy(
        tmp_path,
        "项目,内容\n"
        "max_members,-5\n"  # out of range
        "inactive_days,九十\n"  # not a number
        "oversized,第六条\n"  # no regulation named
        "naming,条例 第二条\n"  # a regulation nobody declared
        "a b,c\n"  # not an item
        "expired,通知 一.2\n"
        "expired,管理办法 第九条\n",  # given twice: the first counts
    )

    assert cells(errors) == [
        (2, "内容"),
        (3, "内容"),
        (4, "内容"),
        (6, "项目"),
        (8, "项目"),
        (5, "内容"),
    ]
    assert "max_members 的取值“-5”无效,应为整数,取值 ≥ 0" in errors[0].reason
    assert "引用的制度“条例”没有登记(可用:管理办法、通知)" in errors[-1].reason
    assert found.clauses == {"expired": "通知 一.2"} and found.thresholds == {}


def test_a_total_row_is_skipped_with_a_warning_never_a_regulation(tmp_path: Path) -> None:
    # GIVEN a policy saved from an Excel table with its total row (合计, a count of lines)
    found, errors = policy(tmp_path, f"项目,内容\n管理办法,{OWN_TITLE}\nmax_members,200\n合计,3\n")
    # WHEN read THEN the total row is skipped with the summary warning, never a
    # regulation named 合计 that rollups would cite
    assert "合计" not in found.regulations
    assert errors == [DataError(file="config/policy.csv", row=4, reason=SUMMARY_ROW, warning=True)]
