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

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from qabot.embedders import Embedder
from qabot.meaning import KnownVectors, load_vectors

_CACHE_LIMIT = 20_000  # sentences embedded at question time kept in memory


class Closeness:
    """The corpus sentences' vectors (:class:`~qabot.meaning.KnownVectors`), for
    :meth:`cosines`."""

    def __init__(self, embedder: Embedder, sentences: list[str], matrix: np.ndarray) -> None:
        self.vectors = KnownVectors(sentences, matrix, embedder.embed_passages, _CACHE_LIMIT)

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
        return dict(zip(wanted, (self.vectors.of(wanted) @ question).tolist(), strict=True))
