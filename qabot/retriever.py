"""Hybrid retrieval: dense (FAISS) and lexical (BM25) candidates, fused, district-aware.

Fusion is reciprocal-rank fusion (RRF): robust to the two scorers' different scales. The
BM25 ranking is weighted by the lexical evidence the question has — the IDF share of its
focus words that the corpus uses at all, raised to :data:`LEXICAL_GATE` — so a paraphrase
that shares few words with the text is ranked mostly by meaning, while a question quoting
the documents' words keeps full BM25. BM25 is queried with the question's focus words
(:mod:`qabot.question`), so fillers, people's names and titles do not drive it.

Districts named in the question (or passed explicitly) restrict the candidates; with two or
more districts, results alternate between them so a comparison shows each side.
"""

from __future__ import annotations

import re

import faiss
import numpy as np

from qabot.embedders import Embedder
from qabot.lexical import Tokenizer
from qabot.store import HNSW_EF_SEARCH, Store
from qabot.textnorm import match_key
from qabot.types import Hit, Mode

RRF_K = 60
# Exponent of the lexical-evidence weight of BM25 in the fusion; chosen on the question set
# (docs/evaluation.md): 0 is plain RRF.
LEXICAL_GATE = 2.0
# Text in quotation marks is meant literally: 提出“产业第一、企业家老大”的理念.
_QUOTED = re.compile(r"[“\"「『《]([^”\"」』》]{2,40})[”\"」』》]")


def quoted_phrases(query: str) -> list[str]:
    """Phrases the question quotes, as match keys."""
    return [match_key(p) for p in _QUOTED.findall(query) if match_key(p)]


class Retriever:
    def __init__(self, store: Store, embedder: Embedder, tokenizer: Tokenizer) -> None:
        self.store = store
        self.embedder = embedder
        self.tokenizer = tokenizer
        groups: dict[str, list[int]] = {}
        for i, chunk in enumerate(store.chunks):
            groups.setdefault(chunk.district, []).append(i)
        self._by_district = {d: np.asarray(ids, dtype=np.int64) for d, ids in groups.items()}

    @property
    def size(self) -> int:
        return len(self.store.chunks)

    def allowed(self, districts: list[str]) -> np.ndarray | None:
        """Chunk positions of the given districts (``None``: no restriction)."""
        if not districts:
            return None
        parts = [self._by_district.get(d, np.zeros(0, dtype=np.int64)) for d in districts]
        return np.sort(np.concatenate(parts))

    def dense_scores(self, query: str, allowed: np.ndarray | None, depth: int) -> dict[int, float]:
        """Cosine similarity of the best ``depth`` chunks (among ``allowed``)."""
        if self.size == 0 or (allowed is not None and not len(allowed)):
            return {}
        vector = self.embedder.embed_queries([query])
        depth = min(depth, self.size if allowed is None else len(allowed))
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(allowed)
            params = (
                faiss.SearchParametersHNSW(sel=selector, efSearch=max(HNSW_EF_SEARCH, depth))
                if isinstance(self.store.dense, faiss.IndexHNSWFlat)
                else faiss.SearchParameters(sel=selector)
            )
        scores, ids = self.store.dense.search(vector, depth, params=params)
        return {int(i): float(s) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0}

    def lexical_scores(
        self, tokens: list[str], allowed: np.ndarray | None, depth: int
    ) -> dict[int, float]:
        scores = self.store.lexical.scores(tokens)
        if allowed is not None:
            mask = np.full(self.size, -1.0, dtype=np.float32)
            mask[allowed] = scores[allowed]
            scores = mask
        order = np.argsort(-scores, kind="stable")[:depth]
        return {int(i): float(scores[i]) for i in order if scores[i] > 0}

    def search(
        self,
        query: str,
        k: int,
        districts: list[str] | None = None,
        mode: Mode = "hybrid",
        terms: list[str] | None = None,
    ) -> list[Hit]:
        """The ``k`` best chunks for ``query``; alternating between ``districts`` when several.
        ``terms``: the words BM25 looks for (default: the question's tokens)."""
        districts = districts or []
        tokens = terms or self.tokenizer.tokenize(query)
        if len(districts) > 1:
            per_district = [self._search(query, tokens, k, [d], mode) for d in districts]
            return _interleave(per_district, k)
        return self._search(query, tokens, k, districts, mode)

    def lexical_weight(self, tokens: list[str]) -> float:
        """How much BM25 counts in the fusion: the IDF share of ``tokens`` the corpus uses."""
        lexical = self.store.lexical
        total = sum(lexical.idf(t) for t in tokens)
        known = sum(lexical.idf(t) for t in tokens if lexical.knows(t))
        return (known / total) ** LEXICAL_GATE if total else 1.0

    def _search(
        self, query: str, tokens: list[str], k: int, districts: list[str], mode: Mode
    ) -> list[Hit]:
        allowed = self.allowed(districts)
        depth = max(50, 4 * k)
        dense = self.dense_scores(query, allowed, depth) if mode != "lexical" else {}
        lexical = self.lexical_scores(tokens, allowed, depth) if mode != "dense" else {}
        weight = self.lexical_weight(tokens) if mode == "hybrid" else 1.0
        fused: dict[int, float] = {}
        for ranking, share in ((dense, 1.0), (lexical, weight)):
            ordered = sorted(ranking, key=lambda i: -ranking[i])
            for rank, i in enumerate(ordered):
                fused[i] = fused.get(i, 0.0) + share / (RRF_K + rank + 1)
        best_possible = ((1 + weight) if mode == "hybrid" else 1) / (RRF_K + 1)
        phrases = quoted_phrases(query)
        if phrases:  # a candidate holding every quoted phrase goes before those that do not
            for i in fused:
                if all(p in match_key(self.store.chunks[i].text) for p in phrases):
                    fused[i] += best_possible
        ranked = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        return [
            Hit(
                chunk=self.store.chunks[i],
                score=round(min(fused[i] / best_possible, 1.0), 4),
                dense=round(dense.get(i, 0.0), 4),
                lexical=round(lexical.get(i, 0.0), 4),
            )
            for i in ranked
        ]


def _interleave(rankings: list[list[Hit]], k: int) -> list[Hit]:
    merged: list[Hit] = []
    seen: set[str] = set()
    for position in range(max((len(r) for r in rankings), default=0)):
        for ranking in rankings:
            if position < len(ranking) and ranking[position].chunk.id not in seen:
                merged.append(ranking[position])
                seen.add(ranking[position].chunk.id)
    return merged[:k]
