"""`python -m jobs.serve` (`make portal`): the portal on this machine, on moto's server.

A data root is uploaded to a bucket on moto's server (listening on 127.0.0.1, addressed as
`localhost`: another site than the portal, as S3 is), one weekly run fills the ledger, and
the Chalice app answers at http://127.0.0.1:<port>/portal/ (Chalice's local dev server).
Uploads from the unit page go to moto's bucket; a thread plays the upload queue's Lambda
trigger (each S3 notification to the `validate_upload` handler), so a receipt is written
within a second or two. moto does not check a presigned POST's policy (folder, size,
expiry): the limits S3 enforces are not enforced here. `local_portal` serves the browser test too
(tests/portal/test_browser.py); `main` serves the sample college until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import threading
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from chalicelib.aws.clients import Clients, aws_clients
from chalicelib.aws.ledger import DynamoLedger
from chalicelib.aws.portalkeys import forget_cached, ssm_keyring
from chalicelib.aws.s3source import S3Source
from chalicelib.core.dates import shanghai_today
from chalicelib.core.settings import Settings, load_settings
from chalicelib.evaluate.scan import ScanResult
from chalicelib.flows import weekly
from chalicelib.intake.config import load_offices, load_units
from chalicelib.notify.digests.build import DigestPlan
from chalicelib.portal.links import Links
from jobs.demo import check_uploads
from jobs.portal import use_demo_keys
from jobs.provision import provision, upload_folder

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
REGION = "us-east-1"
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": REGION,
}
NOT_HERE = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


@dataclass
class LocalPortal:
    portal_url: str  # http://127.0.0.1:<port>/portal/
    clients: Clients  # on moto's server
    settings: Settings
    trigger: UploadTrigger  # its `errors`: what the upload check raised
    root: Path  # the data root as uploaded

    def links(self) -> Links:
        keyring = ssm_keyring(self.clients.ssm, self.settings.portal_key_parameter)
        return Links(self.portal_url, keyring, datetime.now(UTC))

    def unit_link(self, unit_id: str, to: str = "") -> str:
        """A unit's link, sent to `to` or else to the unit's contact address."""
        units = load_units(self.source(), self.settings, []).units
        unit = next((u for u in units if u.unit_id == unit_id), None)
        recipient = to or (unit.contact_email if unit else "") or f"{unit_id}@localhost"
        return self.links().unit(recipient, [unit_id])

    def office_link(self, office_name: str) -> str:
        offices = load_offices(self.source(), self.settings, [])
        office = next(o for o in offices if o.office == office_name)
        return self.links().office(office)

    def busiest_unit(self) -> str:
        """The unit with the most open findings."""
        entries = DynamoLedger(self.clients.dynamodb, self.settings.ledger_table).entries()
        counts = Counter(e.unit_id for e in entries.values() if e.active and e.unit_id)
        return counts.most_common(1)[0][0]

    def run_weekly(
        self, today: date, *, dry_run: bool = False
    ) -> tuple[weekly.WeeklySummary, DigestPlan, ScanResult]:
        return weekly.run_weekly(
            weekly.ports(self.clients, self.settings), self.settings, today, dry_run=dry_run
        )

    def source(self) -> S3Source:
        return S3Source(self.clients.s3, self.settings.data_bucket)


class UploadTrigger(threading.Thread):
    """What Lambda's SQS trigger does for `validate_upload`: each message of the upload
    queue to the handler, deleted once the handler returned (kept for a retry if not)."""

    def __init__(self, queue: str) -> None:
        super().__init__(daemon=True, name="upload-trigger")
        self.queue = queue
        self.stop = threading.Event()
        self.invoked = 0
        self.errors: list[str] = []

    def run(self) -> None:
        from chalice.test import Client

        import app as app_module

        sqs = aws_clients(REGION).sqs
        url = sqs.get_queue_url(QueueName=self.queue)["QueueUrl"]
        with Client(app_module.app, project_dir=str(ROOT)) as client:
            while not self.stop.is_set():
                for message in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get(
                    "Messages", []
                ):
                    try:
                        event = client.events.generate_sqs_event([message["Body"]], self.queue)
                        client.lambda_.invoke("validate_upload", event)
                    except Exception as error:  # Lambda would retry; the caller sees it
                        self.errors.append(repr(error))
                        continue
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                    self.invoked += 1


@contextmanager
def local_portal(root: Path, today: date, port: int = 0) -> Iterator[LocalPortal]:
    """The data root `root` on moto's server after the weekly run of `today`, and the portal
    serving it on 127.0.0.1:`port` (0: a free port). The environment (AWS endpoint, fake
    credentials, PORTAL_URL) is restored after."""
    from chalice.config import Config
    from chalice.local import create_local_server
    from moto.server import ThreadedMotoServer  # development only, like the demo

    import app as app_module

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server: a line a request
    with ExitStack() as stack:
        saved = dict(os.environ)
        stack.callback(forget_cached)
        stack.callback(os.environ.update, saved)
        stack.callback(os.environ.clear)
        moto = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
        moto.start()
        stack.callback(moto.stop)
        endpoint = f"http://localhost:{moto.get_host_and_port()[1]}"
        reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(reset, timeout=10).close()  # moto's state is the process's
        for name in NOT_HERE:
            os.environ.pop(name, None)
        os.environ.update(FAKE_AWS, AWS_ENDPOINT_URL=endpoint)
        forget_cached()  # the keys of another endpoint

        stack.callback(setattr, app_module.app, "__class__", app_module.app.__class__)
        config = Config.create(chalice_stage="dev", app_name=app_module.app.app_name)
        http = create_local_server(app_module.app, config, HOST, port).server  # swaps the class
        stack.callback(http.server_close)
        portal_url = f"http://{HOST}:{http.server_address[1]}/portal/"
        os.environ["PORTAL_URL"] = portal_url

        clients, settings = aws_clients(REGION), load_settings()
        provision(clients, settings)
        upload_folder(clients.s3, settings.data_bucket, root)
        check_uploads(clients, settings)  # the data root's own receipts
        weekly.run_weekly(weekly.ports(clients, settings), settings, today)

        serving = threading.Thread(target=http.serve_forever, daemon=True, name="portal")
        serving.start()
        stack.callback(serving.join, 10)
        stack.callback(http.shutdown)
        trigger = UploadTrigger(settings.upload_queue)
        trigger.start()
        stack.callback(trigger.join, 10)
        stack.callback(trigger.stop.set)
        yield LocalPortal(portal_url, clients, settings, trigger, root)


def main(argv: Sequence[str] | None = None) -> int:
    today = shanghai_today(datetime.now(UTC))
    arguments = argparse.ArgumentParser(prog="python -m jobs.serve", description=__doc__)
    arguments.add_argument("--port", type=int, default=8000, help="default 8000; 0: any free")
    arguments.add_argument("--today", type=date.fromisoformat,
                           default=today - timedelta(days=today.weekday()),
                           help="the weekly run's day (default: this week's Monday)")  # fmt: skip
    args = arguments.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qungov-portal-") as folder:
        from jobs.sample import generate_college

        root = Path(folder) / "college"
        generate_college(root, today=args.today, groups=60, formats="csv")
        with local_portal(root, args.today, args.port) as portal:
            # the demo's fixed key, so that the links `make demo` printed open here too
            use_demo_keys(portal.clients.ssm, portal.settings.portal_key_parameter)
            offices = load_offices(portal.source(), portal.settings, [])
            print(f"工作台:{portal.portal_url}(模拟 AWS,数据:示例学院,{args.today} 的周检查)")
            print(f"单位链接:{portal.unit_link(portal.busiest_unit())}")
            print(f"部门链接:{portal.office_link(offices[0].office)}")
            print("按 Ctrl-C 结束。")
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
