"""How close in meaning each sentence of the top passages is to the question: one of the
things the answer line is chosen by (:mod:`qabot.linerank`). 白大褂 and 医务人员 share no
character; their sentences' vectors are near.

The passages' sentences are embedded (passage mode) when the index is built, in a cache beside
it (``sentences-<embedder>.npy`` + ``.json``, :func:`qabot.meaning.update_vectors`); the
question's vector is the one the retriever already made, so a question costs dot products
only. A sentence outside the cache (an index built before it, a Milvus store, which keeps
nothing locally) is embedded when first met and kept in memory.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from qabot.embedders import Embedder
from qabot.meaning import load_vectors

_CACHE_LIMIT = 20_000  # sentences embedded at question time kept in memory


class Closeness:
    """The corpus sentences' vectors and the embedder, for :meth:`cosines`."""

    def __init__(self, embedder: Embedder, sentences: list[str], matrix: np.ndarray) -> None:
        self.embedder = embedder
        self.index = {s: i for i, s in enumerate(sentences)}
        self.matrix = matrix.astype(np.float32)
        self._met: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, index_dir: Path | None, embedder: Embedder) -> Closeness:
        """The sentence cache of ``index_dir`` for ``embedder`` (empty when there is none:
        sentences are then embedded as they are met)."""
        found = load_vectors(index_dir, embedder, "sentences") if index_dir else None
        sentences, matrix = found or ([], np.zeros((0, embedder.dim), np.float32))
        return cls(embedder, sentences, matrix)

    def cosines(self, question: np.ndarray, sentences: Iterable[str]) -> dict[str, float]:
        """Each sentence's cosine with the ``question`` vector (both normalised)."""
        wanted = list(dict.fromkeys(sentences))
        if not wanted:
            return {}
        with self._lock:
            missing = [s for s in wanted if s not in self.index and s not in self._met]
            if missing:
                if len(self._met) > _CACHE_LIMIT:
                    self._met.clear()
                vectors = self.embedder.embed_passages(missing).astype(np.float32)
                self._met.update(zip(missing, vectors, strict=True))
            rows = [self.matrix[self.index[s]] if s in self.index else self._met[s] for s in wanted]
        return dict(zip(wanted, (np.stack(rows) @ question).tolist(), strict=True))
