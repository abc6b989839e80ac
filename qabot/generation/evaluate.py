"""``qabot eval --llm``: how a model does on a question set once its sentences are checked.

Every question is asked as a user would (the engine's own refuse rule); answered ones go to
the model. Reported: how many generated sentences were dropped and why, how often the model's
answer was not used (and why), and ``answer_hit`` of the generated text next to that of the
extractive line — so users can compare models on their own endpoint.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from qabot.errors import QabotError
from qabot.evaluation.metrics import is_relevant, ratio
from qabot.evaluation.questions import Question
from qabot.generation.generator import Generator
from qabot.generation.verify import split_sentences

if TYPE_CHECKING:  # pragma: no cover
    from qabot.engine import Engine

_KIND = re.compile(r"no citation|cites|wrong language|stream cut|\w+ not in")


def reason_kind(reason: str) -> str:
    """``number not in [1]: 8000亩`` → ``number not in``: the reason without its details."""
    match = _KIND.match(reason)
    return match.group(0) if match else reason


def evaluate_generation(
    engine: Engine, questions: Sequence[Question], generator: Generator, k: int = 5
) -> dict[str, Any]:
    """The ``llm`` object of ``qabot eval --llm --json`` (docs/evaluation.md)."""
    statuses: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    kept = dropped = answerable = hit_generated = hit_extractive = 0
    for question in questions:
        try:
            answer = engine.ask(question.question, k=k, qid=question.id).to_dict()
        except QabotError:
            continue  # counted as an error by the retrieval metrics already
        result = generator.generate(answer)
        statuses[result.status] += 1
        kept += len(split_sentences(result.text or "", final=True)[0])
        dropped += len(result.dropped)
        reasons.update(reason_kind(d["reason"]) for d in result.dropped)
        if question.answerable:
            answerable += 1
            hit_generated += bool(result.text) and is_relevant(result.text or "", question.answers)
            hit_extractive += not answer["no_answer"] and is_relevant(
                answer["answer"], question.answers
            )
    return {
        "model": generator.config.model,
        "questions": sum(statuses.values()),
        "generated": statuses["ok"] + statuses["cut"],
        "status": dict(sorted(statuses.items())),
        "sentences": kept + dropped,
        "dropped": dropped,
        "dropped_share": ratio(dropped, kept + dropped),
        "dropped_by_reason": dict(reasons.most_common()),
        "answer_hit_generated": ratio(hit_generated, answerable),
        "answer_hit_extractive": ratio(hit_extractive, answerable),
    }


def render_generation(summary: dict[str, Any]) -> str:
    """The ``llm`` object as a few lines under the metrics table."""
    reasons = ", ".join(f"{k} {v}" for k, v in summary["dropped_by_reason"].items()) or "none"
    status = ", ".join(f"{k} {v}" for k, v in summary["status"].items())
    return "\n".join(
        [
            f"generated answers ({summary['model']}): {summary['generated']} of "
            f"{summary['questions']} questions ({status})",
            f"  sentences {summary['sentences']}, dropped {summary['dropped']} "
            f"({summary['dropped_share']}): {reasons}",
            f"  answer_hit generated {summary['answer_hit_generated']} · "
            f"extractive {summary['answer_hit_extractive']}",
        ]
    )
