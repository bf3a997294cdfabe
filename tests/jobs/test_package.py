"""`python -m jobs package`: the code Lambda runs, built without an AWS account.

Every wheel in deployment.zip must load on the runtime the template names (jobs/template/
RUNTIME), not on the Python that built it; where that Python is on this machine, the
package is imported and exercised by it."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from datetime import date
from pathlib import Path

import pytest

from jobs.package import GLIBC_MINOR, LAMBDA_UNZIPPED_LIMIT, run_package, runtime_python
from jobs.sample import generate_college
from jobs.template import RUNTIME

RUNTIME_VERSION = RUNTIME.removeprefix("python")  # "3.13"
CPYTHON_TAG = "cp" + RUNTIME_VERSION.replace(".", "")


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The prod package, built with no AWS credentials, region or config in reach."""
    out = tmp_path_factory.mktemp("package")
    with pytest.MonkeyPatch.context() as environment:
        for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
            environment.delenv(variable, raising=False)
        environment.setenv("AWS_CONFIG_FILE", str(out / "no-config"))
        environment.setenv("AWS_SHARED_CREDENTIALS_FILE", str(out / "no-credentials"))
        assert run_package("prod", out) == 0
    return out / "deployment.zip"


def wheel_tags(archive: zipfile.ZipFile) -> dict[str, list[str]]:
    """Each installed distribution -> the tags of the wheel it came from."""
    return {
        name.split("/")[0]: [
            line.removeprefix("Tag: ").strip()
            for line in archive.read(name).decode().splitlines()
            if line.startswith("Tag: ")
        ]
        for name in archive.namelist()
        if name.endswith(".dist-info/WHEEL")
    }


def loads_on_the_runtime(tag: str) -> bool:
    python, abi, platform = tag.split("-")
    if platform == "any":
        return python.startswith("py3") or python == CPYTHON_TAG
    if python != CPYTHON_TAG or abi not in (CPYTHON_TAG, "abi3"):
        return python.startswith("cp3") and abi == "abi3" and _linux(platform)
    return _linux(platform)


def _linux(platform: str) -> bool:
    if platform == "manylinux2014_x86_64":
        return True
    parts = platform.split("_")  # manylinux_2_28_x86_64
    return parts[0] == "manylinux" and parts[-2:] == ["x86", "64"] and int(parts[2]) <= GLIBC_MINOR


