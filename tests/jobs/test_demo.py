"""`python -m jobs demo` stays on its embedded AWS, whatever the operator's shell holds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_ignores_the_operators_aws_endpoint_profile_and_mail_server(
    tmp_path: Path,
) -> None:
    # GIVEN the shell of an operator who exported a stack's OperatorEnvironment (an SMTP
    # stack) and points boto3 at a local endpoint with a profile this machine lacks;
    # nothing listens on port 9
    operator = {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_PROFILE": "qungov-prod",
        "AWS_DEFAULT_REGION": "cn-north-1",
        "MAIL_TRANSPORT": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": "9",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | operator

    # WHEN the demo runs there
    run = subprocess.run(
        [sys.executable, "-m", "jobs", "demo", "--out", str(tmp_path / "demo")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )

    # THEN it runs its three weeks on moto, as without them: no network, emails written
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Traceback" not in run.stderr
    assert any((tmp_path / "demo" / "outbox").glob("*.eml"))
