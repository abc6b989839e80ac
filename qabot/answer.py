"""From retrieved passages to an answer that answers: extractive, typed, cited, never invented.

The answer line is made of sentences copied from the passages, each followed by the [n] of
its passage, chosen for the kind of answer the question expects (:mod:`qabot.question`):

* quantity/date/person/place — the sentence that holds the focus *and* a value of that type;
  the value nearest the focus is marked (:class:`~qabot.types.AnswerSpan`, values found by
  :mod:`qabot.values`); "who said…" is answered by the passage's speaker;
* measures — the measures themselves, the sentences after a heading or ``一是…`` lead, as a
  list of up to five items; never the heading that restates the question;
* reason — two or three adjacent sentences (cause and action);
* definition — the sentence that says what the term is;
* comparison — one line per district, 「文档未提及」 where a district has nothing;
* yes/no and others — the evidence sentence.

The sentence is chosen among those of the top passages by a ranker learned from the question
set (:mod:`qabot.linerank`): it weighs the focus a sentence holds, its passage's rank, a value
of the expected type near the focus, the time asked. A bare section heading is never the
answer line. Each passage also gets an excerpt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from qabot.candidates import (
    RANK_DECAY,
    Candidate,
    candidates,
    features,
    quotes,
    read,
    sentence_score,
    typed,
)
from qabot.contrast import contrasted
from qabot.lexical import pos_tags
from qabot.linerank import LINE_RANKER, LineRanker
from qabot.partial import one_year
from qabot.query import Query
from qabot.sentences import NUMBERED_LEAD, sentence_spans
from qabot.types import AnswerLine, AnswerSpan, Hit, Measure, Passage
from qabot.values import (
    VALUE_FINDERS,
    clause_end,
    has_quantity,
    names_organisation,
    organisation_asked,
)

EXCERPT_CHARS = 160
ANSWER_CHARS = 220
ELLIPSIS = "…"
MAX_MEASURES = 5
SOURCE_DEPTH = 3  # passages a measures heading or a comparison's line may come from
HEADING_SHARE = 0.5  # a heading leads a measures list if it holds this share of the focus
NOT_MENTIONED = "文档未提及"

_ASKS_DISTRICT = re.compile(r"哪个?[区县]|哪一个?[区县]")
_SENTENCE_END = re.compile(r"[。！？!?]")
_SUBJECT = 12  # characters of a clause its first word is read from
_NAME_TAGS = ("nt", "nr", "ns")  # jieba's tags of an organisation's, a person's, a place's name


@dataclass
class Composed:
    """The answer lines and what they were made from."""

    lines: list[AnswerLine]
    passages: list[Passage]
    source: Passage | None = None  # the passage the (first) answer sentence comes from
    measures: list[Measure] = field(default_factory=list)
    type_ok: bool = True  # a value of the expected type sits near the focus
    # … only near a word standing in for an unseen focus word, or in the sentence closest in
    # meaning to the question (学位1710个 for 上学的名额)
    type_by_meaning: bool = False

    @property
    def span(self) -> AnswerSpan | None:
        """The value the answer marks (a single typed line's)."""
        return next((line.span for line in self.lines if line.span), None)

    @property
    def text(self) -> str:
        """The answer as one string: a line each, each with its ``[n]``."""
        return "\n".join(line.render() for line in self.lines)

    @property
    def said(self) -> str:
        """What the lines say, without citations (a notice quotes it)."""
        return "".join(line.text for line in self.lines)


def make_excerpt(
    text: str,
    weights: Mapping[str, float],
    limit: int = EXCERPT_CHARS,
    sentences: Sequence[str] | None = None,
) -> str:
    """The best-matching sentence, widened with its neighbours up to ``limit`` characters
    (``sentences``: those of ``text``, when already split)."""
    if sentences is None:
        sentences = [s for _, s in sentence_spans(text)]
    sentences = list(sentences) or [text]
    scores = [sentence_score(s, weights) for s in sentences]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
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


def _excerpt(hit: Hit, query: Query) -> str:
    text = hit.chunk.text
    return make_excerpt(text, query.weights, sentences=[s.text for s in read(text, query)])


def _clip(sentence: str, anchor: int = 0) -> str:
    """A long sentence cut to the clauses around ``anchor``, with … where words are left out."""
    if len(sentence) <= ANSWER_CHARS:
        return sentence
    start = max(0, anchor - ANSWER_CHARS // 2)
    comma = sentence.rfind("，", 0, start + 1)
    start = comma + 1 if comma >= 0 and anchor - comma < ANSWER_CHARS - 20 else start
    end = start + ANSWER_CHARS
    prefix = ELLIPSIS if start > 0 else ""
    return prefix + sentence[start:end] + (ELLIPSIS if end < len(sentence) else "")


def _attributed(best: Candidate) -> AnswerLine:
    """The sentence led by the words that name its speaker (冯卫华:…), the name marked; a
    passage that does not write the name gets it as a label (冯卫华：…), unmarked."""
    text, name, rank = best.passage.chunk.text, best.speaker, best.passage.rank
    body = _clip(best.sentence)
    start = text.find(name)
    if start < 0:
        return AnswerLine(f"{name}：{body}", rank)
    end = start + len(name)
    if start < best.offset:
        stops = (i for i in (text.find(c, end) for c in ":：，,。") if i >= 0)
        body = text[start : min(stops, default=end) + 1] + ELLIPSIS + body.removeprefix(ELLIPSIS)
    return AnswerLine(body, rank, AnswerSpan(rank, start, end, name))


def _pool(candidates: list[Candidate], query: Query) -> list[Candidate]:
    """The candidates the answer is chosen among. For a question after a part of a figure
    (各占多少, 今年的) those with a value of the type near the focus, when there are any: the
    figure the documents do give is what the refusal's notice quotes. For one year's figure
    (2020年投了多少), of those, the ones that are not cumulative (今年继续投入…, not
    三年来累计投入…). Other typed questions keep their candidates without a value: the ranker
    weighs the value, and a line without one is refused by the type check (held out, that
    filter for every typed question answered more unanswerable ones: docs/evaluation.md)."""
    pool = candidates
    if query.part and typed(query):
        pool = [c for c in pool if c.near == "focus"] or [c for c in pool if c.near] or pool
    if query.part == "year":
        pool = [c for c in pool if one_year(c.sentence, query.query)] or pool
    return pool


def _best(candidates: list[Candidate], query: Query, ranker: LineRanker) -> Candidate:
    """The answer sentence, chosen by ``ranker`` among the pool's candidates."""
    pool = _pool(candidates, query)
    return pool[ranker.choose(features(pool, query))]


def line_choices(hits: list[Hit], query: Query) -> tuple[list[str], np.ndarray]:
    """The sentences the answer line is chosen among, and their features: what a
    :class:`~qabot.linerank.LineRanker` is fitted on (``qabot eval --folds``)."""
    passages = [Passage(r, h.score, h.chunk, "", h.dense, h.lexical) for r, h in enumerate(hits, 1)]
    pool = _pool(candidates(passages, query), query)
    return [c.sentence for c in pool], features(pool, query) if pool else np.empty((0, 0))


def _heading_lead(passages: list[Passage], query: Query) -> Candidate | None:
    """The section heading that names the question's topic (四是持续优化营商环境。): the
    measures asked for are the sentences after it. ``None`` when no heading holds
    :data:`HEADING_SHARE` of the focus."""
    total = sum(w * len(t) for t, w in query.weights.items())
    best, best_share = None, HEADING_SHARE
    for decay, passage in enumerate(passages[:SOURCE_DEPTH]):
        sentences = read(passage.chunk.text, query)
        for sentence, after in pairwise(sentences):
            if not sentence.heading or after.section:
                continue
            share = sentence_score(sentence.text, query.weights) / total if total else 0.0
            if share * (1.0 - RANK_DECAY * decay) >= best_share:
                best_share = share * (1.0 - RANK_DECAY * decay)
                best = Candidate(
                    passage, sentence.index, sentence.offset, sentence.text, share, share
                )
    return best


def _measures(source: Candidate, query: Query) -> list[Measure]:
    """The sentences from the lead on (a heading skipped), up to the next section."""
    # The lead (best sentence) may be preceded by its own heading; start at the lead.
    items: list[Measure] = []
    for sentence in read(source.passage.chunk.text, query)[source.index :]:
        if sentence.heading:
            if items:
                break
            continue
        items.append(Measure(text=sentence.text, passage=source.passage.rank))
        if len(items) >= MAX_MEASURES:
            break
    return items


def _adjacent(source: Candidate, query: Query, count: int = 3) -> str:
    """The best sentence and the ones after it (before it, at a paragraph's end)."""
    sentences = read(source.passage.chunk.text, query)
    start = min(source.index, max(0, len(sentences) - count))
    chosen = [s.text for s in sentences[start : start + count] if not s.section]
    while len(chosen) > 1 and sum(map(len, chosen)) > ANSWER_CHARS * 1.5:
        chosen.pop()
    return "".join(chosen)


def typed_first(hits: list[Hit], query: Query) -> list[Hit]:
    """For a question that asks for a value (多少, 哪一年, 谁), the first of the top
    :data:`SOURCE_DEPTH` passages that holds a value of the type near the focus goes first
    when the best-ranked passage holds none: a passage on the topic without the figure does
    not answer 多少. Not for 哪个区: the passage's district is the answer, nor over a passage
    holding every phrase the question quotes."""
    if query.answer_type not in VALUE_FINDERS or _ASKS_DISTRICT.search(query.query):
        return hits

    def holds_value(hit: Hit) -> bool:
        return any(sentence.value[1] for sentence in read(hit.chunk.text, query))

    head = hits[:SOURCE_DEPTH]
    if not head or holds_value(head[0]) or quotes(head[0].chunk.text, query):
        return hits
    first = next((h for h in head[1:] if holds_value(h)), None)
    return hits if first is None else [first, *(h for h in hits if h is not first)]


def merge_pieces(passages: list[Passage]) -> None:
    """Mark each overlapping piece of a paragraph that a better-ranked piece of the same
    paragraph stands for (the chunker repeats a sentence between the pieces of a long
    paragraph): front ends show a paragraph once, its citations under one number."""
    first: dict[tuple[str, int], int] = {}
    for passage in passages:
        where = (passage.chunk.doc_id, passage.chunk.paragraph)
        passage.merged_into = first.setdefault(where, passage.rank)
        if passage.merged_into == passage.rank:
            passage.merged_into = 0


def compose(hits: list[Hit], query: Query, ranker: LineRanker = LINE_RANKER) -> Composed:
    """The typed extractive answer and the cited passages (see the module docstring);
    ``ranker`` chooses the answer sentence."""
    passages = [
        Passage(rank, h.score, h.chunk, _excerpt(h, query), h.dense, h.lexical)
        for rank, h in enumerate(hits, start=1)
    ]
    merge_pieces(passages)
    if query.comparison:
        return _comparison(passages, query)
    found = candidates(passages, query)
    if not found:
        return Composed([], passages)
    is_typed = typed(query)
    best = _best(found, query, ranker)
    if query.answer_type == "measures":
        best = _heading_lead(passages, query) or best
    type_ok = best.near == "focus" or bool(best.speaker) or not is_typed
    # “梦天津”项目投资多少, 中科院电工所有多少研发人员: a value from a sentence that does not
    # write what the question quotes, or a name it writes that the passage writes elsewhere, is
    # another's (清华…研究院…400人), by focus or by meaning. 哪个区在推进“通宝唐”: the
    # passage's district answers (no value to find), from a sentence that writes them.
    text = best.passage.chunk.text
    # the name before the value's clause ends: 在完成…厂房18万平方米建设的基础上,启动毕节广州
    # 产业园建设 gives no area of the 产业园 it names after
    asks_district = bool(_ASKS_DISTRICT.search(query.query))
    upto = clause_end(best.sentence, best.value) if best.value and not asks_district else None
    # a phrase quoted is written by the sentence or by its passage's context: the interviewer's
    # question it answers (推进“美丽和平”建设? — 我们将着重做好三方面工作), the section it is under
    said = quotes(best.sentence, query) or quotes(best.passage.chunk.context, query)
    written_by = best.sentence[:upto]
    missing = [n for n in query.names if len(n) > 1 and n in text and n not in written_by]
    # … a name it lacks, by the clauses before it in its sentence (特别是加快京津中关村科技城开发
    # 建设,…；用足用好中关村新政,…新落地北京方向项目20个以上: the 科技城's figure)
    opening = _opening(text, best.sentence) if missing else ""
    written = (not query.quoted or said) and all(n in opening for n in missing)
    # 冬小麦 asked, 种植春小麦6550亩 found: the sentence writes another crop in its place
    other = contrasted(best.sentence, query.query, query.weights)
    written = written and not other
    if is_typed:
        type_ok = written if asks_district else type_ok and written
    else:
        type_ok = type_ok and not other
    # 扶贫云系统是哪家公司开发的: a sentence that names no company does not say which
    if ends := organisation_asked(query.query):
        type_ok = type_ok and names_organisation(best.sentence, ends, query.query)
    # a value tied to no focus word still answers by meaning from the sentence closest to the
    # question of those holding one (held out: paraphrases refused 0.106 -> 0.096 -> 0.061,
    # docs/evaluation.md)
    closest = best.closeness >= max((c.closeness for c in found if c.value), default=1.0)
    by_meaning = (
        is_typed
        and not type_ok
        and written
        and (best.near == "meaning" or (best.value is not None and closest))
    )
    composed = Composed(
        [], passages, source=best.passage, type_ok=type_ok, type_by_meaning=by_meaning
    )
    rank = best.passage.rank
    if query.answer_type == "measures":
        composed.measures = _measures(best, query)
        composed.lines = [AnswerLine(m.text, rank) for m in composed.measures]
    elif query.answer_type == "reason":
        composed.lines = [AnswerLine(_adjacent(best, query), rank)]
    elif is_typed and best.value is None and best.speaker:
        composed.lines = [_attributed(best)]
    elif is_typed and best.value is not None:
        start, end = best.value
        span = AnswerSpan(rank, best.offset + start, best.offset + end, best.sentence[start:end])
        composed.lines = [AnswerLine(_clip(best.sentence, start), rank, span)]
    else:  # a short sentence says more with the next one
        short = len(best.sentence) < 20
        text = _adjacent(best, query, 2) if short else _clip(best.sentence)
        lead = _section_lead(best, query)
        if lead.removesuffix(ELLIPSIS) not in text:
            text = lead + text
        composed.lines = [AnswerLine(text, rank)]
    return composed


def _section_lead(source: Candidate, query: Query) -> str:
    """The numbered lead of the section ``source`` is in (一是优先发展教育事业。), when its
    passage writes one before it; … when sentences lie between. The lead says what the
    section is about, which a question in other words often asks (和平区搞民生，教育排在什么
    位置), and the sentences after it, the measures, do not."""
    for before in reversed(read(source.passage.chunk.text, query)[: source.index]):
        if before.heading:
            if not NUMBERED_LEAD.match(before.text):
                return ""
            return before.text + (ELLIPSIS if before.index + 1 < source.index else "")
    return ""


def _comparison(passages: list[Passage], query: Query) -> Composed:
    """One line per district named: its best sentence, or 「文档未提及」."""
    lines = []
    source = None
    for district in query.lines_for:
        own = [p for p in passages if p.chunk.district == district]
        # The district's best-ranked passage, unless it holds none of the focus.
        picks = candidates(own[:1], query)
        if not any(c.score for c in picks):
            picks = candidates(own, query, SOURCE_DEPTH)
        if query.wants_quantity:  # 各是多少: a line without a number answers nothing
            picks = [c for c in picks if has_quantity(c.sentence, query)]
        pick = max(picks, key=lambda c: (c.score, -c.passage.rank), default=None)
        if pick is None or (query.weights and pick.score == 0):
            lines.append(AnswerLine(NOT_MENTIONED, 0, district=district))
            continue
        source = source or pick.passage
        lines.append(AnswerLine(_clip(pick.sentence), pick.passage.rank, district=district))
    # Nothing on any district is no answer at all.
    return Composed(lines, passages, source=source, type_ok=source is not None)


def _opening(text: str, sentence: str) -> str:
    """The clauses of ``text``'s sentence before ``sentence``, one of its parts after a
    semicolon that goes on with what they speak of: empty when ``sentence`` opens its
    sentence, is not found, or opens with a name of its own (…；清华大学…研究院为…)."""
    at = text.find(sentence)
    if at <= 0 or pos_tags(sentence[:_SUBJECT])[0][1] in _NAME_TAGS:
        return ""
    head = text[:at]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    return head[ends[-1] if ends else 0 :] if head.rstrip().endswith((";", "；")) else ""
