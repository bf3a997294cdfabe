"""Where the data root lives: a local folder here; an S3 prefix in production."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from chalicelib.dates import SHANGHAI


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str  # relative to the data root, with `/` separators
    modified: datetime  # naive, Asia/Shanghai
    size: int


class DataSource(Protocol):
    def list(self, prefix: str) -> list[SourceFile]:
        """Files under `prefix` (any depth), sorted by path."""
        ...

    def read(self, path: str) -> bytes: ...


class LocalSource:
    def __init__(self, root: Path):
        self.root = root

    def list(self, prefix: str) -> list[SourceFile]:
        base = self.root / prefix
        if not base.is_dir():
            return []
        files = []
        for path in base.rglob("*"):
            if path.is_file():
                stat = path.stat()
                modified = datetime.fromtimestamp(stat.st_mtime, SHANGHAI).replace(tzinfo=None)
                files.append(
                    SourceFile(path.relative_to(self.root).as_posix(), modified, stat.st_size)
                )
        return sorted(files, key=lambda f: f.path)

    def read(self, path: str) -> bytes:
        return (self.root / path).read_bytes()
