"""Lexical retrieval: jieba tokens, scored with BM25 (``bm25s``).

Dense retrieval misses exact figures and rare names (6550亩, 小巷管家); BM25 over jieba tokens
finds them. jieba gets a user dictionary of district, place and policy terms
(``qabot/data/userdict.txt`` plus the districts the index knows), so 京津冀协同发展 or 小巷管家
stay whole words; search-mode segmentation adds their parts as well.
"""

from __future__ import annotations

import copy
import hashlib
import io
import logging
import marshal
import math
import re
import threading
from collections.abc import Iterable, Sequence
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path

import bm25s
import numpy as np

from qabot.jiebastart import jieba, posseg
from qabot.textnorm import HAN, fold_width, to_simplified
from qabot.usercache import cache_dir

jieba.setLogLevel(logging.WARNING)
# bm25s sets its own logger to DEBUG, which would print through any root handler.
logging.getLogger("bm25s").setLevel(logging.WARNING)


def _data(name: str) -> str:
    return resources.files("qabot").joinpath(f"data/{name}").read_text(encoding="utf-8")


# Function words and question words (qabot/data/stopwords.txt): they say how something is
# asked, not what about.
STOPWORDS = frozenset(
    line.strip() for line in _data("stopwords.txt").splitlines() if line.strip() and line[0] != "#"
)
_WORD = re.compile(rf"[{HAN}]|[a-z0-9]")


def tokenizer_signature() -> str:
    """Changes whenever tokenisation would: part of the corpus fingerprint, so an index built
    with other stopwords or another user dictionary counts as stale and is rebuilt."""
    material = "\n".join([jieba.__version__, " ".join(sorted(STOPWORDS)), _data("userdict.txt")])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]


@lru_cache(maxsize=1)
def _base_jieba() -> jieba.Tokenizer:
    """jieba's dictionary with qabot's user dictionary, loaded once per process."""
    tokenizer = jieba.Tokenizer()
    tokenizer.tmp_dir = cache_dir()
    _read_cache(tokenizer)
    tokenizer.load_userdict(io.StringIO(_data("userdict.txt")))
    return tokenizer


def frequency(word: str) -> int:
    """How often ``word`` occurs in general Chinese (jieba's dictionary count; 0: not in it)."""
    return int(_base_jieba().FREQ.get(word, 0))


def _read_cache(tokenizer: jieba.Tokenizer) -> None:
    """jieba reads its prefix-dictionary cache with ``marshal.load`` on the open file, 0.7 s
    of every cold start; the same bytes read at once load in 0.2 s. Without a readable cache
    (the first run), jieba's own ``initialize`` builds and writes it, as before."""
    if tokenizer.tmp_dir is None or tokenizer.dictionary != jieba.DEFAULT_DICT:
        return  # jieba's own place for it; another dictionary's cache is named by its path
    try:
        cached = (Path(tokenizer.tmp_dir) / "jieba.cache").read_bytes()
        tokenizer.FREQ, tokenizer.total = marshal.loads(cached)
    except (OSError, EOFError, ValueError, TypeError):
        return
    tokenizer.initialized = True


@lru_cache(maxsize=4096)
def pos_tags(text: str) -> tuple[tuple[str, str], ...]:
    """(word, part-of-speech tag) pairs by jieba.posseg, with qabot's user dictionary. The
    texts are the documents' sentences, read again for each question that finds them (their
    HMM was a tenth of a question's time): each is tagged once."""
    return tuple((pair.word, pair.flag) for pair in _extended_tagger(()).lcut(text))


@lru_cache(maxsize=8)
def _extended(extra: tuple[str, ...]) -> jieba.Tokenizer:
    """The base dictionary plus ``extra`` words (the index's district names), shared by every
    tokenizer with the same words: loading the dictionary takes a second, copying it 30 ms —
    once per index, not once per engine (a reload, a test)."""
    base = _base_jieba()
    if not extra:
        return base
    tokenizer = copy.copy(base)
    tokenizer.FREQ = dict(base.FREQ)
    tokenizer.user_word_tag_tab = dict(base.user_word_tag_tab)
    tokenizer.lock = threading.RLock()
    for word in extra:
        tokenizer.add_word(word, freq=50)
    return tokenizer


@lru_cache(maxsize=8)
def _extended_tagger(extra: tuple[str, ...]) -> posseg.POSTokenizer:
    """A tagger on :func:`_extended`'s dictionary, shared like it (the tagger moves the
    dictionary's user-word tags into its own table once: one tagger per dictionary). Its
    word-tag table starts as a copy of the default tagger's (:mod:`qabot.jiebastart`): reading
    the dictionary again cost a second of every cold start."""
    tagger = posseg.POSTokenizer.__new__(posseg.POSTokenizer)
    tagger.tokenizer = _extended(extra)
    tagger.word_tag_tab = dict(posseg.dt.word_tag_tab)
    return tagger


class Tokenizer:
    """jieba search-mode segmentation with qabot's user dictionary; stopwords dropped."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        self._extra = tuple(extra_words)

    @cached_property
    def _jieba(self) -> jieba.Tokenizer:
        return _extended(self._extra)

    @cached_property
    def tagger(self) -> posseg.POSTokenizer:
        """Part-of-speech tagging with the same dictionary (its word-tag table read once)."""
        return _extended_tagger(self._extra)

    def segment(self, text: str, new_words: bool = True) -> list[str]:
        """``text`` cut into words (accurate mode, every character kept, nothing dropped);
        ``new_words=False``: a run no dictionary word covers stays single characters (jieba's
        HMM off)."""
        words: list[str] = self._jieba.lcut(text, HMM=new_words)
        return words

    def tokenize(self, text: str) -> list[str]:
        text = fold_width(to_simplified(text)).lower()
        return [
            token
            for token in (t.strip() for t in self._jieba.lcut_for_search(text))
            if token and token not in STOPWORDS and _WORD.search(token)
        ]


class LexicalIndex:
    """BM25 over tokenised chunks; scores for every chunk so fusion can filter freely."""

    def __init__(self, bm25: bm25s.BM25, size: int) -> None:
        self._bm25 = bm25
        self.size = size

    @classmethod
    def build(cls, token_lists: Sequence[list[str]]) -> LexicalIndex:
        bm25 = bm25s.BM25()
        bm25.index([tokens or [""] for tokens in token_lists], show_progress=False)
        return cls(bm25, len(token_lists))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self._bm25.vocab_dict]
        if not known or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def knows(self, token: str) -> bool:
        """True when some chunk uses ``token``."""
        return token in self._bm25.vocab_dict

    def idf(self, token: str) -> float:
        """BM25 inverse document frequency; a token the corpus never uses gets the maximum."""
        position = self._bm25.vocab_dict.get(token)
        indptr = self._bm25.scores["indptr"]
        df = 0 if position is None else int(indptr[position + 1] - indptr[position])
        return math.log((self.size - df + 0.5) / (df + 0.5) + 1.0)

    def save(self, directory: Path) -> None:
        self._bm25.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        bm25 = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        return cls(bm25, size)
