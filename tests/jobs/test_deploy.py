"""`make deploy` as an IT engineer runs it, with the AWS CLI, against moto's server in the
AWS China partition: create the portal's signing keys, package, upload the code, create the
stack through a change set, and deploy again (an update, the keys left as they are). The
stack on moto is looked at through the same API."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto.server import ThreadedMotoServer

from chalicelib.portal.tokens import Keyring
from jobs.deploy import Refused, check_stack, create_portal_keys, why_it_failed
from jobs.package import runtime_python
from jobs.template import RUNTIME
from tests.aws import bare_aws

ROOT = Path(__file__).resolve().parents[2]
REGION = "cn-north-1"
DEPLOY = {
    "STAGE": "prod",
    "BUCKET": "qungov-data-college-prod",
    "SENDER": "qungov@college.edu.cn",
    "ALARM_EMAIL": "it@college.edu.cn",
    "ARTIFACT_BUCKET": "college-artifacts",
    "MAIL": "smtp",  # AWS China has no SES
    "SMTP_HOST": "smtp.exmail.qq.com",  # 腾讯企业邮, implicit TLS on 465 (the defaults)
}
SMTP_PASSWORD = "/qungov/prod/smtp-password"  # resource_names("prod")["smtp_password_parameter"]


def smtp_password_in(endpoint: str) -> None:
    """As the runbook has the operator do before the first deploy."""
    client("ssm", endpoint).put_parameter(
        Name=SMTP_PASSWORD, Type="SecureString", Value="client-auth-code"
    )


PORTAL_KEYS = "/qungov/prod/portal-keys"  # resource_names("prod")["portal_key_parameter"]
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
    smtp_password_in(endpoint)
    client("s3", endpoint).create_bucket(
        Bucket=DEPLOY["ARTIFACT_BUCKET"],
        CreateBucketConfiguration={"LocationConstraint": REGION},
    )

    first = make_deploy(endpoint, tmp_path)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    ssm = client("ssm", endpoint)
    keys = ssm.get_parameter(Name=PORTAL_KEYS, WithDecryption=True)["Parameter"]
    second = make_deploy(endpoint, tmp_path)  # the same again: an update, not a failure
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]

    # the portal's signing keys: created by the first deploy, a SecureString holding a
    # keyring, and left as they were by the second
    assert keys["Type"] == "SecureString"
    assert Keyring.from_json(keys["Value"]).keys[0][0] == "k1"
    assert f"已创建门户签名密钥参数 {PORTAL_KEYS}" in first.stdout
    assert "门户签名密钥" not in second.stdout
    again = ssm.get_parameter(Name=PORTAL_KEYS, WithDecryption=True)["Parameter"]
    assert (again["Value"], again["Version"]) == (keys["Value"], keys["Version"])

    (stack,) = client("cloudformation", endpoint).describe_stacks(StackName="qungov-prod")["Stacks"]
    assert stack["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
    functions = client("lambda", endpoint).list_functions()["Functions"]
    with zipfile.ZipFile(tmp_path / "deployment.zip") as archive:
        assert "app.py" in archive.namelist()
    assert len(functions) == 7  # six jobs and the portal
    for function in functions:
        assert function["Runtime"] == RUNTIME
        assert function["CodeSize"] == (tmp_path / "deployment.zip").stat().st_size
        assert function["Role"].startswith("arn:aws-cn:iam::")  # the China partition
        variables = function["Environment"]["Variables"]
        assert (variables["MAIL_TRANSPORT"], variables["SMTP_HOST"]) == (
            "smtp",
            "smtp.exmail.qq.com",
        )
        assert (str(variables["SMTP_PORT"]), variables["SMTP_SECURITY"]) == ("465", "tls")
        assert variables["SMTP_PASSWORD_PARAMETER"] == SMTP_PASSWORD
        assert "client-auth-code" not in str(variables)  # the password is read, never given
    buckets = {b["Name"] for b in client("s3", endpoint).list_buckets()["Buckets"]}
    assert DEPLOY["BUCKET"] in buckets
    # and the engineer is told what is left to do by hand
    assert "还需手工完成" in second.stdout and "it@college.edu.cn" in second.stdout
    # (a stack moto creates through a change set has no Outputs: what deploy prints of
    # them is not checked here; tests/jobs/test_stack.py checks the Outputs themselves)
    assert "注意:本机没有" not in first.stdout or runtime_python() is None


def artifacts_in(endpoint: str, region: str) -> None:
    s3 = boto3.client(
        "s3", region_name=region, endpoint_url=endpoint,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    where = {} if region == "us-east-1" else {"LocationConstraint": region}
    s3.create_bucket(Bucket=DEPLOY["ARTIFACT_BUCKET"], CreateBucketConfiguration=where)


@pytest.mark.parametrize(
    ("variables", "said"),
    [
        ({"SENDER": ""}, "SENDER=…  所有邮件的发件地址"),
        ({"MAIL": "ses"}, "区域 cn-north-1 没有 SES"),
        ({"ARTIFACT_BUCKET": "no-such-bucket"}, "无法读取代码包存储桶 no-such-bucket"),
        ({"SMTP_HOST": ""}, "MAIL=smtp 需要 SMTP_HOST"),
        ({"SMTP_PORT": "587"}, "端口 587 用的是 SMTP_SECURITY=starttls,不是 tls"),
        ({"SMTP_PORT": "25", "SMTP_SECURITY": "starttls"}, "Lambda 不能经 25 端口发信"),
        (
            {"STAGE": "dev"},
            "aws ssm put-parameter --type SecureString --name /qungov/dev/smtp-password",
        ),
    ],
)
def test_make_deploy_says_what_to_fix_before_anything_is_uploaded(
    endpoint: str, tmp_path: Path, variables: dict[str, str], said: str
) -> None:
    smtp_password_in(endpoint)  # prod's: the dev stage has none
    artifacts_in(endpoint, REGION)
    result = make_deploy(endpoint, tmp_path, **variables)
    assert result.returncode != 0
    assert said in result.stderr
    assert "Traceback" not in result.stderr
    assert client("cloudformation", endpoint).list_stacks()["StackSummaries"] == []
    objects = client("s3", endpoint).list_objects_v2(Bucket=DEPLOY["ARTIFACT_BUCKET"])
    assert objects["KeyCount"] == 0
    made = client("ssm", endpoint).describe_parameters()["Parameters"]
    assert [p["Name"] for p in made] == [SMTP_PASSWORD]  # nor keys made


def test_the_portal_keys_are_created_once_and_never_overwritten(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with bare_aws(monkeypatch, REGION):
        ssm = boto3.client("ssm", region_name=REGION)
        assert create_portal_keys(ssm, "prod") is True
        first = ssm.get_parameter(Name=PORTAL_KEYS, WithDecryption=True)["Parameter"]
        rotated = Keyring.from_json(first["Value"]).rotated("k2").to_json()
        ssm.put_parameter(Name=PORTAL_KEYS, Value=rotated, Type="SecureString", Overwrite=True)

        assert create_portal_keys(ssm, "prod") is False  # a later deploy: kept as rotated

        kept = ssm.get_parameter(Name=PORTAL_KEYS, WithDecryption=True)["Parameter"]
        assert (kept["Type"], kept["Value"], kept["Version"]) == ("SecureString", rotated, 2)
        (described,) = ssm.describe_parameters()["Parameters"]
        assert "KeyId" not in described or described["KeyId"] == "alias/aws/ssm"
    assert capsys.readouterr().out.count("已创建门户签名密钥参数") == 1


def test_without_the_right_to_create_the_keys_deploy_says_what_is_missing() -> None:
    ssm = boto3.client(
        "ssm", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    stubber = Stubber(ssm)
    stubber.add_client_error("put_parameter", "AccessDeniedException", http_status_code=400)
    stubber.activate()
    with pytest.raises(Refused, match="ssm:PutParameter"):
        create_portal_keys(ssm, "prod")


def test_an_artifact_bucket_in_another_region_is_refused_with_the_fix(
    endpoint: str, tmp_path: Path
) -> None:
    smtp_password_in(endpoint)
    artifacts_in(endpoint, "us-east-1")
    result = make_deploy(endpoint, tmp_path)
    assert result.returncode != 0
    assert "代码包存储桶 college-artifacts 在 us-east-1,而栈要部署在 cn-north-1" in result.stderr
    assert "aws s3 mb s3://<名称> --region cn-north-1" in result.stderr


def test_a_failed_create_is_explained_from_the_stack(endpoint: str, tmp_path: Path) -> None:
    smtp_password_in(endpoint)
    artifacts_in(endpoint, REGION)
    s3 = client("s3", endpoint)
    s3.create_bucket(
        Bucket=DEPLOY["BUCKET"], CreateBucketConfiguration={"LocationConstraint": REGION}
    )  # the data bucket's name is taken: the stack cannot create it

    failed = make_deploy(endpoint, tmp_path)
    assert failed.returncode != 0
    assert "部署失败,栈 qungov-prod 现在的状态是" in failed.stderr
    assert "排除原因后重新运行 make deploy" in failed.stderr
    assert "Traceback" not in failed.stderr
    # (moto leaves such a stack in REVIEW_IN_PROGRESS, where AWS rolls a failed create
    # back: the next test plays AWS's answers; and moto never completes a second change
    # set on it, so the retry itself is not rehearsed here)


def stubbed(*answers: tuple[str, dict[str, Any]]) -> Any:
    """A CloudFormation client answering as AWS does after a first create failed (moto's
    change sets never reach ROLLBACK_COMPLETE)."""
    cloudformation = boto3.client(
        "cloudformation", region_name=REGION,
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    stubber = Stubber(cloudformation)
    for operation, response in answers:
        stubber.add_response(operation, response)
    stubber.activate()
    return cloudformation


ROLLED_BACK = (
    "describe_stacks",
    {
        "Stacks": [
            {
                "StackName": "qungov-prod",
                "CreationTime": datetime(2026, 12, 4, tzinfo=UTC),
                "StackStatus": "ROLLBACK_COMPLETE",
            }
        ]
    },
)


def test_after_a_failed_first_create_deploy_names_the_cause_and_how_to_retry() -> None:
    events = {
        "StackEvents": [
            {
                "StackId": "qungov-prod", "EventId": "2", "StackName": "qungov-prod",
                "LogicalResourceId": "SenderIdentity", "ResourceStatus": "CREATE_FAILED",
                "ResourceStatusReason": "Email identity college.edu.cn already exists",
                "Timestamp": datetime(2026, 12, 4, tzinfo=UTC),
            },
        ]
    }  # fmt: skip
    said = why_it_failed(stubbed(ROLLED_BACK, ("describe_stack_events", events)), "qungov-prod")
    assert "SenderIdentity: Email identity college.edu.cn already exists" in said
    assert "aws cloudformation delete-stack --stack-name qungov-prod" in said
    # and the next deploy refuses to try an update that cannot work, saying why
    with pytest.raises(Refused, match="首次创建失败过") as refused:
        check_stack(stubbed(ROLLED_BACK), "qungov-prod")
    assert "RetainExceptOnCreate" in str(refused.value)
