"""Who spoke of one thing, in a document that quotes its speakers in turn (东丽区's interview:
夏新 on 基层治理, then 谢元 on 科技创新, the environment and 城市化建设).

东丽区城市化建设是哪位领导介绍的 asks for the speaker whose turn speaks of 城市化建设. Every
passage carries its speaker (:mod:`qabot.attribution`), and a turn opens with the passage that
names them (谢元区长介绍:…). So the passage sharing most of the question's words gives the
speaker, and the answer is the first sentence of that speaker's turn with the name marked: the
passage about the thing itself names nobody, and the search ranked another turn's opening, the
only passage naming a person, first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qabot.textnorm import is_cjk
from qabot.types import Chunk

# 城市化建设是哪位领导介绍的, 介绍城市化建设的是哪位领导, 谈…的是谁 (not 说: 'X'是谁说的 asks who
# is quoted, often someone the speaker cites)
_ASKED = re.compile(
    r"(?:谁|哪一?位|哪个)(?:区?领导|人|官员)?(?:在|来|负责)?(?:介绍|谈|聊)(?:的|了)"
    r"|(?:介绍|谈|讲|聊)了?(?P<topic>[^？?。，,]{2,16}?)的(?:是|人是)?(?:谁|哪一?位|哪个)"
)
# words that name the document or the asking, not the thing spoken of
_NOT_TOPIC = re.compile(
    r"访谈|专访|采访|报告|文章|材料|这篇|那篇|这份|那份|里面?|部分|情况|方面|这块"
)
MIN_SHARED = 2  # two-character runs of the question a passage must hold to be its topic


def spoke_of(question: str, own: Sequence[Chunk], district: str) -> tuple[Chunk, str] | None:
    """The passage opening the turn of whoever ``own`` (one district's passages) quotes
    speaking of what ``question`` asks about, and their name as it opens it; ``None`` when the
    question does not ask who spoke of something, or no passage of a named speaker speaks
    of it."""
    asked = _ASKED.search(question)
    if asked is None:
        return None
    topic = asked.group("topic") or question[: asked.start()]
    for name in (district, district[:2]):
        topic = topic.replace(name, "")
    pairs = _pairs(_NOT_TOPIC.sub(" ", topic))
    spoken = [c for c in own if c.speaker and c.speaker != c.district]
    scored = [(sum(p in c.text for p in pairs), -i, c) for i, c in enumerate(spoken)]
    best = max(scored, default=None, key=lambda s: s[:2])
    if best is None or best[0] < MIN_SHARED:
        return None
    found = best[2]
    turn = [
        c
        for c in spoken
        if c.doc_id == found.doc_id
        and c.speaker == found.speaker
        and (c.paragraph, c.part) <= (found.paragraph, found.part)
        and c.text.startswith(c.speaker)
    ]
    opening = max(turn, key=lambda c: (c.paragraph, c.part), default=None)
    return (opening, opening.speaker) if opening else None


def _pairs(text: str) -> set[str]:
    """The two-character runs of Chinese in ``text``."""
    return {text[i : i + 2] for i in range(len(text) - 1) if all(map(is_cjk, text[i : i + 2]))}
