"""`python -m jobs deploy` (`make deploy`): one stage, from its package to a running stack.

Checks what would otherwise fail halfway, before anything is uploaded: the four values
an operator gives, the region (SES where `--mail ses`; with `--mail smtp`, the server and
its password's SecureString), the AWS CLI (this venv's), the
artifact bucket (it must be in the stack's region: CloudFormation reads the code from
there), and a stack left by a failed first create (it cannot be updated). Then it creates
the portal's signing keys when the stage has none (an SSM SecureString, which CloudFormation
cannot create; never overwritten), and the CLI uploads the code (`aws cloudformation
package`) and creates or updates the stack through a change set (`aws cloudformation
deploy`). A failed deploy is explained from the
stack's events; a success ends with what is left to do by hand."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from chalicelib.core.settings import resource_names
from jobs.portal import ensure_keys

REQUIRED = {
    "BUCKET": "要新建的数据桶名(全局唯一),如 qungov-data-<学校>-prod",
    "SENDER": "所有邮件的发件地址",
    "ALARM_EMAIL": "接收告警的邮箱",
    "ARTIFACT_BUCKET": "已有的、与栈同一区域的存储桶,用于上传代码包",
}
FAILED_CREATE = "ROLLBACK_COMPLETE"  # a first create that failed: only deletion remains
NO_CHANGE_SET = "REVIEW_IN_PROGRESS"  # created for a change set that failed: deploy again


@dataclass(frozen=True)
class Deployment:
    stage: str
    mail: str  # ses | smtp
    package_dir: Path
    values: dict[str, str]  # REQUIRED's names -> what the operator gave
    parameters: dict[str, str] = field(default_factory=dict)  # other template parameters

    @property
    def stack(self) -> str:
        return f"qungov-{self.stage}"


class Refused(Exception):
    """Something to fix before deploying; the message says what and how."""


# With MAIL=smtp: the server, as template parameters (its password never is one).
SMTP_VARIABLES = {
    "SMTP_HOST": "SmtpHost",
    "SMTP_PORT": "SmtpPort",
    "SMTP_SECURITY": "SmtpSecurity",
    "SMTP_USERNAME": "SmtpUsername",
}
PORTS = {"tls": 465, "starttls": 587}  # as 腾讯企业邮, 网易企业邮 and most relays take them


def deployment_from_environment(stage: str, mail: str, package_dir: Path) -> Deployment:
    values = {name: os.environ.get(name, "").strip() for name in REQUIRED}
    optional = {"DIGEST_CONCURRENCY": "DigestConcurrency"}
    optional |= SMTP_VARIABLES if mail == "smtp" else {}
    given = {parameter: os.environ.get(name, "").strip() for name, parameter in optional.items()}
    return Deployment(stage, mail, package_dir, values, {k: v for k, v in given.items() if v})


def run_deploy(deployment: Deployment) -> int:
    try:
        region, aws = preflight(deployment)
    except Refused as refused:
        print(refused, file=sys.stderr)
        return 2
    try:
        create_portal_keys(boto3.client("ssm", region_name=region), deployment.stage)
    except Refused as refused:
        print(refused, file=sys.stderr)
        return 2
    cloudformation = boto3.client("cloudformation", region_name=region)
    if not deploy_stack(deployment, aws):
        print(why_it_failed(cloudformation, deployment.stack), file=sys.stderr)
        return 1
    print(_outputs(cloudformation, deployment.stack), _still_to_do(deployment, region), sep="\n")
    return 0


def preflight(deployment: Deployment) -> tuple[str, str]:
    missing = [name for name, value in deployment.values.items() if not value]
    if missing:
        lines = [f"  {name}=…  {REQUIRED[name]}" for name in missing]
        raise Refused("请设置(见 README,Deployment):\n" + "\n".join(lines))
    template = deployment.package_dir / "template.json"
    if not template.is_file():
        raise Refused(f"找不到 {template}:先运行 make package STAGE={deployment.stage}")
    session = boto3.session.Session()
    region = session.region_name
    if not region:
        raise Refused("未配置 AWS 区域:请设置 AWS_DEFAULT_REGION(如 cn-north-1)或 AWS_PROFILE")
    check_mail(session, region, deployment.mail)
    if deployment.mail == "smtp":
        check_smtp(deployment, session.client("ssm"))
    aws = aws_cli()
    check_artifact_bucket(session.client("s3"), deployment.values["ARTIFACT_BUCKET"], region)
    check_stack(session.client("cloudformation"), deployment.stack)
    return region, aws


def check_mail(session: Any, region: str, mail: str) -> None:
    """SES where it is; botocore's endpoint data knows the regions that have it."""
    partition = session.get_partition_for_region(region)
    if mail == "ses" and region not in session.get_available_regions("ses", partition):
        raise Refused(
            f"区域 {region} 没有 SES,用 MAIL=ses 打包的模板在这里无法创建(也无法发信)。"
            "请改用 MAIL=smtp 重新打包并部署(README,Regions),或换一个有 SES 的区域"
        )


