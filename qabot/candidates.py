"""The sentences an answer line may be, and what choosing among them weighs.

Every sentence of the top :data:`CANDIDATE_DEPTH` passages that is not a heading is a
:class:`Candidate`: how much of the question's focus it holds (:func:`sentence_score`,
verbatim and through words near in meaning), a value of the expected type and how it is tied
to the focus (:mod:`qabot.values`), the time asked, the phrases quoted. :func:`features`
turns them into the numbers a :class:`~qabot.linerank.LineRanker` weighs (:data:`FEATURES`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from qabot.lexicon import lexicon
from qabot.query import Query
from qabot.sentences import Sentence
from qabot.textnorm import HAN, match_key, occurrences
from qabot.types import Passage
from qabot.values import VALUE_FINDERS, Near

CANDIDATE_DEPTH = 5  # passages whose sentences may be the answer line
RANK_DECAY = 0.3  # a sentence of the n-th passage counts (1 - RANK_DECAY * (n-1)) (comparison)
# a focus word's near word counts this share in choosing the answer sentence (chosen on held-out
# folds of the question set among 0, 0.25 … 1: docs/evaluation.md)
NEAR_SHARE = 0.25

_DEFINES = re.compile(r"是指|指的是|就是|即|称为|叫做|是一[种个项支]|是由")
# A question asking for several things (哪几方面的教育; which/what are: read as 哪些): the answer
# lists them
_LIST_ASKED = re.compile(r"哪几|哪些|哪[两二三四五六七八九十]|几个?方面|什么方面")
LIST_REACH = 20  # characters around a focus word an enumeration (、) must be within
ASKED_REACH = 6  # characters either side of a question word whose focus words it asks about
_CLAUSE_END = re.compile(r"[，,；;。：:！!？?]")
_HAN_CHAR = re.compile(f"[{HAN}]")
_NAME = re.compile(r"“([^”]{2,16})”|《([^》]{2,30})》")  # a quoted name or title
# 要构建啥样的产业体系, 过什么样的日子: the verb before the kind asked and the thing after it
_KIND = re.compile(
    rf"(?:[要想去能会将把得])?(?P<verb>[{HAN}]{{1,2}}?)(?:成|出|一个|一种|一条|个)?"
    r"(?:啥样|什么样|怎样|怎么样|哪种|何种|哪类|哪一种)的?(?:一个|一种|一条)?"
    rf"(?P<noun>[{HAN}]{{1,4}}?)(?=[？?。，,！!呢啊呀吗]|$)"
)
_UNMODIFIED = "的是在和与及"  # before the thing asked: no modifier of it

FEATURES = (
    "focus_of_best",  # its focus score over the best candidate's
    "focus_share",  # its focus score over the whole focus (near words at their share)
    "focus_verbatim",  # … counting only the focus words it writes
    "best",  # it holds the most focus
    "rank2",
    "rank3",
    "rank4",
    "rank5",
    "fused",  # its passage's fused retrieval score (0..1)
    "dense_gap",  # its passage's dense similarity minus the top passage's
    "bm25",  # its passage's BM25 score over the top one's
    "value_at_focus",  # typed question: a value of the type tied to the focus
    "value_elsewhere",  # … tied only to a word standing in for an unseen focus word
    "value",  # … a value of the type at all
    "timed",  # holds the time asked (今年, 2020年)
    "log_length",
    "opens_passage",
    "characters",  # share of the focus words' characters it holds
    "quotes",  # holds every phrase the question quotes
    "speaker",  # "who said": its passage's speaker answers
    "defines",  # definition question: it says what a term is (是指, 称为)
    "closeness",  # its cosine with the question (qabot.closeness) minus the closest one's
    "closeness_rank",  # 1 / its place among the candidates by that cosine (the closest: 1)
    "enumerates",  # a list is asked and it enumerates (、) beside a focus word
    "asked_about",  # its share of the focus words beside the question word (构建啥样的产业体系)
    "names",  # a what/which question, and it quotes a name the question does not (“金融和平”)
    # an English question's rendered words are a guess (hold up → 举, care → 照顾): its
    # closeness and focus weighed apart from a Chinese question's
    "english_closeness",  # an English question: closeness, as above
    "english_focus",  # … focus_share, as above
    # what kind of thing is asked (要打造一个啥样的政府): it writes the question's verb, then
    # a modifier, then the thing (努力打造人民满意政府): 1; a modifier and the thing only: 0.5
    "kind",
)


def read(text: str, query: Query) -> list[Sentence]:
    """The sentences of a passage, split and judged once per question."""
    return query.reading.sentences(text, query)


def sentence_score(
    sentence: str, weights: Mapping[str, float], near: Mapping[str, set[str]] | None = None
) -> float:
    """How much of the question's focus a sentence holds (IDF-weighted, longer words more);
    a focus word the sentence lacks counts :data:`NEAR_SHARE` through a word ``near`` it in
    meaning (空气好的日子 → 优良天数)."""
    score = 0.0
    for t, w in weights.items():
        if t in sentence:
            score += w * len(t)
        elif near:
            found = [len(n) for n in near.get(t, ()) if n in sentence]
            score += NEAR_SHARE * w * max(found, default=0)
    return score


def typed(query: Query) -> bool:
    """The question asks for a value (多少, 哪一年, 谁, 在哪里)."""
    return query.answer_type in VALUE_FINDERS


@dataclass
class Candidate:
    """A sentence that may be the answer line, with what the choice weighs
    (:mod:`qabot.linerank`)."""

    passage: Passage
    index: int  # sentence number in the passage
    offset: int
    sentence: str
    focus: float  # sentence_score: the question's focus it holds
    score: float  # … less for a lower-ranked passage (a comparison's line)
    value: tuple[int, int] | None = None
    near: Near = ""
    timed: bool = False  # holds a time the question asks about (今年, 2017年)
    speaker: str = ""  # person: the passage's speaker, when the sentence names nobody
    quotes: bool = False  # holds every phrase the question quotes
    defines: bool = False  # definition: says what a term is (是指, 称为)
    closeness: float = 0.0  # cosine with the question (qabot.closeness)


def candidates(
    passages: list[Passage], query: Query, depth: int = CANDIDATE_DEPTH
) -> list[Candidate]:
    """Every sentence of the first ``depth`` passages that is not a heading, with what
    choosing among them weighs (its value of the expected type read once, here)."""
    found = []
    for decay, passage in enumerate(passages[:depth]):
        for sentence in read(passage.chunk.text, query):
            if sentence.heading:
                continue
            text = sentence.text
            focus = sentence_score(text, query.weights, query.near)
            candidate = Candidate(
                passage,
                sentence.index,
                sentence.offset,
                text,
                focus,
                focus * (1.0 - RANK_DECAY * decay),
                timed=any(t in text for t in query.times),
                quotes=quotes(text, query),
                defines=query.answer_type == "definition" and bool(_DEFINES.search(text)),
                closeness=query.closeness.get(text, 0.0),
            )
            if typed(query):
                candidate.value, candidate.near = sentence.value
                if query.answer_type == "person" and candidate.near != "focus":
                    candidate.speaker = _speaker(passage, query)
            found.append(candidate)
    return found


def _speaker(passage: Passage, query: Query) -> str:
    """The passage's speaker, one of the index's people the question does not name: who said
    what a "who said…" question asks about."""
    name = passage.chunk.speaker
    return name if name in query.known_people and name not in query.people else ""


def quotes(text: str, query: Query) -> bool:
    """Whether ``text`` holds every phrase the question quotes (and it quotes one)."""
    return bool(query.quoted) and all(q in match_key(text) for q in query.quoted)


def features(candidates: Sequence[Candidate], query: Query) -> np.ndarray:
    """A row of :data:`FEATURES` per candidate sentence of one question."""
    total = sum(w * len(t) for t, w in query.weights.items()) or 1.0
    focus_chars = set(_HAN_CHAR.findall("".join(query.weights)))
    is_typed = typed(query)
    best = max((c.focus for c in candidates), default=0.0) or 1.0
    top_dense = max(c.passage.dense for c in candidates)
    top_bm25 = max(c.passage.lexical for c in candidates) or 1.0
    cosines = np.array([c.closeness for c in candidates])
    closest = cosines.max()
    closer = (cosines[None, :] > cosines[:, None]).sum(axis=1)  # candidates closer than each
    lists = bool(_LIST_ASKED.search(query.query))
    about = asked_about(query)
    names = query.answer_type == "other" and not lists
    about_total = sum(w * len(t) for t, w in about.items()) or 1.0
    english = float(query.language == "en")
    kind = kind_patterns(query)
    rows = []
    for c, ahead in zip(candidates, closer, strict=True):
        rank = c.passage.rank
        has_value = is_typed and c.value is not None
        rows.append(
            (
                c.focus / best,
                c.focus / total,
                sentence_score(c.sentence, query.weights) / total,
                float(c.focus == best),
                float(rank == 2),
                float(rank == 3),
                float(rank == 4),
                float(rank == 5),
                c.passage.score,
                c.passage.dense - top_dense,
                c.passage.lexical / top_bm25,
                float(is_typed and c.near == "focus"),
                float(is_typed and c.near not in ("", "focus")),
                float(has_value),
                float(c.timed),
                math.log(len(c.sentence) + 1),
                float(c.index == 0),
                len(focus_chars & set(c.sentence)) / (len(focus_chars) or 1),
                float(c.quotes),
                float(bool(c.speaker)),
                float(c.defines),
                c.closeness - closest,
                1 / (1 + ahead),
                float(lists and enumerates(c.sentence, query.weights)),
                sentence_score(c.sentence, about, query.near) / about_total,
                float(names and _names(c.sentence, query.quoted)),
                english * (c.closeness - closest),
                english * c.focus / total,
                writes_kind(c.sentence, kind),
            )
        )
    return np.array(rows, dtype=float)


Kind = tuple[re.Pattern[str], re.Pattern[str]]  # what kind_patterns finds


def kind_patterns(query: Query) -> Kind | None:
    """For a Chinese question asking what kind of thing (要打造一个啥样的政府): a sentence
    writing its verb (the first character), then a modifier, then the thing; and one writing a
    modifier before the thing. ``None`` for any other question."""
    asked = _KIND.search(query.query) if query.language != "en" else None
    if asked is None:
        return None
    modified = rf"[{HAN}](?<![{_UNMODIFIED}]){re.escape(asked.group('noun'))}"
    verb = re.escape(asked.group("verb")[:1])
    return re.compile(rf"{verb}[^，,。；;]{{0,12}}?{modified}"), re.compile(modified)


def writes_kind(sentence: str, patterns: Kind | None) -> float:
    """1 where ``sentence`` writes the verb, a modifier and the thing (:func:`kind_patterns`:
    打造人民满意政府 for 打造一个啥样的政府, 过紧日子); 0.5 where it writes a modifier before
    the thing only (法治政府); else 0."""
    if patterns is None:
        return 0.0
    with_verb, modified = patterns
    return 1.0 if with_verb.search(sentence) else 0.5 if modified.search(sentence) else 0.0


def _names(sentence: str, quoted: Sequence[str]) -> bool:
    """``sentence`` quotes a name none of the question's ``quoted`` phrases (match keys) is."""
    names = (match_key("".join(m.groups(""))) for m in _NAME.finditer(sentence))
    return any(not any(q in name for q in quoted) for name in names)


def asked_about(query: Query) -> dict[str, float]:
    """The focus words (and their weights) within :data:`ASKED_REACH` characters of a question
    word: 构建 and 产业, 体系 of 要构建啥样的产业体系, 激发 of 北辰要不断激发什么. The answer says
    its value with them; another sentence of the passage may hold more of the focus."""
    text = query.query
    asking = [m.span() for m in lexicon().asking.finditer(text)]

    def beside(start: int, stop: int) -> bool:
        return any(
            start < end + ASKED_REACH
            and stop > begin - ASKED_REACH
            and not _CLAUSE_END.search(text, min(stop, begin), max(start, end))
            for begin, end in asking
        )

    return {
        word: weight
        for word, weight in query.weights.items()
        if any(beside(*span) for span in occurrences(text, word))
    }


def enumerates(sentence: str, focus: Iterable[str]) -> bool:
    """``sentence`` enumerates (、) within :data:`LIST_REACH` characters of a focus word
    (不断强化理论武装、党性教育和道德教育 for 哪几方面的教育)."""
    for word in focus:
        at = sentence.find(word)
        if at >= 0 and "、" in sentence[max(0, at - LIST_REACH) : at + len(word) + LIST_REACH]:
            return True
    return False
