"""Who spoke of one thing, in a document that quotes its speakers in turn (东丽区's interview:
夏新 on 基层治理, then 谢元 on 科技创新, the environment and 城市化建设).

东丽区城市化建设是哪位领导介绍的 asks for the speaker whose turn speaks of 城市化建设. Every
passage carries its speaker (:mod:`qabot.attribution`), and a turn opens with the passage that
names them (谢元区长介绍:…). So the passage sharing most of the question's words gives the
speaker: it is ranked first and answered from as any passage, its speaker's name marked where
it opens the turn (谢元区长介绍:东丽区城市化建设起步较早…), else given as its label. The search
ranked another turn's opening first, a passage naming a person (夏新书记介绍:…).
"""

from __future__ import annotations

import re
from collections import Counter
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


def spoke_of(question: str, own: Sequence[Chunk], district: str) -> Chunk | None:
    """The passage of ``own`` (one district's) that speaks of what ``question`` asks who spoke
    of, among those a named speaker says; ``None`` when it does not ask who spoke of
    something, or no such passage holds two of its two-character runs."""
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
    return best[2] if best is not None and best[0] >= MIN_SHARED else None


def main_speaker(own: Sequence[Chunk]) -> str:
    """The speaker of most of the district's passages (the interviewee, the author)."""
    counts = Counter(c.speaker for c in own if c.speaker)
    return counts.most_common(1)[0][0] if counts else ""


def _pairs(text: str) -> set[str]:
    """The two-character runs of Chinese in ``text``."""
    return {text[i : i + 2] for i in range(len(text) - 1) if all(map(is_cjk, text[i : i + 2]))}
