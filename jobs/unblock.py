"""`python -m jobs unblock [ADDRESS ...]`: list the addresses that bounced or complained,
or mail them again once their owner fixed the mailbox (or the data now names another).
The weekly run records them from SES's events; every sender skips them until then."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.aws.clients import Clients
from chalicelib.aws.mailhealth import PK, DynamoMailHealth
from chalicelib.core.settings import Settings


def run_unblock(addresses: Sequence[str], clients: Clients, settings: Settings) -> int:
    if not addresses:
        items = DynamoMailHealth(clients.dynamodb, settings.ledger_table).all()
        for item in items:
            print(f"{item.address}\t{item.words}\t{item.at}\t{item.reason}")
        print(f"共 {len(items)} 个邮箱不再发送;解除:python -m jobs unblock 邮箱地址")
        return 0
    unknown = [address for address in addresses if not forget(clients, settings, address)]
    for address in addresses:
        print(f"{address}:{'不在退信名单中' if address in unknown else '已解除,此后照常发送'}")
    return 1 if unknown else 0


def forget(clients: Clients, settings: Settings, address: str) -> bool:
    """Mail `address` again; whether it was undeliverable. Only an operator does this: no
    function's role may delete a `MAILHEALTH` item."""
    key = {"pk": {"S": PK}, "sk": {"S": address.strip().lower()}}
    gone = clients.dynamodb.delete_item(
        TableName=settings.ledger_table, Key=key, ReturnValues="ALL_OLD"
    )
    return "Attributes" in gone
