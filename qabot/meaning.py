"""Coverage by meaning: does a passage speak of a question word it does not use verbatim?

A resident asks about 找工作 and the text says 就业. The refusal asks whether the top passages
cover the question's focus words; matching strings refuses exactly the people who write most
naturally. So every word the corpus uses is embedded once, when the index is built, with the
same multilingual embedder (a cache beside the index, ``words-<embedder>.npy`` +
``.json``: a word is embedded once, whatever the rebuilds); a question word is *covered by
meaning* when some word of the passage is among its :data:`NEAREST` nearest words of the whole
corpus vocabulary. The rank, not the cosine, decides: e5 cosines between any two Chinese words
sit near 0.85–0.95, so an absolute threshold says little, while "one of my ten nearest
corpus words" says a lot. :data:`NEAREST` was chosen on held-out folds of the question set
(docs/evaluation.md). A question word the corpus never uses is embedded at question time (a
few milliseconds, cached), and only when it is not found verbatim.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from qabot.embedders import Embedder
from qabot.progress import Progress
from qabot.textnorm import is_code

log = logging.getLogger(__name__)

NEAREST = 10  # a passage word among the question word's 10 nearest corpus words covers it
_BATCH = 256
MAX_ASKED = 4  # question words outside the corpus vocabulary embedded per question
LONG_QUESTION = 60  # longer (a paste, random text): no word is embedded, only looked up
_CACHE_LIMIT = 10_000  # question words kept embedded in memory


Kind = Literal["words", "sentences"]  # words: query mode; sentences (qabot.closeness): passage


def _paths(index_dir: Path, embedder_id: str, kind: Kind = "words") -> tuple[Path, Path]:
    stem = f"{kind}-" + "".join(c if c.isalnum() or c in "-_." else "_" for c in embedder_id)
    return index_dir / f"{stem}.npy", index_dir / f"{stem}.json"


def update_vectors(
    index_dir: Path,
    embedder: Embedder,
    texts: Iterable[str],
    kind: Kind = "words",
    progress: bool = False,
) -> int:
    """Embed the corpus ``texts`` the ``kind`` cache in ``index_dir`` lacks and rewrite it
    (atomically: a reader sees the old cache or the new one); returns how many were embedded."""
    vectors_path, texts_path = _paths(index_dir, embedder.id, kind)
    known, matrix = _read(vectors_path, texts_path)
    todo = sorted(set(texts) - set(known))
    if not todo:
        return 0
    embed = embedder.embed_queries if kind == "words" else embedder.embed_passages
    parts = [matrix] if matrix is not None else []
    with Progress(len(todo), f"{kind[:-1]} vectors", enabled=progress) as bar:
        for start in range(0, len(todo), _BATCH):
            batch = todo[start : start + _BATCH]
            parts.append(embed(batch).astype(np.float16))
            bar.update(len(batch))
    _write(vectors_path, texts_path, [*known, *todo], np.concatenate(parts))
    log.info("embedded %d new corpus %s", len(todo), kind)
    return len(todo)


def load_vectors(
    index_dir: Path, embedder: Embedder, kind: Kind
) -> tuple[list[str], np.ndarray] | None:
    """The ``kind`` cache of ``index_dir`` for ``embedder``; ``None`` when there is none or
    it does not fit the embedder."""
    texts, matrix = _read(*_paths(index_dir, embedder.id, kind))
    if matrix is None or not texts or matrix.shape[1] != embedder.dim:
        return None
    return texts, matrix


def _read(vectors_path: Path, words_path: Path) -> tuple[list[str], np.ndarray | None]:
    try:
        words = json.loads(words_path.read_text(encoding="utf-8"))
        matrix = np.load(vectors_path)
    except (OSError, ValueError):
        return [], None
    if not isinstance(words, list) or matrix.ndim != 2 or len(words) != matrix.shape[0]:
        log.warning("the word vectors in %s are damaged: they will be rebuilt", vectors_path)
        return [], None
    return words, matrix


def _write(vectors_path: Path, words_path: Path, words: list[str], matrix: np.ndarray) -> None:
    tmp_vectors = vectors_path.with_suffix(".tmp.npy")
    tmp_words = words_path.with_suffix(".tmp.json")
    np.save(tmp_vectors, matrix)
    tmp_words.write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
    tmp_vectors.replace(vectors_path)
    tmp_words.replace(words_path)


class KnownVectors:
    """Texts' vectors: the build-time cache's, else embedded when first asked for and kept in
    memory (at most ``limit``; the cache is emptied when full). Thread-safe."""

    def __init__(
        self,
        texts: list[str],
        matrix: np.ndarray,
        embed: Callable[[list[str]], np.ndarray],
        limit: int,
    ) -> None:
        self.index = {t: i for i, t in enumerate(texts)}
        self.matrix = matrix.astype(np.float32)
        self._embed = embed
        self._limit = limit
        self._met: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def of(self, texts: Sequence[str]) -> np.ndarray:
        """A row per text, in order."""
        with self._lock:
            missing = [
                t for t in dict.fromkeys(texts) if t not in self.index and t not in self._met
            ]
            if missing:
                if len(self._met) > self._limit:
                    self._met.clear()
                vectors = self._embed(missing).astype(np.float32)
                self._met.update(zip(missing, vectors, strict=True))
            return np.stack(
                [self.matrix[self.index[t]] if t in self.index else self._met[t] for t in texts]
            )


class Meaning:
    """The corpus vocabulary's vectors and the embedder, for :meth:`nearest`."""

    def __init__(self, words: list[str], matrix: np.ndarray, embedder: Embedder) -> None:
        def one_at_a_time(missing: list[str]) -> np.ndarray:
            # a batch's padding would move a word's vector
            return np.stack([embedder.embed_queries([w])[0] for w in missing])

        self.vectors = KnownVectors(words, matrix, one_at_a_time, _CACHE_LIMIT)
        self.index, self.matrix = self.vectors.index, self.vectors.matrix

    @classmethod
    def load(cls, index_dir: Path, embedder: Embedder) -> Meaning | None:
        """The cache of ``index_dir`` for ``embedder``; ``None`` (coverage by string only)
        when there is none or it does not fit the embedder."""
        found = load_vectors(index_dir, embedder, "words")
        return None if found is None else cls(*found, embedder)

    def nearest(self, words: list[str], embed: int = MAX_ASKED) -> dict[str, set[str]]:
        """Each word's :data:`NEAREST` nearest corpus words of two characters or more (a
        single character, 路 or 病, is inside too many words to say anything). Of the words
        the corpus never uses, only the first ``embed`` are looked up (the caller passes the
        heaviest first), so a question of random characters stays cheap."""
        # a word the corpus never uses costs an embedder call: a few per question at most
        unknown = [w for w in words if w not in self.index][embed:]
        words = [w for w in words if w not in unknown and not is_code(w)]
        if not words:
            return {}
        scores = self.vectors.of(words) @ self.matrix.T
        top = np.argpartition(-scores, min(NEAREST, scores.shape[1] - 1), axis=1)[:, :NEAREST]
        vocabulary = list(self.index)
        return {
            w: {vocabulary[j] for j in row if len(vocabulary[j]) > 1}
            for w, row in zip(words, top, strict=True)
        }
