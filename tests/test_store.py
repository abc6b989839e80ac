"""The on-disk index with the real e5-small embedder and real FAISS: incremental builds,
atomic commits, and clear failures for missing, corrupt or mismatched indexes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import faiss
import numpy as np
import pytest

from qabot import indexer
from qabot.errors import IndexStateError
from qabot.settings import Settings
from qabot.store import faiss_build
from qabot.store.checkpoint import VectorCheckpoint, checkpoint_path
from qabot.store.faiss_store import HNSW_THRESHOLD, FaissStore, new_faiss_index

from conftest import small_corpus


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(
        docs=small_corpus(tmp_path / "docs"), index=tmp_path / "index", embedder="e5-small"
    )


def build_index(settings: Settings, progress: bool = False) -> indexer.BuildReport:
    return indexer.build(settings.docs, settings.index, settings.embedder, progress=progress)


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The small corpus built once for the module (the first build itself is checked in
    test_build_then_refresh_reembeds_only_what_changed)."""
    base = tmp_path_factory.mktemp("first-build")
    built = Settings(docs=small_corpus(base / "docs"), index=base / "index", embedder="e5-small")
    build_index(built)
    return built


@pytest.fixture()
def built(first_build: Settings, settings: Settings) -> Settings:
    """``settings`` with a copy of :func:`first_build`'s index: tests of what comes after a
    build start there instead of embedding the corpus again."""
    shutil.copytree(first_build.index, settings.index)
    return settings


def test_build_then_refresh_reembeds_only_what_changed(settings: Settings) -> None:
    first = build_index(settings, progress=False)
    assert first.chunks == first.embedded > 3 and first.reused == 0
    store = FaissStore.load(settings.index)
    assert store.manifest.embedder == "e5-small" and store.manifest.dim == 384
    assert store.manifest.index_type == "IndexFlatIP"
    assert store.dense.ntotal == len(store.chunks) == first.chunks

    unchanged = build_index(settings, progress=False)
    assert unchanged.embedded == 0 and unchanged.reused == first.chunks

    doc = settings.docs / "heping-2019-interview.txt"
    doc.write_text(
        doc.read_text(encoding="utf-8") + "\n和平区将新建社区食堂10个，方便老年人就餐。\n",
        encoding="utf-8",
    )
    changed = build_index(settings, progress=False)
    assert 1 <= changed.embedded <= 2 and changed.reused >= first.chunks - 1

    (settings.docs / "dongli-interview.txt").unlink()
    removed = build_index(settings, progress=False)
    assert removed.embedded == 0 and removed.removed > 0
    assert {c.district for c in FaissStore.load(settings.index).chunks} == {"和平区"}


def _generations(index: Path) -> set[str]:
    return {p.name.split("-", 1)[1].split(".")[0] for p in index.glob("chunks-*")}


def test_the_current_and_the_previous_generation_are_kept(built: Settings) -> None:
    """The previous generation survives one build (a reader may still be loading it)."""
    settings = built
    doc = settings.docs / "heping-2019-interview.txt"
    seen = [FaissStore.load(settings.index).manifest.generation]
    for extra in ("和平区将建设智慧公厕。", "和平区将新建口袋公园。"):
        doc.write_text(doc.read_text(encoding="utf-8") + f"\n{extra}\n", encoding="utf-8")
        build_index(settings, progress=False)
        seen.append(FaissStore.load(settings.index).manifest.generation)
    assert len(set(seen)) == 3
    assert _generations(settings.index) == set(seen[1:])
    manifest = json.loads((settings.index / "manifest.json").read_text(encoding="utf-8"))
    assert all((settings.index / name).exists() for name in manifest["files"].values())
    assert not any(p.name.startswith(".building-") for p in settings.index.iterdir())


def test_a_crash_before_the_commit_leaves_the_old_index_usable(
    built: Settings, monkeypatch
) -> None:
    settings = built
    before = FaissStore.load(settings.index)
    doc = settings.docs / "heping-2019-interview.txt"
    doc.write_text(doc.read_text(encoding="utf-8") + "\n和平区将建设智慧公厕。\n", encoding="utf-8")

    real_replace = os.replace

    def crash_on_manifest(src, dst):
        if str(dst).endswith("manifest.json"):
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(faiss_build.os, "replace", crash_on_manifest)
    with pytest.raises(IndexStateError, match=r"cannot write the index.*previous index"):
        build_index(settings, progress=False)
    monkeypatch.undo()
    after = FaissStore.load(settings.index)
    assert [c.id for c in after.chunks] == [c.id for c in before.chunks]
    assert not any(p.name.startswith(".building-") for p in settings.index.iterdir())
    assert _generations(settings.index) == {before.manifest.generation}


