"""Adding and removing documents through the HTTP API while questions go on, and the
uploads that must be refused without changing anything. The index is real (FAISS + BM25
files, built by :func:`qabot.indexer.build`), its embedder the fast fake one."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qabot import live as live_module
from qabot.engine import Engine
from qabot.feedback import FeedbackStore
from qabot.indexer import build
from qabot.live import LiveEngine
from qabot.store.faiss_store import FaissStore
from qabot.telegram import BotConfig
from qabot.uploads import DocumentAdmin
from qabot.watch import watch
from qabot.web import WebSettings, create_app

from conftest import DOCS, FakeEmbedder, small_corpus
from docgen import write_docx, write_pdf
from fake_bot_api import BotThread, FakeBotAPI, document_update, message_update

KEY = "admin-secret"
ADMIN = {"Authorization": f"Bearer {KEY}"}
NEW_FACT = "北辰区今年将新建口袋公园二十七个，每个公园配建健身步道。"


@dataclass
class Site:
    docs: Path
    index: Path
    live: LiveEngine
    client: TestClient

    def files(self) -> list[str]:
        return sorted(p.name for p in self.docs.iterdir())


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setenv("QABOT_ADMIN_KEY", KEY)
    # a build by another process is seen at the next question 50 ms on, not 0.5 s: the same
    # look at the manifest, sooner, so the tests that wait for it wait less
    monkeypatch.setattr(live_module, "CHECK_EVERY", 0.05)
    docs, index = small_corpus(tmp_path / "docs"), tmp_path / "index"
    build(docs, index, FakeEmbedder(), progress=False)
    live = LiveEngine(Engine(FaissStore.load(index), FakeEmbedder()), index)
    admin = DocumentAdmin(docs, index, live, max_bytes=2_000_000)
    app = create_app(live, WebSettings(), FeedbackStore(tmp_path / "fb.sqlite3"), admin=admin)
    with TestClient(app) as client:
        yield Site(docs, index, live, client)


def _new_document(folder: Path) -> Path:
    source = folder / "beichen-parks.txt"
    source.write_text(f"北辰区口袋公园建设\n{NEW_FACT}\n", encoding="utf-8")
    return write_docx(source, folder / "beichen-parks.docx")


def _top_doc(client: TestClient, question: str) -> str:
    answer = client.post("/api/ask", json={"question": question})
    assert answer.status_code == 200, answer.text
    return answer.json()["passages"][0]["doc_id"]


def test_upload_is_answered_from_while_questions_go_on(site: Site, tmp_path: Path) -> None:
    errors: list[str] = []
    stop = threading.Event()

    def ask_in_a_loop() -> None:
        while not stop.is_set():
            reply = site.client.post("/api/ask", json={"question": "东丽区怎么治理污染？"})
            if reply.status_code != 200:
                errors.append(reply.text)

    asker = threading.Thread(target=ask_in_a_loop)
    asker.start()
    try:
        before = site.live.generation
        docx = _new_document(tmp_path)
        with docx.open("rb") as handle:
            added = site.client.post("/api/documents", headers=ADMIN, files={"file": handle})
        assert added.status_code == 201, added.text
        document = added.json()["document"]
        assert added.json()["action"] == "added"
        assert (document["source"], document["district"], document["chunks"]) == (
            "beichen-parks.docx",
            "北辰区",
            1,
        )
        assert site.live.generation != before
        assert _top_doc(site.client, "北辰区要建多少个口袋公园？") == document["doc_id"]

        removed = site.client.delete(f"/api/documents/{document['doc_id']}", headers=ADMIN)
        assert removed.status_code == 200, removed.text
        listed = site.client.get("/api/documents").json()
        assert document["doc_id"] not in {d["doc_id"] for d in listed}
        assert "beichen-parks.docx" not in site.files()
    finally:
        stop.set()
        asker.join(timeout=60)
    assert errors == []


def _encrypted_pdf(folder: Path) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(
        clone_from=write_pdf(DOCS / "heping-2019-interview.txt", folder / "p.pdf")
    )
    writer.encrypt("secret")
    writer.write(folder / "locked.pdf")
    return (folder / "locked.pdf").read_bytes()


def _empty_docx(folder: Path) -> bytes:
    import docx

    docx.Document().save(str(folder / "empty.docx"))
    return (folder / "empty.docx").read_bytes()


BAD_UPLOADS = {
    "wrong key": (
        "a.txt",
        lambda _: "北辰区。".encode(),
        {"Authorization": "Bearer nope"},
        401,
        "unauthorized",
    ),
    "too large": (
        "big.pdf",
        lambda _: b"%PDF-1.4\n" + b"0" * 3_000_000,
        ADMIN,
        413,
        "request_too_large",
    ),
    "program named .pdf": (
        "report.pdf",
        lambda _: b"MZ\x90\x00" * 100,
        ADMIN,
        422,
        "unreadable_document",
    ),
    "path traversal": (
        "../../x.pdf",
        lambda f: write_pdf(DOCS / "heping-2019-interview.txt", f / "x.pdf").read_bytes(),
        ADMIN,
        400,
        "bad_filename",
    ),
    "encrypted PDF": ("locked.pdf", _encrypted_pdf, ADMIN, 422, "unreadable_document"),
    "empty DOCX": ("empty.docx", _empty_docx, ADMIN, 422, "unreadable_document"),
    "existing name": (
        "dongli-interview.txt",
        lambda _: "东丽区新建公园。".encode(),
        ADMIN,
        409,
        "document_exists",
    ),
}


@pytest.mark.parametrize("case", BAD_UPLOADS)
def test_a_bad_upload_is_refused_and_changes_nothing(site: Site, tmp_path: Path, case: str) -> None:
    name, make, headers, status, reason = BAD_UPLOADS[case]
    files, generation = site.files(), site.live.generation
    reply = site.client.post(
        "/api/documents",
        headers=headers,
        files={"file": (name, make(tmp_path), "application/octet-stream")},
    )
    assert (reply.status_code, reply.json()["reason"]) == (status, reason), reply.text
    assert (site.files(), site.live.generation) == (files, generation)


def test_uploads_are_off_without_an_admin_key(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QABOT_ADMIN_KEY")
    reply = site.client.delete("/api/documents/dongli-interview", headers=ADMIN)
    assert (reply.status_code, reply.json()["reason"]) == (403, "uploads_disabled")


def _wait_for_new_generation(live: LiveEngine, old: str) -> None:
    """Ask for the engine (as each question does) until the background load swapped it."""
    deadline = time.monotonic() + 20
    while live.current().store.manifest.generation == old:
        assert time.monotonic() < deadline, "the new generation was not picked up"
        time.sleep(live_module.CHECK_EVERY / 2)


def test_a_build_by_another_process_is_picked_up_between_questions(site: Site) -> None:
    before = site.live.generation
    (site.docs / "more.txt").write_text(f"{NEW_FACT}\n", encoding="utf-8")
    build(site.docs, site.index, FakeEmbedder(), progress=False)  # as `qabot index` would
    _wait_for_new_generation(site.live, before)
    assert _top_doc(site.client, "北辰区要建多少个口袋公园？") == "more"


def test_the_telegram_bot_switches_to_a_new_generation(
    site: Site, api: FakeBotAPI, config: BotConfig
) -> None:
    """A build by another process is answered from by the running bot, no restart."""
    before_generation = site.live.generation
    with BotThread(site.live.current(), config, live=site.live):
        api.push(message_update("北辰区要建多少个口袋公园？"))
        [before] = api.wait_sent(1001, 1)
        (site.docs / "beichen-parks.txt").write_text(f"{NEW_FACT}\n", encoding="utf-8")
        build(site.docs, site.index, FakeEmbedder(), progress=False)  # `qabot index` elsewhere
        _wait_for_new_generation(site.live, before_generation)
        api.push(message_update("北辰区要建多少个口袋公园？"))
        [_, after] = api.wait_sent(1001, 2)
    assert "口袋公园二十七个" not in before["text"]
    assert "口袋公园二十七个" in after["text"]


def test_a_telegram_administrator_adds_lists_and_removes_a_document(
    site: Site, api: FakeBotAPI, config: BotConfig, tmp_path: Path
) -> None:
    admin = DocumentAdmin(site.docs, site.index, site.live)
    config = dataclasses.replace(config, admins=frozenset({1001}))
    data = _new_document(tmp_path).read_bytes()
    steps = [
        document_update(api, "../../x.docx", data),
        document_update(api, "beichen-parks.docx", data),
        message_update("北辰区要建多少个口袋公园？"),
        message_update("/documents"),
        message_update("/remove beichen-parks"),
    ]
    replies = [2, 2, 1, 1, 1]  # an upload: "indexing…" and the outcome
    with BotThread(site.live.current(), config, live=site.live, admin=admin):
        api.push(document_update(api, "beichen-parks.docx", data, user_id=2002))
        [refused] = api.wait_sent(2002, 1)
        for count, update in enumerate(steps, start=1):
            api.push(update)
            api.wait_sent(1001, sum(replies[:count]), timeout=60)
        texts = [m["text"] for m in api.sent(1001)]
    assert "只有管理员" in refused["text"]
    assert "未能完成" in texts[1] and "folders" in texts[1]
    assert "已加入" in texts[3] and "北辰区" in texts[3] and "beichen-parks" in texts[3]
    assert "口袋公园二十七个" in texts[4]
    assert "beichen-parks" in texts[5]
    assert "已删除" in texts[6] and "beichen-parks.docx" not in site.files()


@pytest.mark.slow  # waits out the debounce and a quiet second
def test_index_watch_rebuilds_once_per_burst_of_changes(tmp_path: Path) -> None:
    docs, index = small_corpus(tmp_path / "docs"), tmp_path / "index"
    reports: list[object] = []
    stop = threading.Event()
    watcher = threading.Thread(
        target=watch,
        args=(docs, index, FakeEmbedder(), reports.append),
        kwargs={"debounce_ms": 300, "stop": stop},
    )
    watcher.start()
    try:
        _wait_until(lambda: len(reports) == 1)
        time.sleep(0.5)  # the watcher is listening
        for n in range(3):  # one burst: three files
            (docs / f"new{n}.txt").write_text(f"北辰区新建公园{n + 1}个。\n", encoding="utf-8")
        (docs / ".swap").write_text("editor scratch", encoding="utf-8")
        _wait_until(lambda: len(reports) == 2)
        time.sleep(1.0)  # no second rebuild for the same burst
    finally:
        stop.set()
        watcher.join(timeout=30)
    assert [r.documents for r in reports] == [2, 5]  # type: ignore[attr-defined]


def _wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
