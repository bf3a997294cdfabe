"""Where the data lives: the data root (a local folder, or an S3 prefix in production) and
the bucket's other objects (receipts, quarantine, the outbox, reports, the inventory).

Each is a protocol with an in-memory implementation here (`MemoryBucket`, for tests and
local runs) and the AWS one in chalicelib/aws/ (`S3Source`, `S3Objects`)."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    etag: str = ""  # the version S3 stored (empty for a local file)


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

    def top(self) -> tuple[str, ...]:
        """What the top of the data root holds, sorted: folders end with `/`."""
        ...

    def read(self, path: str, at_most: int | None = None) -> bytes:
        """The file's bytes, no more than `at_most` + 1 of them (so that a file grown since
        it was listed is still bounded); SourceFileGone when it is no longer there."""
        ...


class ObjectReader(Protocol):
    """Reads whole objects of the data bucket by key (the sending worker reads only)."""

    def get(self, key: str) -> bytes:
        """The object's bytes; raises when it is not there."""
        ...


class BucketObjects(ObjectReader, Protocol):
    """Whole objects of the data bucket by key."""

    def stat(self, key: str) -> SourceFile | None:
        """The object's size and time, or None when it is not there."""
        ...

    def put(
        self, key: str, body: bytes, content_type: str = "application/octet-stream"
    ) -> None: ...

    def keys(self, prefix: str) -> list[str]:
        """Every key under `prefix`, sorted."""
        ...


class MovableObjects(BucketObjects, Protocol):
    """Objects that can also be moved away (to quarantine): only the upload check deletes."""

    def move(self, key: str, to: str, if_match: str = "") -> bool:
        """Whether `key` was moved: not when `if_match` (an ETag) is given and the object
        is no longer that version (a unit uploaded it again meanwhile)."""
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

    def top(self) -> tuple[str, ...]:
        if not self.root.is_dir():
            return ()
        return tuple(sorted(p.name + ("/" if p.is_dir() else "") for p in self.root.iterdir()))

    def read(self, path: str, at_most: int | None = None) -> bytes:
        try:
            with (self.root / path).open("rb") as stream:
                return stream.read() if at_most is None else stream.read(at_most + 1)
        except FileNotFoundError:
            raise SourceFileGone(path) from None


@dataclass
class _Stored:
    body: bytes
    modified: datetime  # naive, Asia/Shanghai
    content_type: str


@dataclass
class MemoryBucket:
    """A data bucket in memory: the data root (`DataSource`) and its other objects
    (`MovableObjects`) at once, as S3 serves both. Each object is stamped with `now`,
    which the caller sets (nothing here reads the clock)."""

    now: datetime  # naive, Asia/Shanghai: the time the next put is stamped with
    _objects: dict[str, _Stored] = field(default_factory=dict)

    def put(self, key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        self._objects[key] = _Stored(bytes(body), self.now, content_type)

    def get(self, key: str) -> bytes:
        try:
            return self._objects[key].body
        except KeyError:
            raise SourceFileGone(key) from None

    def stat(self, key: str) -> SourceFile | None:
        stored = self._objects.get(key)
        return None if stored is None else SourceFile(key, stored.modified, len(stored.body))

    def keys(self, prefix: str) -> list[str]:
        return sorted(key for key in self._objects if key.startswith(prefix))

    def move(self, key: str, to: str, if_match: str = "") -> bool:
        """As S3's copy and delete: the copy is stamped with the time of the move."""
        stored = self._objects.pop(key)
        self._objects[to] = _Stored(stored.body, self.now, stored.content_type)
        return True

    def delete(self, key: str) -> None:
        self._objects.pop(key, None)

    def list(self, prefix: str) -> list[SourceFile]:
        return [file for file in map(self.stat, self.keys(prefix)) if file is not None]

    def top(self) -> tuple[str, ...]:
        return tuple(
            sorted({key.partition("/")[0] + key.partition("/")[1] for key in self._objects})
        )

    def read(self, path: str, at_most: int | None = None) -> bytes:
        body = self.get(path)
        return body if at_most is None else body[: at_most + 1]

    def content_type(self, key: str) -> str:
        return self._objects[key].content_type
