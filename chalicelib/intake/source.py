"""Where the data root lives: a local folder here; an S3 prefix in production."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from stat import S_ISREG
from typing import Protocol

from chalicelib.core.dates import SHANGHAI


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: str  # relative to the data root, with `/` separators
    modified: datetime  # naive, Asia/Shanghai
    size: int


class SourceFileGone(Exception):
    """A listed file that is no longer there when read (moved, deleted or quarantined in
    between): an error for that file only, never for the scan."""

    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


class DataSource(Protocol):
    def list(self, prefix: str) -> list[SourceFile]:
        """Files under `prefix` (any depth), sorted by path."""
        ...

    def read(self, path: str, at_most: int | None = None) -> bytes:
        """The file's bytes, no more than `at_most` + 1 of them (so that a file grown since
        it was listed is still bounded); SourceFileGone when it is no longer there."""
        ...


class LocalSource:
    def __init__(self, root: Path):
        self.root = root

    def list(self, prefix: str) -> list[SourceFile]:
        base = self.root / prefix
        if not base.is_dir():
            return []
        files = []
        for path in base.rglob("*"):
            try:
                stat = path.stat()
            except FileNotFoundError:  # removed while the folder was being listed
                continue
            if S_ISREG(stat.st_mode):
                modified = datetime.fromtimestamp(stat.st_mtime, SHANGHAI).replace(tzinfo=None)
                files.append(
                    SourceFile(path.relative_to(self.root).as_posix(), modified, stat.st_size)
                )
        return sorted(files, key=lambda f: f.path)

    def read(self, path: str, at_most: int | None = None) -> bytes:
        try:
            with (self.root / path).open("rb") as stream:
                return stream.read() if at_most is None else stream.read(at_most + 1)
        except FileNotFoundError:
            raise SourceFileGone(path) from None
