"""Whole-set passes over tests/data/questions.jsonl, shared within a test session.

Several slow tests ask every question of the set: the quality guard, the copied-answer check
and the snapshot; the two that compare a second pipeline with the shipped one (Milvus against
FAISS, the document formats against the ``.txt`` corpus) ask :func:`equivalence_sample`. Most
of a question's time is the e5 embedding of the question (and of its words, for coverage by
meaning), which is the same whichever index is asked; and some tests ask the shipped index
exactly the same thing (the guard and the Milvus test: ``k=10``, the lenient rule; the
snapshot and the formats test: ``k=5``, the shipped rule). Here each distinct embedding call
and each distinct question to the shipped index is computed once per session, so every test
still checks every question, on answers the real engine gave in this run.

Under pytest-xdist the tests of :data:`GROUPED` are one unit of work, sent to one worker, else
each worker would make its own pass (``tests/schedule.py``).
"""

from __future__ import annotations

import inspect
import random
import sys
import warnings
from collections.abc import Sequence
from copy import deepcopy
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qabot.embedders import E5SmallEmbedder, Embedder
from qabot.engine import SEARCH_DEPTH, Engine, Gathered
from qabot.evaluation.questions import Question
from qabot.indexer import open_readonly
from qabot.query import Query
from qabot.settings import Settings
from qabot.store.protocol import ChunkStore
from qabot.types import Answer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import question_vectors

SAMPLE = 16  # stored question vectors compared with the live embedder each session
# the comparisons of two pipelines ask every EQUIVALENCE_STEP-th question (a quarter: ~1060)
EQUIVALENCE_STEP = 4
AGREE = 0.999  # cosine: another CPU's last digits (0.9221 against 0.9224) stay above it
GROUP = "question_set"  # the unit of work of the tests that share these passes
FIXTURES = {"set_engine", "query_vectors"}
GROUPED = frozenset(
    {
        "tests/test_answers.py::test_every_answer_of_the_set_is_copied_and_never_a_bare_heading",
        "tests/test_evaluation.py::test_every_type_and_district_is_broken_down",
        "tests/test_evaluation.py::test_held_out_folds_and_the_shipped_rule",
        "tests/test_evaluation.py::test_quality_guard_hybrid",
        "tests/test_evaluation.py::test_report_has_chart_and_failures",
        "tests/test_formats_equivalence.py::test_pdf_docx_html_copies_answer_like_the_txt",
        "tests/test_milvus.py::test_milvus_ranks_like_faiss_on_the_question_set",
        "tests/test_snapshot.py::test_answers_match_the_snapshot",
    }
)

Vectors = dict[tuple[str, bool, tuple[str, ...]], np.ndarray]


class MemoEmbedder:
    """The real embedder, each distinct call computed once per session: a call is keyed by
    its whole batch (a batch's vectors may depend on its company), the result copied out."""

    def __init__(self, inner: Embedder, vectors: Vectors) -> None:
        self.inner = inner
        self.id = inner.id
        self.dim = inner.dim
        self.version = getattr(inner, "version", "")
        self.vectors = vectors

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        key = (self.id, True, tuple(texts))
        if key not in self.vectors:
            self.vectors[key] = self.inner.embed_queries(texts)
        return self.vectors[key].copy()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)


_ASK = inspect.signature(Engine.ask)
_GATHER = inspect.signature(Engine.gather)