def test_a_build_killed_after_its_commit_leaves_nothing_behind(built: Settings) -> None:
    """Killed between the commit point and its clean-up, a build leaves its staging folder
    and its checkpoint; the next `qabot index` finds the index current and removes both."""
    manifest = FaissStore.load(built.index).manifest
    staging = built.index / f".building-{manifest.generation}"
    staging.mkdir()
    (staging / manifest.files["chunks"]).write_text("", encoding="utf-8")
    kept = checkpoint_path(built.index, manifest.embedder, manifest.embedder_version, manifest.dim)
    kept.write_bytes(b"")
    report = build_index(built)
    assert report.embedded == 0 and not staging.exists() and not kept.exists()
    assert FaissStore.load(built.index).manifest.generation == manifest.generation


def test_missing_corrupt_and_mismatched_indexes_say_how_to_fix(
    settings: Settings, first_build: Settings
) -> None:
    with pytest.raises(IndexStateError, match="qabot index"):
        FaissStore.load(settings.index)
    shutil.copytree(first_build.index, settings.index)
    store = FaissStore.load(settings.index)
    with pytest.raises(IndexStateError, match=r"built with embedder 'e5-small', not 'st:other'"):
        store.check_embedder("st:other")

    dense = settings.index / store.manifest.files["dense"]
    dense.write_bytes(b"not a faiss index")
    with pytest.raises(IndexStateError, match=r"corrupt.*qabot index"):
        FaissStore.load(settings.index)
    report = build_index(settings, progress=False)  # `qabot index` repairs it
    assert report.chunks == store.manifest.chunks
    FaissStore.load(settings.index)

    (settings.index / "manifest.json").write_text("{broken", encoding="utf-8")
    with pytest.raises(IndexStateError, match="corrupt"):
        FaissStore.load(settings.index)


def test_chunks_file_out_of_step_with_vectors_is_detected(built: Settings) -> None:
    settings = built
    store = FaissStore.load(settings.index)
    chunks_file = settings.index / store.manifest.files["chunks"]
    lines = chunks_file.read_text(encoding="utf-8").splitlines()
    chunks_file.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(IndexStateError, match="checksum mismatch"):
        FaissStore.load(settings.index)


def test_index_type_follows_corpus_size() -> None:
    assert isinstance(new_faiss_index(384, 1000), faiss.IndexFlatIP)
    hnsw = new_faiss_index(384, HNSW_THRESHOLD)
    assert isinstance(hnsw, faiss.IndexHNSWFlat)
    assert hnsw.metric_type == faiss.METRIC_INNER_PRODUCT


def test_a_checkpoint_keeps_intact_records_and_drops_torn_or_damaged_ones(tmp_path: Path) -> None:
    checkpoint = VectorCheckpoint(checkpoint_path(tmp_path, "e5-small", "1", 4), 4)
    keys = [f"{i:040x}" for i in range(3)]
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    checkpoint.append(keys, vectors)
    record = checkpoint.path.stat().st_size // 3
    data = bytearray(checkpoint.path.read_bytes())
    data[record + 25] ^= 0xFF  # damage the second record's vector
    checkpoint.path.write_bytes(bytes(data) + b"torn")  # and a torn write at the end
    loaded = checkpoint.load()
    assert sorted(loaded) == [keys[0], keys[2]]
    assert np.array_equal(loaded[keys[2]], vectors[2])
    assert checkpoint.path.stat().st_size == 3 * record  # the torn tail is cut off
    checkpoint.append([keys[1]], vectors[1:2])  # so the next record is aligned again
    assert np.array_equal(checkpoint.load()[keys[1]], vectors[1])
    other = checkpoint_path(tmp_path, "st:other", "1", 4)
    assert other != checkpoint.path  # another model never reads these vectors
