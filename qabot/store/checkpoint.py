"""Embedded vectors saved while a build runs, so a killed build resumes where it stopped.

A large document takes many minutes to embed; without a checkpoint a kill (or a full disk)
throws all of it away. Each batch of vectors is appended to ``.checkpoint-<embedder>.vec`` in
the index folder as soon as it is embedded, one fixed-size record per chunk::

    sha1(embed text) (20 bytes) · float32 × dim · crc32 of the two (4 bytes)

The file name carries the embedder's id, version and dimension, so vectors are never reused
by another model. A torn last record (killed mid-write) or a record whose CRC does not match
is dropped, never reused. Only the builder holding the build lock writes it; it is removed
once the generation it fed is committed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import zlib
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from qabot.errors import IndexStateError

log = logging.getLogger(__name__)

_KEY_BYTES = 20


def checkpoint_path(index_dir: Path, embedder_id: str, version: str, dim: int) -> Path:
    """Where vectors of this embedder are checkpointed in ``index_dir``."""
    tag = hashlib.sha1(f"{embedder_id}|{version}|{dim}".encode()).hexdigest()[:12]
    return index_dir / f".checkpoint-{tag}.vec"


class VectorCheckpoint:
    """Append-only (text key → vector) records of one embedder in one index folder."""

    def __init__(self, path: Path, dim: int) -> None:
        self.path = path
        self.dim = dim
        self._record = _KEY_BYTES + 4 * dim + 4

    def load(self) -> dict[str, np.ndarray]:
        """Every intact record; damaged or torn ones are skipped (and counted in the log)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.warning("ignoring checkpoint %s: %s", self.path.name, exc.strerror)
            return {}
        vectors: dict[str, np.ndarray] = {}
        damaged = 0
        for start in range(0, len(data) - self._record + 1, self._record):
            record = data[start : start + self._record]
            body, crc = record[:-4], int.from_bytes(record[-4:], "little")
            if zlib.crc32(body) != crc:
                damaged += 1
                continue
            vector = np.frombuffer(body[_KEY_BYTES:], dtype=np.float32)
            vectors[body[:_KEY_BYTES].hex()] = vector
        torn = len(data) % self._record
        if torn:  # cut the torn tail off, or the next batch would be appended misaligned
            os.truncate(self.path, len(data) - torn)
        if damaged or torn:
            log.warning(
                "checkpoint %s: %d damaged record(s) dropped", self.path.name, damaged + bool(torn)
            )
        return vectors

    def append(self, keys: list[str], vectors: np.ndarray) -> None:
        """Add one batch and push it to disk before the build goes on."""
        records = bytearray()
        for key, vector in zip(keys, np.asarray(vectors, dtype=np.float32), strict=True):
            body = bytes.fromhex(key) + vector.tobytes()
            records += body + zlib.crc32(body).to_bytes(4, "little")
        with open(self.path, "ab") as fh:
            fh.write(records)
            fh.flush()
            os.fsync(fh.fileno())

    def discard(self) -> None:
        """Forget the checkpoint (after a commit, or before a forced rebuild)."""
        self.path.unlink(missing_ok=True)


def checkpoint_saver(
    index_dir: Path, checkpoint: VectorCheckpoint | None
) -> Callable[[list[str], np.ndarray], None] | None:
    """Appends a batch to ``checkpoint``; a full disk … becomes one clear error."""
    return None if checkpoint is None else partial(write_or_fail, index_dir, checkpoint.append)


def write_or_fail(index_dir: Path, write: Callable[..., None], *args: object) -> None:
    """Run a write; a full disk, a read-only folder … becomes one clear error."""
    try:
        write(*args)
    except OSError as exc:
        raise IndexStateError(
            f"cannot write the index in {index_dir} ({exc.strerror or exc}); "
            "the previous index is unchanged",
            "index_write_failed",
        ) from exc
