"""python -m jobs scan|sample ..."""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)

from chalicelib.core.dates import SHANGHAI, shanghai_today
from chalicelib.core.models import RollupKind
from chalicelib.core.settings import Settings, SettingsError, dead_letter_queue, load_settings
from chalicelib.intake.catalogue import DATA_FOLDERS


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _count(text: str) -> int:
    if not text.isdigit():  # 0 and up, no sign
        raise argparse.ArgumentTypeError(f"not a number of 0 or more: {text!r}")
    return int(text)


def _mean(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (0 < value < math.inf):  # also refuses nan: 0 once meant "the default"
        raise argparse.ArgumentTypeError(f"not a number above 0: {text!r}")
    return value


def stages() -> list[str]:
    """The stages of .chalice/config.json: the only ones a template has timeouts for."""
    config = json.loads(
        (Path(__file__).resolve().parents[1] / ".chalice" / "config.json").read_text("utf-8")
    )
    return list(config["stages"])


def parser() -> argparse.ArgumentParser:
    today = shanghai_today(datetime.now(UTC))
    root = argparse.ArgumentParser(prog="python -m jobs", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    scan = commands.add_parser("scan", help="evaluate a local data root without AWS")
    scan.add_argument("--data", type=Path, required=True, help="the data root folder")
    scan.add_argument("--today", type=_day, default=today, help="YYYY-MM-DD (default: today)")
    scan.add_argument("--out", type=Path, default=Path("out/scan"), help="where to write")

    weekly = commands.add_parser("weekly", help="the weekly job: scan, ledger, digests, send")
    weekly.add_argument("--today", type=_day, default=today, help="YYYY-MM-DD (default: today)")
    weekly.add_argument("--dry-run", action="store_true", help="render digests, send nothing")
    weekly.add_argument("--out", type=Path, default=Path("out/weekly"), help="dry-run output")
    weekly.add_argument(
        "--resend",
        action="store_true",
        help="send this week's digests again, also to recipients who had them (logged)",
    )
    weekly.add_argument("--to", metavar="ADDRESS", help="with --resend: only this recipient")
    weekly.add_argument(
        "--accept-changes",
        action="store_true",
        help="release the new findings this week's guards held for a mass change (logged)",
    )
    weekly.add_argument("--by", metavar="NAME", help="with --accept-changes: who accepts")
    weekly.add_argument("--reason", metavar="TEXT", help="with --accept-changes: why")

    rollup = commands.add_parser("rollup", help="the weekly or monthly rollup by hand")
    rollup.add_argument(
        "--period", type=RollupKind, choices=list(RollupKind), default=RollupKind.WEEK
    )
    rollup.add_argument("--today", type=_day, default=today, help="YYYY-MM-DD (default: today)")
    rollup.add_argument("--dry-run", action="store_true", help="render only, send nothing")
    rollup.add_argument("--out", type=Path, default=Path("out/rollup"), help="local copies")
    rollup.add_argument(
        "--resend", action="store_true", help="send this period's rollups again (logged)"
    )

    inspect = commands.add_parser("inspect", help="how qungov reads each file")
    inspect.add_argument("files", type=Path, nargs="+", metavar="FILE")
    inspect.add_argument("--kind", choices=DATA_FOLDERS)
    inspect.add_argument("--platform", choices=["qq", "wechat", "wecom", "dingtalk"])
    inspect.add_argument("--today", type=_day, default=today, help="YYYY-MM-DD (default: today)")

    commands.add_parser("columns", help="the column names each table accepts (Markdown)")

    redrive = commands.add_parser("redrive", help="move a dead-letter queue's messages back")
    redrive.add_argument("queue", choices=["digests", "uploads"])

    unblock = commands.add_parser(
        "unblock", help="list the addresses that bounced, or mail one again once it is fixed"
    )
    unblock.add_argument("addresses", nargs="*", metavar="ADDRESS")

    portal = commands.add_parser("portal", help="the portal's keys and links (README, Portal)")
    portal.add_argument("action", choices=("keys", "rotate-key", "revoke", "link"))
    portal.add_argument("addresses", nargs="*", metavar="ADDRESS", help="with revoke")
    portal.add_argument("--unit", help="with link: the unit's id")
    portal.add_argument("--to", metavar="ADDRESS", help="with link --unit: the recipient")
    portal.add_argument("--office", help="with link: the office, as in config/offices.csv")

    package = commands.add_parser("package", help="the deployable template and code")
    package.add_argument("--stage", default="dev", choices=stages())
    package.add_argument("--out", type=Path, default=None, help="default out/package/<stage>")
    package.add_argument("--no-code", action="store_true", help="the template only")
    package.add_argument(
        "--mail",
        choices=("ses", "smtp"),
        default="ses",
        help="the mail provider: ses, or smtp where there is no SES (AWS China, ap-east-1)",
    )

    deploy = commands.add_parser(
        "deploy",
        help="deploy a packaged stage (make deploy); reads BUCKET, SENDER, ALARM_EMAIL,"
        " ARTIFACT_BUCKET and DIGEST_CONCURRENCY from the environment",
    )
    deploy.add_argument("--stage", default="dev", choices=stages())
    deploy.add_argument("--mail", choices=("ses", "smtp"), default="ses")
    deploy.add_argument("--package-dir", type=Path, default=None, help="out/package/<stage>")

    smoke = commands.add_parser(
        "smoke",
        help="rehearse on a real account: deploy stage smoke, run a week, check the mail,"
        " delete it (make smoke); reads TO, SENDER and ARTIFACT_BUCKET from the environment",
    )
    smoke.add_argument("--bucket", default="", help="the stage's data bucket (default: random)")
    smoke.add_argument("--keep", action="store_true", help="leave the stage standing")
    smoke.add_argument("--teardown", action="store_true", help="only delete a stage left")
    smoke.add_argument("--wait", type=int, default=600, help="seconds to wait for the sends")
    smoke.add_argument("--out", type=Path, default=Path("out/package/smoke"))

    demo = commands.add_parser("demo", help="three weeks on embedded AWS (moto)")
    demo.add_argument("--out", type=Path, default=Path("out/demo"))
    demo.add_argument("--today", type=_day, default=date(2026, 11, 16), help="the first Monday")

    sample = commands.add_parser("sample", help="generate a realistic sample college")
    sample.add_argument("--out", type=Path, required=True)
    sample.add_argument("--seed", type=int, default=7)
    sample.add_argument("--groups", type=_count, default=120)
    sample.add_argument("--members", type=_mean, help="mean members of a group (about 72)")
    sample.add_argument("--formats", choices=("mixed", "csv"), default="mixed")
    sample.add_argument("--today", type=_day, default=today)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Every command; a user's mistake is one line on stderr and exit code 2, never a
    traceback (a bug still shows one)."""
    for stream in (sys.stdout, sys.stderr):
        # A character the console cannot show (an emoji in a group name on a GBK console,
        # a file name not in UTF-8) is printed escaped instead of ending the run.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe is found here, not at the interpreter's exit
        return code
    except BrokenPipeError:  # the reader went away (`… | head`): stop without a word
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except FileExistsError as exists:
        where = exists.filename or exists
        if Path(str(where)).is_file():
            print(f"{where} 是文件,不是文件夹;请换一个目录", file=sys.stderr)
        else:
            print(f"输出目录已存在且不是空的:{where};请换一个新目录,或先删除它", file=sys.stderr)
    except NotADirectoryError as not_folder:  # a file where a folder on the path belongs
        path = Path(str(not_folder.filename))
        file = next((p for p in (path, *path.parents) if p.is_file()), path)
        print(f"{file} 是文件,不是文件夹;请换一个目录", file=sys.stderr)
    except NoRegionError:
        print(
            "未配置 AWS 区域:请设置 AWS_DEFAULT_REGION(如 cn-north-1),或用 AWS_PROFILE 指定配置",
            file=sys.stderr,
        )
    except NoCredentialsError:
        print(
            "未找到 AWS 凭证:请设置 AWS_PROFILE,或 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY",
            file=sys.stderr,
        )
    except EndpointConnectionError as unreachable:
        print(
            f"无法连接 {unreachable.kwargs.get('endpoint_url', 'AWS')}:请检查网络、"
            "AWS_DEFAULT_REGION 和 AWS_ENDPOINT_URL",
            file=sys.stderr,
        )
    except ClientError as refused:
        code = refused.response.get("Error", {}).get("Code", "")
        print(
            f"AWS 拒绝了请求({code}):请检查凭证的权限,以及指向的是否是 qungov 的部署",
            file=sys.stderr,
        )
    return 2


def _main(argv: Sequence[str] | None) -> int:
    args = parser().parse_args(argv)
    if args.command in ("scan", "weekly", "rollup", "demo", "inspect", "redrive", "unblock",
                        "portal"):  # fmt: skip
        try:
            settings = load_settings()
        except SettingsError as error:
            print(error, file=sys.stderr)
            return 2
    if args.command == "scan":
        from jobs.scan import run_scan

        return run_scan(args.data, args.today, args.out, settings)
    if args.command == "columns":
        from jobs.columns import run_columns

        return run_columns()
    if args.command == "package":
        from jobs.package import run_package

        out = args.out or Path("out/package") / args.stage
        return run_package(args.stage, out, with_code=not args.no_code, mail=args.mail)
    if args.command == "deploy":
        from jobs.deploy import deployment_from_environment, run_deploy

        directory = args.package_dir or Path("out/package") / args.stage
        return run_deploy(deployment_from_environment(args.stage, args.mail, directory))
    if args.command == "smoke":
        from jobs.smoke import smoke_from_environment

        return smoke_from_environment(args.bucket, args.keep, args.teardown, args.wait, args.out)
    if args.command == "redrive":
        from chalicelib.aws.clients import aws_clients
        from jobs.redrive import queue_of, redrive

        queue = queue_of(args.queue, settings)
        moved = redrive(aws_clients().sqs, queue)
        print(f"已将 {moved} 条消息从 {dead_letter_queue(queue)} 移回 {queue}")
        return 0
    if args.command == "unblock":
        from chalicelib.aws.clients import aws_clients
        from jobs.unblock import run_unblock

        return run_unblock(args.addresses, aws_clients(), settings)
    if args.command == "portal":
        from chalicelib.aws.clients import aws_clients
        from jobs.portal import run_portal

        if args.action == "link" and not (args.unit or args.office):
            print("portal link 需要 --unit 或 --office", file=sys.stderr)
            return 2
        if args.action == "revoke" and not args.addresses:
            print("portal revoke 需要至少一个邮箱地址(其链接与会话将作废)", file=sys.stderr)
            return 2
        return run_portal(args, aws_clients(), settings)
    if args.command == "inspect":
        from jobs.inspect import run_inspect

        return run_inspect(args.files, args.kind, args.platform, args.today, settings)
    if args.command == "weekly":
        if args.to and not args.resend:
            print("--to 只能与 --resend 一起使用", file=sys.stderr)
            return 2
        if (args.by or args.reason) and not args.accept_changes:  # else a plain re-run
            print("--by 和 --reason 只能与 --accept-changes 一起使用", file=sys.stderr)
            return 2
        if args.accept_changes and not (args.by and args.reason):
            print(
                "--accept-changes 需要同时写明 --by 姓名 和 --reason 理由(会记入运行记录)",
                file=sys.stderr,
            )
            return 2
        accept = (args.by, args.reason) if args.accept_changes else None
        return _weekly(settings, args.today, args.dry_run, args.out, args.resend, args.to, accept)
    if args.command == "rollup":
        return _rollup(settings, args.period, args.today, args.dry_run, args.out, args.resend)
    if args.command == "demo":
        from jobs.demo import run_demo

        run_demo(args.out, args.today, settings)
        return 0
    from jobs.sample import generate_college

    plan = generate_college(
        args.out,
        today=args.today,
        seed=args.seed,
        groups=args.groups,
        members=args.members,
        formats=args.formats,
    )
    print(
        f"样例学校已生成于 {args.out}:群组 {plan.groups} 个,名单行 {plan.rows} 行,"
        f"人员 {plan.people} 人,文件 {plan.files} 个;预置 {len(plan.planted)} 类问题。"
    )
    return 0


def _weekly(
    settings: Settings,
    today: date,
    dry_run: bool,
    out: Path,
    resend: bool,
    to: str | None,
    accept: tuple[str, str] | None,
) -> int:
    from chalicelib.aws.clients import aws_clients
    from chalicelib.flows.outbox import Resend
    from chalicelib.flows.weekly import Acceptance
    from chalicelib.intake.config import ScanAborted
    from chalicelib.ledger.week import LaterWeekRan
    from jobs.weekly import run_weekly_job

    now = datetime.now(UTC)
    label = now.astimezone(SHANGHAI).strftime("%Y%m%dT%H%M%S")
    again = Resend(label, to) if resend else None
    accepted = Acceptance(accept[0], accept[1], label) if accept else None
    if accepted is not None:
        print(f"按操作员要求放行本周暂未认定的问题({accepted})", file=sys.stderr)
    if again is not None:
        who = again.to or "本周每位收件人"
        print(
            f"按操作员要求重新发送本周提醒(标记 {again.label}):{who}将再收到一份", file=sys.stderr
        )
    try:
        summary, sent = run_weekly_job(
            aws_clients(), settings, today, now, dry_run, out, resend=again, accept=accepted
        )
    except (ScanAborted, LaterWeekRan) as refused:
        print(f"无法检查:{refused}", file=sys.stderr)
        return 2
    print("\n".join(summary.lines()))
    print(f"  发送结果:{dict(sent) or ('仅生成,未发送:' + str(out))}")
    return 0


def _rollup(
    settings: Settings, kind: RollupKind, today: date, dry_run: bool, out: Path, resend: bool
) -> int:
    from chalicelib.aws.clients import aws_clients
    from chalicelib.flows.rollup import RollupSendFailed, RollupUnavailable, ports, run_rollup

    try:
        now = datetime.now(UTC)
        label = now.astimezone(SHANGHAI).strftime("%Y%m%dT%H%M%S") if resend else None
        if label is not None:
            print(f"按操作员要求重新发送汇总(标记 {label})", file=sys.stderr)
        summary = run_rollup(
            ports(aws_clients(), settings),
            settings,
            kind,
            today,
            now,
            dry_run=dry_run,
            out=out,
            resend=label,
        )
    except RollupUnavailable as unavailable:
        print(f"无法汇总:{unavailable}", file=sys.stderr)
        return 2
    except RollupSendFailed as failed:
        print("\n".join(failed.summary.lines()), file=sys.stderr)
        return 1
    print("\n".join(summary.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
