"""From retrieved passages to an answer: extractive, cited, never invented.

The short answer is made of whole sentences copied from the passages, each followed by the
[n] of the passage it came from. Each passage gets an excerpt: the sentence that best
matches the question with its neighbours, not the whole (possibly 1,000-character) paragraph.
"""

from __future__ import annotations

from qabot.corpus import split_sentences
from qabot.types import Hit, Passage

EXCERPT_CHARS = 160
ANSWER_CHARS = 220
ELLIPSIS = "…"


def sentence_score(sentence: str, terms: list[str]) -> float:
    """How much of the question a sentence contains: matched terms weighted by length."""
    return float(sum(len(t) for t in set(terms) if t in sentence))


def best_sentence(text: str, terms: list[str]) -> tuple[int, list[str], float]:
    sentences = split_sentences(text) or [text]
    scores = [sentence_score(s, terms) for s in sentences]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    return best, sentences, scores[best]


def make_excerpt(text: str, terms: list[str], limit: int = EXCERPT_CHARS) -> str:
    """The best-matching sentence, widened with its neighbours up to ``limit`` characters."""
    best, sentences, _ = best_sentence(text, terms)
    start = end = best
    size = len(sentences[best])
    while True:
        grown = False
        for candidate in (end + 1, start - 1):
            if 0 <= candidate < len(sentences) and size + len(sentences[candidate]) <= limit:
                size += len(sentences[candidate])
                start, end = min(start, candidate), max(end, candidate)
                grown = True
        if not grown:
            break
    excerpt = "".join(sentences[start : end + 1])
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if len(excerpt) > limit or end < len(sentences) - 1 else ""
    return prefix + excerpt[:limit] + suffix


def compose(hits: list[Hit], terms: list[str], districts: list[str]) -> tuple[str, list[Passage]]:
    """The short extractive answer and the cited passages."""
    passages = [
        Passage(
            rank, hit.score, hit.chunk, make_excerpt(hit.chunk.text, terms), hit.dense, hit.lexical
        )
        for rank, hit in enumerate(hits, start=1)
    ]
    # One sentence from the best passage; for a comparison, one from each district's best.
    if len(districts) > 1:
        firsts = (next((p for p in passages if p.chunk.district == d), None) for d in districts)
        sources = [p for p in firsts if p is not None]
    else:
        sources = passages[:1]
    parts = []
    for passage in sources:
        index, sentences, _ = best_sentence(passage.chunk.text, terms)
        sentence = sentences[index]
        if len(sentence) > ANSWER_CHARS:
            sentence = sentence[:ANSWER_CHARS] + ELLIPSIS
        parts.append(f"{sentence}[{passage.rank}]")
    return "".join(parts), passages