def test_every_wheel_in_the_package_loads_on_the_runtime(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        tags = wheel_tags(archive)
    assert {"pydantic_core", "python_calamine", "pillow", "markupsafe"} <= {
        name.split("-")[0].lower() for name in tags
    }
    for distribution, its_tags in tags.items():
        assert any(loads_on_the_runtime(tag) for tag in its_tags), (distribution, its_tags)


def test_the_package_holds_the_app_and_nothing_of_the_developers(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
        unzipped = sum(info.file_size for info in archive.infolist())
    assert {
        "app.py",
        "chalice/app.py",
        "chalice/__init__.py",
        "chalicelib/core/settings.py",
    } <= set(names)
    assert not [n for n in names if n.startswith(("tests/", "jobs/", "bench/", "boto3/"))]
    # no bytecode of the Python that built it: only the runtime's (see below)
    assert not [
        n
        for n in names
        if n.endswith(".pyc") and f".{CPYTHON_TAG.replace('cp', 'cpython-')}." not in n
    ]
    assert unzipped < LAMBDA_UNZIPPED_LIMIT


def test_every_module_is_compiled_for_the_runtime_unchecked(package: Path) -> None:
    interpreter = runtime_python()
    if interpreter is None:
        pytest.skip(f"no {RUNTIME} interpreter on this machine: the package is not compiled")
    magic = subprocess.run(
        [str(interpreter), "-c", "import importlib.util; print(importlib.util.MAGIC_NUMBER.hex())"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    tag = CPYTHON_TAG.replace("cp", "cpython-")
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
        sources = [n for n in names if n.endswith(".py") and n.startswith(("app", "chalice"))]
        assert len(sources) > 100
        for source in sources:
            folder, _, file = source.rpartition("/")
            compiled = f"{folder}/__pycache__/{file[:-3]}.{tag}.pyc".lstrip("/")
            assert compiled in names, source
            header = archive.read(compiled)[:8]
            assert header[:4].hex() == magic, compiled
            # PEP 552 flags: hash-based (bit 0), source not checked (bit 1 clear)
            assert int.from_bytes(header[4:8], "little") == 0b01, compiled


def test_building_the_same_code_twice_gives_the_same_zip(package: Path, tmp_path: Path) -> None:
    # an unchanged package must not look changed to CloudFormation
    assert run_package("prod", tmp_path) == 0
    assert (tmp_path / "deployment.zip").read_bytes() == package.read_bytes()


# Run by the runtime's Python with only the package (and boto3, which Lambda provides):
# the handlers import, a roster workbook is read (calamine, pydantic, email-validator) and
# a trend chart drawn (Pillow).
SMOKE = """
import sys
from datetime import date
from pathlib import Path

import app
from chalicelib.intake.inspection import check_file
from chalicelib.evaluate.rules import waivable_rules
from chalicelib.notify.rollups.chart import trend_png
from chalicelib.notify.rollups.models import TrendPoint
from chalicelib.core.settings import Settings
from chalicelib.intake.source import LocalSource

root = Path(sys.argv[1])
source = LocalSource(root)
(roster,) = [f for f in source.list("rosters/") if f.path.endswith(sys.argv[2])]
receipt = check_file(source, roster, Settings(), date(2026, 11, 16), waivable_rules())
assert receipt.groups and receipt.rejected is None, receipt
assert trend_png([TrendPoint(period="2026-W47", open_by_severity={"high": 3})])[:4] == b"\\x89PNG"
print(sys.version_info[:2], len(app.app.event_sources), len(receipt.groups))
"""


def test_the_package_runs_on_the_runtime_python(package: Path, tmp_path: Path) -> None:
    interpreter = runtime_python()
    if interpreter is None:
        pytest.skip(f"no {RUNTIME} interpreter on this machine")
    code = tmp_path / "code"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(code)
    college = tmp_path / "college"
    generate_college(college, today=date(2026, 11, 16), groups=5)
    roster = max((college / "rosters").rglob("*.xlsx"), key=lambda p: p.stat().st_size)
    # boto3 and its pure-Python dependencies: from this venv, after the package's own files
    site_packages = sysconfig.get_paths()["purelib"]
    result = subprocess.run(
        [str(interpreter), "-S", "-B", "-v", "-c", f"import sys; sys.path[:0] = {[str(code)]!r};"
         f" sys.path.append({site_packages!r}); exec(sys.stdin.read())",
         str(college), roster.name],
        input=SMOKE, capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith(f"({RUNTIME_VERSION.replace('.', ', ')})")
    # and nothing of the package was compiled from source (-v names each code object)
    loaded = [line for line in result.stderr.splitlines() if "code object from" in line]
    from_source = [line for line in loaded if str(code) in line and line.endswith(".py'")]
    assert len(loaded) > 100 and from_source == []


def test_the_template_is_written_in_utf8_whatever_the_machines_locale(tmp_path: Path) -> None:
    # GIVEN a Python that flags every text file opened in the locale's encoding (GBK on a
    # Chinese Windows, where CloudFormation would then read a template it cannot decode)
    strict = [sys.executable, "-X", "warn_default_encoding", "-W", "error::EncodingWarning"]

    # WHEN the template is packaged
    run = subprocess.run(
        [*strict, "-m", "jobs", "package", "--no-code", "--out", str(tmp_path)],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    # THEN it was written, in UTF-8, with the alarm words in Chinese intact
    assert run.returncode == 0, run.stderr
    assert "待确认" in (tmp_path / "template.json").read_bytes().decode("utf-8")