class SetEngine(Engine):
    """An engine that answers each distinct question (with the same parameters) once and
    gives a copy of that answer when asked again. The question's analysis (a third of a warm
    pass) is the same whatever ``k`` and rule the passes ask with: it too is made once."""

    def __init__(self, store: ChunkStore, embedder: Embedder, index_dir: Path | None) -> None:
        super().__init__(store, embedder, index_dir)
        self.answers: dict[tuple, Answer] = {}
        self.found: dict[tuple, Answer | Gathered] = {}
        self.queries: dict[tuple[str, object], Query] = {}

    def query(self, question: str, district: object = None) -> Query:
        """:meth:`Engine.query`, each distinct question and filter analysed once."""
        key = (question, district)
        if key not in self.queries:
            self.queries[key] = super().query(question, district)
        return deepcopy(self.queries[key])

    def ask(self, *args: Any, **kwargs: Any) -> Answer:
        """:meth:`Engine.ask`, each distinct call (however its arguments are passed) once."""
        call = _ASK.bind(self, *args, **kwargs)
        call.apply_defaults()
        key = tuple(call.arguments.values())[1:]
        if key not in self.answers:
            self.answers[key] = super().ask(*args, **kwargs)
        return deepcopy(self.answers[key])

    def gather(self, *args: Any, **kwargs: Any) -> Answer | Gathered:
        """:meth:`Engine.gather`, each distinct call once (deciding does not change what
        was found: the same object serves every pass and fold). A ``k`` up to
        :data:`~qabot.engine.SEARCH_DEPTH` searches the same passages: the eval's pass (k=10)
        serves the k=5 ones, with its ``k``."""
        call = _GATHER.bind(self, *args, **kwargs)
        call.apply_defaults()
        k = call.arguments["k"]
        call.arguments["k"] = max(k, SEARCH_DEPTH)
        key = tuple(call.arguments.values())[1:]
        if key not in self.found:
            asked = {name: value for name, value in call.arguments.items() if name != "self"}
            self.found[key] = super().gather(**asked)
        found = self.found[key]
        return replace(found, k=k) if isinstance(found, Gathered) and found.k != k else found


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test that uses the shared passes but is not in :data:`GROUPED` would make its own
    pass on another worker: it fails, so the list cannot fall behind."""
    shares = FIXTURES & set(getattr(item, "fixturenames", ()))
    if shares and item.nodeid.partition("[")[0] not in GROUPED:
        pytest.fail(f"{item.nodeid} uses {sorted(shares)}: list it in question_set.GROUPED")


def equivalence_sample(questions: Sequence[Question]) -> list[Question]:
    """Every :data:`EQUIVALENCE_STEP`-th question of the set, in its order: each batch and
    style is there. A second pipeline must answer as the shipped one does, which a thousand
    questions show as well as four thousand; the set grows by a batch every session, and these
    comparisons, a second engine asking everything, were the longest part of the suite."""
    return list(questions[::EQUIVALENCE_STEP])


def memo_engine(index: Path, vectors: Vectors, store: str | None = None) -> Engine:
    """The index in ``index`` (or the ``store`` backend), read-only, on the session's
    embedding memo: an index that is not the shipped one still reuses its question vectors."""
    found, embedder = open_readonly(index, store=store)
    return Engine(found, MemoEmbedder(embedder, vectors), index)


@pytest.fixture(scope="session")
def query_vectors() -> Vectors:
    """The session's question vectors, by embedder and batch: those stored in
    ``tests/data/question_vectors`` (``scripts/question_vectors.py``) when a sample of them is
    what the live embedder gives, the rest computed when first asked."""
    live = E5SmallEmbedder()
    stored = checked(live, question_vectors.load(question_vectors.embedder_tag(live)))
    return {(live.id, True, (text,)): vector[None, :] for text, vector in stored.items()}


def checked(live: Embedder, stored: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``stored``, or nothing (with a warning) when a sample of it is not what ``live`` gives."""
    sample = random.Random(len(stored)).sample(sorted(stored), min(SAMPLE, len(stored)))
    if sample:
        now = np.stack([live.embed_queries([text])[0] for text in sample])  # one a call, as asked
        cosines = np.sum(now * np.stack([stored[text] for text in sample]), axis=1)
        if cosines.min() < AGREE:
            warnings.warn(
                f"stored question vectors differ from the embedder's (cosine {cosines.min():.4f})"
                ": all computed again; run scripts/question_vectors.py --all",
                stacklevel=2,
            )
            return {}
    return stored


@pytest.fixture(scope="session")
def set_engine(shipped: Settings, query_vectors: Vectors) -> SetEngine:
    """The shipped index for whole-set passes: answers and question vectors remembered."""
    found, embedder = open_readonly(shipped.index)
    return SetEngine(found, MemoEmbedder(embedder, query_vectors), shipped.index)
