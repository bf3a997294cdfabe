"""`make deploy` as an IT engineer runs it, with the AWS CLI, against moto's server in the
AWS China partition: package, upload the code, create the stack through a change set, and
deploy again (an update). The stack on moto is looked at through the same API."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from jobs.template import RUNTIME

ROOT = Path(__file__).resolve().parents[2]
REGION = "cn-north-1"
DEPLOY = {
    "STAGE": "prod",
    "BUCKET": "qungov-data-college-prod",
    "SENDER": "qungov@college.edu.cn",
    "ALARM_EMAIL": "it@college.edu.cn",
    "ARTIFACT_BUCKET": "college-artifacts",
}
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:moto.cloudformation.parsing")


@pytest.fixture
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="localhost", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    urllib.request.urlopen(
        urllib.request.Request(f"http://localhost:{port}/moto-api/reset", method="POST")
    )
    try:
        yield f"http://localhost:{port}"  # moto reads template URLs on `localhost` by path
    finally:
        server.stop()


def make_deploy(
    endpoint: str, package_dir: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(package_dir),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(package_dir / "no-config"),
    }
    arguments = [f"{name}={value}" for name, value in {**DEPLOY, **variables}.items()]
    # the venv is this one: make must not set one up
    here = [f"BIN={Path(sys.executable).parent}", "STAMP=", f"PACKAGE_DIR={package_dir}"]
    return subprocess.run(
        ["make", "--no-print-directory", "deploy", *arguments, *here],
        cwd=ROOT, env=environment, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip


def client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_make_deploy_stands_up_the_stack_and_deploys_again(endpoint: str, tmp_path: Path) -> None:
    client("s3", endpoint).create_bucket(
        Bucket=DEPLOY["ARTIFACT_BUCKET"],
        CreateBucketConfiguration={"LocationConstraint": REGION},
    )

    first = make_deploy(endpoint, tmp_path)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    second = make_deploy(endpoint, tmp_path)  # the same again: an update, not a failure
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]

    (stack,) = client("cloudformation", endpoint).describe_stacks(StackName="qungov-prod")["Stacks"]
    assert stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
    functions = client("lambda", endpoint).list_functions()["Functions"]
    with zipfile.ZipFile(tmp_path / "deployment.zip") as archive:
        assert "app.py" in archive.namelist()
    assert len(functions) == 6
    for function in functions:
        assert function["Runtime"] == RUNTIME
        assert function["CodeSize"] == (tmp_path / "deployment.zip").stat().st_size
        assert function["Role"].startswith("arn:aws-cn:iam::")  # the China partition
    buckets = {b["Name"] for b in client("s3", endpoint).list_buckets()["Buckets"]}
    assert DEPLOY["BUCKET"] in buckets
    # and the engineer is told what is left to do by hand
    assert "verify qungov@college.edu.cn in SES" in second.stdout


def test_make_deploy_names_what_is_missing_before_touching_aws(
    endpoint: str, tmp_path: Path
) -> None:
    result = make_deploy(endpoint, tmp_path, SENDER="")
    assert result.returncode != 0
    assert "set SENDER=..." in result.stdout
    assert client("cloudformation", endpoint).list_stacks()["StackSummaries"] == []
