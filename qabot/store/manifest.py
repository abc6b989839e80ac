"""The index manifest: what a generation was built from, with what, and the checksum of every
data file in it.

``manifest.json`` is the commit point of a build (see :mod:`qabot.store`). Reading it checks
its shape field by field, so a damaged or hand-edited manifest is one clear error naming the
key rather than a crash later; :func:`verify_files` checks every data file against the
SHA-256 recorded at build time, so reordered chunk lines, overwritten vectors or a garbled
BM25 array are refused instead of answering with confident nonsense.
"""

from __future__ import annotations

import hashlib
import json
import stat
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qabot.corpus import PIPELINE_VERSION
from qabot.errors import IndexStateError
from qabot.version import __version__

if TYPE_CHECKING:
    from qabot.embedders import Embedder
    from qabot.types import Chunk

MANIFEST = "manifest.json"
# 2: per-file checksums and a generation id (format 1 indexes are rebuilt from scratch).
FORMAT_VERSION = 2
FILE_KINDS = ("dense", "chunks", "lexical")
# A generation's files it may lack: an index built before bylines were kept has none.
OPTIONAL_FILE_KINDS = ("bylines",)
REBUILD = "rebuild it with `qabot index`"
_READ_BLOCK = 1 << 20


def exists(path: Path) -> bool:
    """``path.exists()``, but a folder qabot may not look into (EACCES, which Python 3.11
    raises) is an index error naming it, exit 3, not an internal error."""
    try:
        return path.exists()
    except OSError as exc:
        raise IndexStateError(
            f"cannot read the index at {path}: {exc.strerror} (check the folder's permissions)",
            "index_unreadable",
        ) from exc


def check_index_folder(index_dir: Path) -> None:
    """Refuse an ``--index`` that names a file (before anything slow happens)."""
    if exists(index_dir) and not index_dir.is_dir():
        raise IndexStateError(
            f"{index_dir} is a file, not an index folder: point --index (QABOT_INDEX) at a folder",
            "index_not_a_folder",
        )


def new_generation(corpus_digest: str) -> str:
    """A new build's generation id: the corpus hash and a unique suffix, so no build ever
    writes over files (or a Milvus collection) that a reader may be using."""
    return f"{corpus_digest[:12]}-{uuid.uuid4().hex[:8]}"


