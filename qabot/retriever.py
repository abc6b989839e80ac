"""Hybrid retrieval: dense and lexical (BM25) candidates from the store, fused, district-aware.

Fusion adds the two scores standardised over their candidates (z-scores): each scorer counts
by how far a passage stands out from the others it found, whatever its scale. Reciprocal-rank
fusion, used before, kept only the ranks: a passage BM25 scored twice as high as any other
counted barely more than the second, while e5's cosines, which sit within 0.01 of each other
for most passages of a question, decided (held-out comparison: docs/evaluation.md). The BM25
score is weighted by the lexical evidence the question has — the IDF share of its focus words
that the corpus uses at all, raised to :data:`LEXICAL_GATE` — so a paraphrase that shares few
words with the text is ranked mostly by meaning, while a question quoting the documents' words
keeps full BM25. BM25 is queried with :attr:`Query.terms
<qabot.query.Query.terms>`: the index tokenizer's words of the question (stop words dropped),
without the "X said" of a person it names.

Districts named in the question (or passed explicitly) restrict the candidates; with two or
more districts, results alternate between them so a comparison shows each side.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from qabot.embedders import Embedder
from qabot.lexical import Tokenizer
from qabot.meaning import KnownVectors
from qabot.query import Query, quoted_phrases
from qabot.store.protocol import ChunkStore
from qabot.textnorm import match_key
from qabot.types import Hit, Mode

# Exponent of the lexical-evidence weight of BM25 in the fusion; chosen on the question set
# (docs/evaluation.md): 0 is an equal weight whatever the question's words.
LEXICAL_GATE = 2.0
_VECTORS_KEPT = 256  # question vectors kept (a question's passes and the ones just before)


class Retriever:
    """Asks the store (:class:`qabot.store.protocol.ChunkStore`) for the two candidate rankings and
    fuses them here, so every backend reports the same ``dense_score``/``lexical_score``."""

    def __init__(self, store: ChunkStore, embedder: Embedder, tokenizer: Tokenizer) -> None:
        self.store = store
        self.embedder = embedder
        self.tokenizer = tokenizer
        empty = np.zeros((0, embedder.dim), np.float32)
        # looked up at each call, not bound now: the embedder's method may be wrapped later
        self._questions = KnownVectors(
            [], empty, lambda texts: self.embedder.embed_queries(texts), _VECTORS_KEPT
        )

    @property
    def size(self) -> int:
        return self.store.size

    def query_vector(self, text: str) -> np.ndarray:
        """The embedder's vector of the question ``text``, made once: the dense search, each
        compared district's and the answer line's closeness (:mod:`qabot.closeness`) share it."""
        vector: np.ndarray = self._questions.of([text])[0]
        return vector

    def find(self, query: Query, k: int, mode: Mode = "hybrid") -> list[Hit]:
        """The ``k`` best chunks for ``query``, alternating between its compared districts."""
        if query.compared:
            per_district = [
                self._search(query.search, query.terms, query.quoted, k, [d], mode, query.weights)
                for d in query.compared
            ]
            return _interleave(per_district, k)
        return self._search(
            query.search, query.terms, query.quoted, k, query.districts, mode, query.weights
        )

    def search(self, text: str, k: int, mode: Mode = "hybrid") -> list[Hit]:
        """The ``k`` best chunks for a plain ``text`` (its tokens for BM25), no analysis."""
        tokens = self.tokenizer.tokenize(text)
        return self._search(text, tokens, quoted_phrases(text), k, [], mode)

    def lexical_weight(self, tokens: list[str], focus: Collection[str] = ()) -> float:
        """How much BM25 counts in the fusion: the IDF share of ``tokens`` the corpus uses.
        With the question's ``focus`` words, a token the corpus lacks counts only when it is
        (part of) one of them: 搞 and 接着 of 还接着搞平安建设吗 are the asker's way of
        talking, not a topic the documents miss."""
        used = self.store.known(tokens)  # one look-up for all (a round trip to Milvus)
        if focus:
            tokens = [t for t in tokens if t in used or any(t in w for w in focus)]
        idf = self.store.idfs(tokens)
        total = sum(idf[t] for t in tokens)
        known = sum(idf[t] for t in tokens if t in used)
        return (known / total) ** LEXICAL_GATE if total else 1.0

    def _search(
        self,
        query: str,
        tokens: list[str],
        phrases: list[str],
        k: int,
        districts: list[str],
        mode: Mode,
        focus: Collection[str] = (),
    ) -> list[Hit]:
        depth = max(50, 4 * k)
        dense = (
            self.store.dense_search(self.query_vector(query), depth, districts)
            if mode != "lexical"
            else {}
        )
        lexical = self.store.lexical_search(tokens, depth, districts) if mode != "dense" else {}
        weight = self.lexical_weight(tokens, focus) if mode == "hybrid" else 1.0
        fused = fuse(dense, lexical, weight)
        chunks = self.store.chunks_at(fused) if phrases else {}
        # a candidate holding every quoted phrase goes before those that do not
        quoting = (
            {i for i in fused if all(p in match_key(chunks[i].text) for p in phrases)}
            if phrases
            else set()
        )
        ranked = sorted(fused, key=lambda i: (i not in quoting, -fused[i], i))[:k]
        chunks = chunks or self.store.chunks_at(ranked)
        low, high = min(fused.values(), default=0.0), max(fused.values(), default=0.0)
        return [
            Hit(
                chunk=chunks[i],
                score=round((fused[i] - low) / (high - low), 4) if high > low else 1.0,
                dense=round(dense.get(i, 0.0), 4),
                lexical=round(lexical.get(i, 0.0), 4),
            )
            for i in ranked
        ]


def standardised(scores: dict[int, float]) -> dict[int, float]:
    """Each score's distance from the mean of ``scores``, in standard deviations."""
    if not scores:
        return {}
    values = list(scores.values())
    mean = sum(values) / len(values)
    spread = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5 or 1.0
    return {i: (v - mean) / spread for i, v in scores.items()}


def fuse(dense: dict[int, float], lexical: dict[int, float], weight: float) -> dict[int, float]:
    """The fused score of every candidate: its dense z-score plus ``weight`` times its BM25
    z-score; a candidate one scorer did not find gets that scorer's lowest."""
    z_dense, z_lexical = standardised(dense), standardised(lexical)
    floor_dense = min(z_dense.values(), default=0.0)
    floor_lexical = min(z_lexical.values(), default=0.0)
    return {
        i: z_dense.get(i, floor_dense) + weight * z_lexical.get(i, floor_lexical)
        for i in dense.keys() | lexical.keys()
    }


def _interleave(rankings: list[list[Hit]], k: int) -> list[Hit]:
    merged: list[Hit] = []
    seen: set[str] = set()
    for position in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if position < len(ranking) and ranking[position].chunk.id not in seen:
                merged.append(ranking[position])
                seen.add(ranking[position].chunk.id)
    return merged[:k]