def check_smtp(deployment: Deployment, ssm: Any) -> None:
    """The SMTP server is named, its port fits its TLS mode, and its password is already
    in the stage's SecureString (put there by the operator: never a parameter)."""
    given = deployment.parameters
    if not given.get("SmtpHost"):
        raise Refused(
            "MAIL=smtp 需要 SMTP_HOST(发信服务器,如 smtp.exmail.qq.com),可选 SMTP_PORT"
            "(465 或 587)、SMTP_SECURITY(tls 或 starttls)、SMTP_USERNAME(默认发件地址)"
        )
    security = given.get("SmtpSecurity", "tls")
    port = given.get("SmtpPort", "465")
    if security not in PORTS or not port.isdigit():
        raise Refused(
            f"SMTP_SECURITY 应为 tls 或 starttls,SMTP_PORT 应为端口号(现为 {security}、{port})"
        )
    if port == "25":
        raise Refused("Lambda 不能经 25 端口发信(AWS 限制):请用 465(tls)或 587(starttls)")
    if int(port) in PORTS.values() and int(port) != PORTS[security]:
        right = next(mode for mode, number in PORTS.items() if number == int(port))
        raise Refused(f"端口 {port} 用的是 SMTP_SECURITY={right},不是 {security}")
    name = resource_names(deployment.stage)["smtp_password_parameter"]
    try:
        found = ssm.describe_parameters(
            ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
        )["Parameters"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise Refused(
            f"无法读取 SSM 参数 {name}({code}):当前凭证需要 ssm:DescribeParameters"
        ) from None
    if not found or found[0].get("Type") != "SecureString":
        raise Refused(
            f"先把 SMTP 密码(邮箱的客户端授权码)存为 SecureString:\n"
            f"  aws ssm put-parameter --type SecureString --name {name} --value '<授权码>'\n"
            "(密码不进设置、模板或命令历史之外的任何地方;发信函数只能读这一个参数)"
        )


def aws_cli() -> str:
    """This venv's `aws` (requirements-dev.txt pins it), else one on PATH."""
    beside = Path(sys.executable).with_name("aws")
    found = str(beside) if beside.is_file() else shutil.which("aws")
    if found is None:
        raise Refused("找不到 AWS CLI(aws):运行 make install,或把 aws 加入 PATH")
    return found


def check_artifact_bucket(s3: Any, bucket: str, region: str) -> None:
    try:
        location = s3.get_bucket_location(Bucket=bucket)["LocationConstraint"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise Refused(
            f"无法读取代码包存储桶 {bucket}({code}):它必须已存在,且当前凭证可以写入"
        ) from None
    # S3 says None for us-east-1 and "EU" for eu-west-1, for old buckets
    where = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)
    if where != region:
        raise Refused(
            f"代码包存储桶 {bucket} 在 {where},而栈要部署在 {region}:CloudFormation 只能从"
            f"同一区域的存储桶读取代码。请在 {region} 建一个桶"
            f"(aws s3 mb s3://<名称> --region {region})并设置 ARTIFACT_BUCKET"
        )


def check_stack(cloudformation: Any, stack: str) -> None:
    status = stack_status(cloudformation, stack)
    if status == FAILED_CREATE:
        raise Refused(
            f"栈 {stack} 的首次创建失败过(状态 {FAILED_CREATE}),这种栈不能更新,只能删除。\n"
            f"失败原因见:aws cloudformation describe-stack-events --stack-name {stack}\n"
            "首次创建失败时数据桶和表不会保留(RetainExceptOnCreate),删除是安全的:\n"
            f"  aws cloudformation delete-stack --stack-name {stack}\n"
            f"  aws cloudformation wait stack-delete-complete --stack-name {stack}\n"
            "排除原因后再运行 make deploy"
        )
    if status is not None and status.endswith("_IN_PROGRESS") and status != NO_CHANGE_SET:
        raise Refused(f"栈 {stack} 正在变更中(状态 {status}):等它结束后再部署")


def stack_status(cloudformation: Any, stack: str) -> str | None:
    try:
        (found,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return str(found["StackStatus"])


def create_portal_keys(ssm: Any, stage: str) -> bool:
    """The stage's portal signing keys, `/qungov/<stage>/portal-keys`: a SecureString
    (default key aws/ssm) holding a fresh keyring, created only when absent (PutParameter
    without Overwrite: an existing one, maybe rotated since, is never replaced). Whether it
    was created. Every function reads it (PORTAL_KEY_PARAMETER); the stack does not make
    it, as CloudFormation cannot create a SecureString."""
    name = resource_names(stage)["portal_key_parameter"]
    try:
        created = ensure_keys(ssm, name)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise Refused(
            f"无法创建门户签名密钥参数 {name}({code}):当前凭证需要 ssm:PutParameter"
        ) from None
    if created:
        print(f"已创建门户签名密钥参数 {name}(SecureString,密钥 aws/ssm)", flush=True)
    return created


def deploy_stack(deployment: Deployment, aws: str) -> bool:
    directory, values = deployment.package_dir, deployment.values
    where = ["--s3-bucket", values["ARTIFACT_BUCKET"], "--s3-prefix", deployment.stack]
    given = {
        "BucketName": values["BUCKET"],
        "SenderEmail": values["SENDER"],
        "AlarmEmail": values["ALARM_EMAIL"],
        **deployment.parameters,
    }
    parameters = [f"{name}={value}" for name, value in given.items()]
    steps = [
        [aws, "cloudformation", "package", "--template-file", str(directory / "template.json"),
         *where, "--use-json", "--output-template-file", str(directory / "packaged.json")],
        [aws, "cloudformation", "deploy", "--template-file", str(directory / "packaged.json"),
         "--stack-name", deployment.stack, "--capabilities", "CAPABILITY_IAM",
         "--no-fail-on-empty-changeset", *where, "--parameter-overrides", *parameters],
    ]  # fmt: skip
    return all(subprocess.run(step, check=False).returncode == 0 for step in steps)


def why_it_failed(cloudformation: Any, stack: str) -> str:
    """The stack's failed resources, newest first, and what to do next."""
    status = stack_status(cloudformation, stack)
    if status is None:
        return f"部署失败,栈 {stack} 没有建立:见上面 aws 的输出"
    events = cloudformation.describe_stack_events(StackName=stack)["StackEvents"]
    failed = [
        f"  {event['LogicalResourceId']}: {event.get('ResourceStatusReason', '')}"
        for event in events
        if str(event.get("ResourceStatus", "")).endswith("_FAILED")
    ][:5]
    lines = [f"部署失败,栈 {stack} 现在的状态是 {status}。", *failed]
    if status == FAILED_CREATE:
        lines.append(
            "这是首次创建失败:数据桶和表已随之删除(RetainExceptOnCreate)。排除原因后执行\n"
            f"  aws cloudformation delete-stack --stack-name {stack}\n"
            "然后重新运行 make deploy"
        )
    elif status == NO_CHANGE_SET:
        lines.append("变更集未能创建或执行,栈中还没有任何资源:排除原因后重新运行 make deploy")
    elif status == "UPDATE_ROLLBACK_COMPLETE":
        lines.append("这是一次更新失败:栈已回到上一版本,仍在运行;排除原因后重新运行 make deploy")
    return "\n".join(lines)


def _outputs(cloudformation: Any, stack: str) -> str:
    (found,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    return "\n".join(f"{o['OutputKey']}\t{o['OutputValue']}" for o in found.get("Outputs", []))


def _still_to_do(deployment: Deployment, region: str) -> str:
    sender = deployment.values["SENDER"]
    domain = sender.rpartition("@")[2]
    steps = []
    if deployment.mail == "ses":
        steps += [
            f"在 DNS 中加上 {domain} 的三条 DKIM CNAME 记录(aws sesv2 get-email-identity"
            f" --email-identity {domain} --region {region} 列出),SES 验证通过后才能以 {sender} 发信",
            "申请让账户离开 SES 沙盒(SES 控制台 → Account dashboard → Request production"
            " access):沙盒中只能发给已验证的地址",
        ]
    else:
        steps.append("本区域用 SMTP 发信:按 README 的 Regions 一节配置发信服务器")
    steps += [
        f"确认 SNS 发到 {deployment.values['ALARM_EMAIL']} 的订阅确认邮件(否则收不到告警)",
        "上传 config/units.csv 和 config/offices.csv(DESIGN.md,Data root),下周一的检查随之运行",
    ]
    return "还需手工完成(README,Runbook):\n" + "\n".join(
        f"{number}. {step}" for number, step in enumerate(steps, 1)
    )
