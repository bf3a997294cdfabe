"""`python -m jobs package --stage prod`: the deployable template and code, no account needed.

Writes `<out>/template.json` (jobs/template/) and `<out>/deployment.zip`: app.py,
chalicelib/, Chalice's runtime module and the requirements' Linux wheels for the Lambda
runtime's Python. `make deploy` hands both to `aws cloudformation package` and `deploy`.

Not `chalice package`: it takes the wheels of the Python that runs it (3.11 here and in
CI), and so would tie the functions to python3.11, which Lambda deprecates on 2027-06-30
and whose Amazon Linux 2 (glibc 2.26) loads no manylinux_2_28 wheel.

Everything is byte-compiled by the runtime's Python where this machine has it: Lambda's
code directory is read-only, so a package without `.pyc` files compiles every module on
every cold start. Hash-based, unchecked: the files never change once deployed, and the
same sources give the same bytes (so an unchanged package stays unchanged)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import chalice

from jobs.template import ROOT, RUNTIME, build_template

MIB = 1024 * 1024
LAMBDA_UNZIPPED_LIMIT = 250 * MIB
LAMBDA_TASK_ROOT = "/var/task"  # where Lambda unpacks the code
GLIBC_MINOR = 34  # the runtime's Amazon Linux 2023 has glibc 2.34
# Every Linux wheel tag that loads there: pip matches given platforms exactly.
PLATFORMS = [
    "manylinux2014_x86_64",
    *(f"manylinux_2_{minor}_x86_64" for minor in range(17, GLIBC_MINOR + 1)),
]
_NOT_CODE = shutil.ignore_patterns("__pycache__", "*.pyc")


def run_package(stage: str, out: Path, *, with_code: bool = True, mail: str = "ses") -> int:
    out.mkdir(parents=True, exist_ok=True)
    template = build_template(stage, "deployment.zip", mail=mail)
    text = json.dumps(template, indent=2, ensure_ascii=False) + "\n"
    (out / "template.json").write_text(text, encoding="utf-8")  # what CloudFormation reads
    print(f"模板已写出:{out / 'template.json'}({len(template['Resources'])} 个资源)")
    if not with_code:
        return 0
    zip_path = out / "deployment.zip"
    build_code(zip_path)
    with zipfile.ZipFile(zip_path) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
    print(
        f"代码包已写出:{zip_path}({zip_path.stat().st_size / MIB:.1f} MB,"
        f"解压后 {unzipped / MIB:.1f} MB,Lambda 上限 {LAMBDA_UNZIPPED_LIMIT // MIB} MB)"
    )
    return 0 if unzipped < LAMBDA_UNZIPPED_LIMIT else 1


def build_code(target: Path) -> None:
    """app.py, chalicelib/, Chalice's runtime module and the requirements as the Linux wheels
    of the Lambda runtime's Python, whatever Python runs this (pip's cross-platform install,
    the way AWS documents for a .zip package). Only wheels: a package that would need
    compiling on Lambda fails here, loudly."""
    with tempfile.TemporaryDirectory() as folder:
        build = Path(folder)
        subprocess.run(
            [
                sys.executable, "-m", "pip", "install", "--quiet", "--no-compile",
                "--disable-pip-version-check", "--target", str(build),
                *(f"--platform={platform}" for platform in PLATFORMS), "--implementation=cp",
                "--python-version", RUNTIME.removeprefix("python"), "--only-binary=:all:",
                "-r", str(ROOT / "requirements.txt"),
            ],
            check=True,
        )  # fmt: skip
        (build / "chalice").mkdir(exist_ok=True)
        for module in ("__init__.py", "app.py"):  # what Chalice itself puts in its packages
            shutil.copyfile(Path(chalice.__file__).with_name(module), build / "chalice" / module)
        shutil.copyfile(ROOT / "app.py", build / "app.py")
        shutil.copytree(ROOT / "chalicelib", build / "chalicelib", ignore=_NOT_CODE)
        _compile(build)
        _zip(build, target)


def runtime_python() -> Path | None:
    """An interpreter of the Lambda runtime's Python version: a pyenv build, or one on
    PATH (a pyenv shim is not one: it may lead to another version, so its root is searched)."""
    version = RUNTIME.removeprefix("python")
    found = shutil.which(RUNTIME)
    roots = [Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")]
    if found and Path(found).parent.name == "shims":
        roots.append(Path(found).parent.parent)
    for root in roots:
        builds = sorted(root.glob(f"versions/{version}.*/bin/{RUNTIME}"))
        if builds:
            return builds[-1]
    return Path(found) if found and "shims" not in found else None


def _compile(build: Path) -> None:
    interpreter = runtime_python()
    if interpreter is None:
        print(
            f"注意:本机没有 {RUNTIME},代码包未预编译(可以部署,但每次冷启动都要编译源码);"
            f"装上 {RUNTIME} 后重新打包"
        )
        return
    subprocess.run(
        [str(interpreter), "-m", "compileall", "-q", "-j", "0",
         "--invalidation-mode", "unchecked-hash",
         "-s", str(build), "-p", LAMBDA_TASK_ROOT,  # the paths tracebacks name, on Lambda
         str(build)],
        check=True,
    )  # fmt: skip


def _zip(folder: Path, target: Path) -> None:
    """The same files give the same zip (sorted, dated 1980), so CloudFormation sees an
    unchanged package as unchanged."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), (1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
