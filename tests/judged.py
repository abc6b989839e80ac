"""A judged question without an engine behind it: what the held-out folds
(:mod:`qabot.evaluation.crossval`) read of an outcome, for the tests of the parts they refit."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qabot.evaluation.questions import Question
from qabot.types import Confidence


@dataclass
class JudgedStub:
    """An outcome whose line holds the evidence when its draft is "hit"."""

    question: Question
    draft: str = "答"
    confidence: Confidence = field(default_factory=Confidence)
    no_answer: bool = False
    error: str = ""
    relevance: list[bool] = field(default_factory=lambda: [True])
    span: str | None = None
    districts_returned: list[str] = field(default_factory=list)
    recognised: list[str] = field(default_factory=list)
    latency_ms: float = 1.0
    answer_type: str = "other"
    vector: np.ndarray | None = None

    @property
    def answer_hit(self) -> bool:
        return not self.no_answer and self.draft == "hit"

    @property
    def span_exact(self) -> bool:
        return False

    @property
    def rank(self) -> int | None:
        return 1

    @property
    def covered(self) -> bool:
        return True
