"""`python -m jobs portal …`: the portal's keys and links, for the operator.

portal keys             create the signing keys when there are none (make deploy does)
portal rotate-key       a new signing key; links signed with the previous one still open
portal revoke ADDRESS   void every link and session of ADDRESS issued until now
portal link --unit ID [--to ADDRESS] | --office NAME
                        print a fresh link (for a unit's new secretary, say)"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.aws.actions import PORTAL_PK, REVOKED
from chalicelib.aws.clients import Clients
from chalicelib.aws.portalkeys import forget_cached, ssm_keyring
from chalicelib.aws.s3source import S3Source
from chalicelib.core.settings import Settings
from chalicelib.intake.config import load_offices, load_units
from chalicelib.portal.links import Links
from chalicelib.portal.tokens import Keyring

# The demo's portal (make demo, make portal): a fixed key, so that the links the demo prints
# and mails open in the portal that `make portal` serves on this machine. Never deployed:
# `make deploy` creates a random keyring (ensure_keys).
LOCAL_PORTAL = "http://127.0.0.1:8000/portal/"
DEMO_KEYRING = Keyring(keys=(("demo", "qungov-local-demo-key-never-used-in-a-deployment"),))


def use_demo_keys(ssm: Any, name: str) -> None:
    ssm.put_parameter(Name=name, Type="SecureString", Value=DEMO_KEYRING.to_json(), Overwrite=True)
    forget_cached()


def ensure_keys(ssm: Any, name: str) -> bool:
    """Create the SecureString keyring `name` unless it exists; whether it was created."""
    try:
        ssm.put_parameter(Name=name, Type="SecureString", Value=Keyring.fresh().to_json(),
                          Overwrite=False, Description="qungov portal signing keys")  # fmt: skip
    except ClientError as error:
        if error.response["Error"]["Code"] == "ParameterAlreadyExists":
            return False
        raise
    return True


def rotate_keys(ssm: Any, name: str) -> str:
    current = ssm_keyring(ssm, name)
    kid = f"k{datetime.now(UTC):%Y%m%d%H%M%S}"
    rotated = current.rotated(kid)
    ssm.put_parameter(Name=name, Type="SecureString", Value=rotated.to_json(), Overwrite=True)
    forget_cached()
    return kid


def revoke(dynamodb: Any, table: str, address: str, at: datetime) -> None:
    item = {"pk": {"S": PORTAL_PK}, "sk": {"S": REVOKED + address.strip().lower()},
            "at": {"S": at.isoformat()}}  # fmt: skip
    dynamodb.put_item(TableName=table, Item=item)


def run_portal(args: Any, clients: Clients, settings: Settings) -> int:
    name = settings.portal_key_parameter
    if args.action == "keys":
        created = ensure_keys(clients.ssm, name)
        print(f"{name}:{'已创建' if created else '已存在,未改动'}")
        return 0
    if args.action == "rotate-key":
        print(f"{name}:新密钥 {rotate_keys(clients.ssm, name)} 已启用,旧链接仍可打开")
        return 0
    if args.action == "revoke":
        for address in args.addresses:
            revoke(clients.dynamodb, settings.ledger_table, address, datetime.now(UTC))
            print(f"{address}:此前发出的链接与会话已全部作废")
        return 0
    return _print_link(args, clients, settings)


def _print_link(args: Any, clients: Clients, settings: Settings) -> int:
    if not settings.portal_url:
        print("未设置 PORTAL_URL(部署的 Outputs 中的 PortalUrl)")
        return 2
    links = Links(settings.portal_url, ssm_keyring(clients.ssm, settings.portal_key_parameter),
                  datetime.now(UTC))  # fmt: skip
    source = S3Source(clients.s3, settings.data_bucket)
    if args.office:
        office = next((o for o in load_offices(source, settings, []) if o.office == args.office),
                      None)  # fmt: skip
        if office is None:
            print(f"config/offices.csv 中没有部门“{args.office}”")
            return 2
        print(links.office(office))
        return 0
    unit = next((u for u in load_units(source, settings, []).units if u.unit_id == args.unit),
                None)  # fmt: skip
    to = args.to or (unit.contact_email if unit is not None else None)
    if unit is None or not to:
        print(f"单位“{args.unit}”不在 config/units.csv 中,或没有联系人邮箱(用 --to 指定)")
        return 2
    print(links.unit(to, [unit.unit_id]))
    return 0