def file_digest(path: Path) -> str:
    """SHA-256 of a file, read in blocks (vectors of a large corpus do not fit twice in RAM)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def checksum_tree(index_dir: Path, names: list[str]) -> dict[str, str]:
    """``{relative path: sha256}`` of the files ``names`` (folders: every file inside)."""
    sums: dict[str, str] = {}
    for name in names:
        path = index_dir / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            sums[file.relative_to(index_dir).as_posix()] = file_digest(file)
    return sums


# Field → (type(s) it must have, words for the message).
_SHAPE: dict[str, tuple[type | tuple[type, ...], str]] = {
    "embedder": (str, "a string"),
    "dim": (int, "an integer"),
    "corpus_hash": (str, "a string"),
    "documents": (dict, "a table of file → sha256"),
    "chunks": (int, "an integer"),
    "index_type": (str, "a string"),
    "files": (dict, "a table with dense, chunks and lexical"),
    "checksums": (dict, "a table of file → sha256"),
    "generation": (str, "a string"),
    "format_version": (int, "an integer"),
}


@dataclass
class Manifest:
    embedder: str
    dim: int
    corpus_hash: str
    documents: dict[str, str]  # source file → sha256
    chunks: int
    index_type: str
    files: dict[str, str]  # dense / chunks / lexical → name in the index folder
    checksums: dict[str, str] = field(default_factory=dict)  # data file → sha256
    generation: str = ""
    pipeline_version: str = PIPELINE_VERSION
    format_version: int = FORMAT_VERSION
    qabot_version: str = __version__
    embedder_version: str = ""
    built_at: str = ""
    districts: dict[str, str] = field(default_factory=dict)  # district → city

    @classmethod
    def read(cls, index_dir: Path) -> Manifest:
        """The manifest in ``index_dir``; :class:`IndexStateError` naming what is wrong."""
        check_index_folder(index_dir)
        path = index_dir / MANIFEST
        if not exists(path):
            raise IndexStateError(
                f"no index in {index_dir}: run `qabot index` to build it", "index_missing"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            detail = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise IndexStateError(
                f"{path} is corrupt ({detail}); {REBUILD}", "index_corrupt"
            ) from exc
        return cls.from_dict(data, path)

    @classmethod
    def from_dict(cls, data: object, path: Path) -> Manifest:
        """Check the shape field by field, then build the manifest."""

        def bad(what: str) -> IndexStateError:
            return IndexStateError(f"{path} is corrupt: {what}; {REBUILD}", "index_corrupt")

        if not isinstance(data, dict):
            raise bad(f"expected a JSON object, found {type(data).__name__}")
        for key, (kind, words) in _SHAPE.items():
            if key not in data and key in {"checksums", "generation"}:
                continue  # absent in format 1: reported as a format mismatch below
            value = data.get(key)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise bad(f"key {key!r} should be {words}, not {type(value).__name__}")
        districts = data.get("districts", {})
        if not isinstance(districts, dict) or not all(
            isinstance(v, str) for v in districts.values()
        ):
            raise bad(f"key 'districts' should be a table of district → city: {districts!r:.40}")
        if data["format_version"] != FORMAT_VERSION:
            raise IndexStateError(
                f"index in {path.parent} has format {data['format_version']}, this qabot reads "
                f"{FORMAT_VERSION}: {REBUILD}",
                "index_format",
            )
        files = data["files"]
        required = {k: v for k, v in files.items() if k not in OPTIONAL_FILE_KINDS}
        if sorted(required) != sorted(FILE_KINDS) or not all(
            isinstance(v, str) and v and "/" not in v and not v.startswith(".")
            for v in files.values()
        ):
            raise bad(
                "key 'files' should name dense, chunks and lexical (and bylines) files in the "
                "folder"
            )
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @classmethod
    def describe(
        cls,
        chunks: list[Chunk],
        embedder: Embedder,
        fingerprint: tuple[str, dict[str, str]],
        index_type: str,
        files: dict[str, str],
        generation: str,
    ) -> Manifest:
        """The manifest of a generation about to be committed (any backend)."""
        return cls(
            embedder=embedder.id,
            dim=embedder.dim,
            corpus_hash=fingerprint[0],
            documents=fingerprint[1],
            chunks=len(chunks),
            index_type=index_type,
            files=files,
            generation=generation,
            embedder_version=getattr(embedder, "version", ""),
            built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            districts={c.district: c.city for c in chunks if c.district},
        )

    def check_embedder(self, embedder_id: str, index_command: str = "qabot index") -> None:
        """Refuse to query vectors made by another model: the scores would be meaningless."""
        if self.embedder != embedder_id:
            raise IndexStateError(
                f"the index was built with embedder {self.embedder!r}, "
                f"not {embedder_id!r}: "
                f"rebuild with `{index_command} --embedder {embedder_id}`, or query with "
                f"--embedder {self.embedder} (QABOT_EMBEDDER)"
            )

    def verify_files(self, index_dir: Path) -> None:
        """Every data file is there and has the checksum recorded when it was built."""
        for kind in self.files:
            if not any(
                name == self.files[kind] or name.startswith(self.files[kind] + "/")
                for name in self.checksums
            ):
                raise IndexStateError(
                    f"index in {index_dir}: no checksum for {self.files[kind]}; {REBUILD}",
                    "index_corrupt",
                )
        root = index_dir.resolve()
        for name, expected in self.checksums.items():
            # Only regular files inside the folder: a hand-edited manifest naming /dev/zero,
            # a FIFO or ../../etc would otherwise be read forever, or outside the index.
            path = index_dir / name
            try:
                inside = path.resolve().is_relative_to(root) and not Path(name).is_absolute()
                if not inside or not stat.S_ISREG(path.stat().st_mode):
                    raise IndexStateError(
                        f"index in {index_dir} is corrupt: its manifest names {name!r}, which is "
                        f"not a regular file inside the index folder; {REBUILD}",
                        "index_corrupt",
                    )
                actual = file_digest(path)
            except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a NUL byte
                detail = getattr(exc, "strerror", None) or str(exc)
                raise IndexStateError(
                    f"index in {index_dir} is incomplete: {name!r}: {detail}; {REBUILD}",
                    "index_corrupt",
                ) from exc
            if actual != expected:
                raise IndexStateError(
                    f"index in {index_dir} is corrupt: {name} changed after it was built "
                    f"(checksum mismatch); {REBUILD}",
                    "index_corrupt",
                )
