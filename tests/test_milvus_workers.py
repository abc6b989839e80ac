"""Embedding at scale (issue 11): ``--workers N`` processes give the vectors one process
gives, in order, with the real e5-small embedder."""

from __future__ import annotations

import numpy as np
import pytest

from qabot.embedders import E5SmallEmbedder
from qabot.errors import UsageError
from qabot.store.embed_pool import EmbedPool

from conftest import CliRun

TEXTS = [
    ["北辰区种植春小麦6550亩。"],
    ["东丽区推行小巷管家。", "和平区建设社区食堂。"],
    ["疫情防控"],
]


def test_two_workers_embed_like_one() -> None:
    embedder = E5SmallEmbedder()
    with EmbedPool(embedder, 1) as pool:
        serial = list(pool.map(TEXTS))
    with EmbedPool(embedder, 2) as pool:
        parallel = list(pool.map(TEXTS))
    assert [v.shape for v in parallel] == [(1, 384), (2, 384), (1, 384)]
    for a, b in zip(serial, parallel, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_bad_worker_count_is_a_usage_error(cli: CliRun) -> None:
    with pytest.raises(UsageError):
        EmbedPool(E5SmallEmbedder(), 0)
    result = cli("index", "--workers", "0")
    assert result.code == 2 and "--workers" in result.err
