"""The HTTP API in process (FastAPI's TestClient). What the API answers is checked against the
real shipped index and embedder (slow layer); how it behaves (bad input, keys, rate limits,
body limit, CORS, logs, docs) on the tiny in-memory engine (fast layer)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install '.[web]'")

from fastapi.testclient import TestClient

from qabot.engine import Engine
from qabot.feedback import FeedbackStore
from qabot.settings import Settings
from qabot.web import WebSettings, create_app
from qabot.web.guards import ApiError
from qabot.web.pool import AnswerPool

from conftest import CliRun, tiny_engine

QUESTION = "北辰区种了多少亩春小麦？"


def client_for(engine: Engine, tmp_path: Path, **settings: object) -> TestClient:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    return TestClient(create_app(engine, WebSettings(**settings), store))


def settled(client: TestClient) -> dict:
    """/healthz once the engine loader (run at startup, in a thread) has finished."""
    for _ in range(600):
        health = client.get("/healthz").json()
        if health["status"] != "loading":
            return health
        time.sleep(0.1)
    raise AssertionError("the engine did not load within a minute")


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> Iterator[TestClient]:
    with client_for(engine, tmp_path) as client:
        yield client


@pytest.fixture(scope="module")
def tiny_shared() -> Engine:
    """The tiny in-memory engine, built once for this module's behaviour tests."""
    return tiny_engine()


@pytest.fixture
def quick(tiny_shared: Engine, tmp_path: Path) -> Iterator[TestClient]:
    """A client over the tiny engine: for what the API does, not what the documents say."""
    with client_for(tiny_shared, tmp_path) as client:
        yield client


def test_ask_returns_the_cli_answer_object(client: TestClient, engine: Engine) -> None:
    response = client.post("/api/ask", json={"question": QUESTION, "k": 3, "id": "q1"})
    assert response.status_code == 200
    body = response.json()
    assert "6550亩" in body["answer"] and body["no_answer"] is False
    assert body["id"] == "q1" and body["districts"] == ["北辰区"]
    direct = engine.ask(QUESTION, k=3, qid="q1").to_dict()
    assert [p["chunk_id"] for p in body["passages"]] == [p["chunk_id"] for p in direct["passages"]]
    assert body.keys() == direct.keys()
    first = body["passages"][0]
    for field in ("rank", "score", "chunk_id", "doc_id", "title", "district", "speaker", "role"):
        assert field in first
    assert first["district"] == "北辰区" and first["speaker"] == "冯卫华"


def test_district_filter_and_uncovered_district(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": QUESTION, "district": "东丽"}).json()
    assert body["districts"] == ["东丽区"]
    assert all(p["district"] == "东丽区" for p in body["passages"])
    assert "6550亩" not in body["answer"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"question": ""}, "empty_question"),
        ({"question": "   "}, "empty_question"),
        ({"question": "问" * 501}, "question_too_long"),
        ({"question": "😀🎉👍"}, "no_words"),
        ({"question": QUESTION, "district": "南开区"}, "unknown_district"),
        ({"question": QUESTION, "k": 0}, "bad_k"),
        ({"question": QUESTION, "k": 51}, "bad_k"),
        ({}, "invalid_request"),
        ({"question": 5}, "invalid_request"),
        ({"question": QUESTION, "unknown": 1}, "invalid_request"),
    ],
)
def test_bad_input_is_a_400_with_the_library_reason(
    quick: TestClient, body: dict, reason: str
) -> None:
    response = quick.post("/api/ask", json=body)
    assert response.status_code == 400
    assert response.json()["reason"] == reason
    assert "Traceback" not in response.text


def test_not_json_is_a_400(quick: TestClient) -> None:
    response = quick.post("/api/ask", content=b"{not json", headers={"Content-Type": "text/plain"})
    assert response.status_code == 400 and response.json()["reason"] == "invalid_request"


def test_html_in_a_question_comes_back_as_data(quick: TestClient) -> None:
    question = '<script>alert("x")</script><img src=x onerror=alert(1)>北辰区种了多少亩春小麦？'
    response = quick.post("/api/ask", json={"question": question})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["question"] == question


def test_a_500_character_question_is_accepted(quick: TestClient) -> None:
    question = (QUESTION * 50)[:500]
    assert quick.post("/api/ask", json={"question": question}).status_code == 200


def test_batch_answers_in_order_with_errors_in_place(client: TestClient) -> None:
    response = client.post(
        "/api/ask/batch",
        json={
            "questions": [
                {"id": "a", "question": QUESTION},
                {"id": "b", "question": ""},
                {"id": "c", "question": "宝坻区交付了几个还迁小区？", "district": "宝坻"},
            ],
            "k": 2,
        },
    )
    assert response.status_code == 200
    answers = response.json()["answers"]
    assert [a["id"] for a in answers] == ["a", "b", "c"]
    assert "6550亩" in answers[0]["answer"] and len(answers[0]["passages"]) == 2
    assert answers[1]["reason"] == "empty_question" and "error" in answers[1]
    assert answers[2]["districts"] == ["宝坻区"]


@pytest.mark.parametrize("count", [0, 21])
def test_batch_size_is_bounded(quick: TestClient, count: int) -> None:
    response = quick.post("/api/ask/batch", json={"questions": [{"question": QUESTION}] * count})
    assert response.status_code == 400 and response.json()["reason"] == "bad_batch"


def test_catalogue_routes(client: TestClient, engine: Engine) -> None:
    documents = client.get("/api/documents").json()
    assert {d["doc_id"] for d in documents} == {d.doc_id for d in engine.documents()}
    assert client.get("/api/districts").json() == engine.districts


def test_passage_route_gives_the_whole_paragraph(client: TestClient, engine: Engine) -> None:
    chunk_id = engine.ask(QUESTION).passages[0].chunk.id
    response = client.get(f"/api/passages/{chunk_id.replace('#', '%23')}")
    assert response.status_code == 200
    body = response.json()
    assert body["chunk_id"] == chunk_id and body["district"] == "北辰区"
    assert body["text"] == engine.paragraph(chunk_id)[1] and "6550亩" in body["text"]
    missing = client.get("/api/passages/no-such-passage")
    assert missing.status_code == 404 and missing.json()["reason"] == "unknown_passage"


def test_healthz_reports_the_index(client: TestClient, engine: Engine) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["embedder"] == "e5-small"
    assert body["generation"] == engine.store.manifest.corpus_hash[:12]
    assert body["documents"] == len(engine.documents())


def test_missing_index_is_a_503_with_the_library_reason(tmp_path: Path) -> None:
    app = create_app(lambda: Engine.load(tmp_path / "nothing"), WebSettings())
    with TestClient(app) as client:
        assert settled(client)["status"] == "unavailable"
        health = client.get("/healthz")
        assert health.status_code == 503 and health.json()["reason"] == "index_missing"
        response = client.post("/api/ask", json={"question": QUESTION})
        assert response.status_code == 503 and response.json()["reason"] == "index_missing"
        assert client.get("/").status_code == 200  # the page still loads and can say why


def test_engine_is_loaded_once(shipped: Settings, tmp_path: Path) -> None:
    loads = []

    def loader() -> Engine:
        loads.append(1)
        return Engine.load(shipped.index)

    app = create_app(loader, WebSettings(), FeedbackStore(tmp_path / "f.sqlite3"))
    with TestClient(app) as client:
        assert settled(client)["status"] == "ok"
        for _ in range(3):
            assert client.post("/api/ask", json={"question": QUESTION}).status_code == 200
        assert client.get("/api/districts").status_code == 200
    assert len(loads) == 1


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic c2VjcmV0", "Bearer "])
def test_api_key_is_required_when_set(
    tiny_shared: Engine, tmp_path: Path, header: str | None
) -> None:
    with client_for(tiny_shared, tmp_path, api_key="s3cret") as client:
        headers = {"Authorization": header} if header else {}
        response = client.post("/api/ask", json={"question": QUESTION}, headers=headers)
        assert response.status_code in (401, 403)
        assert response.json()["reason"] in ("unauthorized", "http_error")
        ok = client.post(
            "/api/ask", json={"question": QUESTION}, headers={"Authorization": "Bearer s3cret"}
        )
        assert ok.status_code == 200
        assert client.get("/healthz").status_code == 200 and client.get("/").status_code == 200


def test_wrong_key_is_401_unauthorized(tiny_shared: Engine, tmp_path: Path) -> None:
    with client_for(tiny_shared, tmp_path, api_key="s3cret") as client:
        response = client.get("/api/districts", headers={"Authorization": "Bearer nope"})
        assert response.status_code == 401
        assert response.json()["reason"] == "unauthorized"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_rate_limit_per_client(tiny_shared: Engine, tmp_path: Path) -> None:
    with client_for(tiny_shared, tmp_path, rate_limit=3) as client:
        for _ in range(3):
            assert client.post("/api/ask", json={"question": QUESTION}).status_code == 200
        limited = client.post("/api/ask", json={"question": QUESTION})
        assert limited.status_code == 429 and limited.json()["reason"] == "rate_limited"
        assert int(limited.headers["Retry-After"]) >= 1
        assert client.get("/api/districts").status_code == 200  # only questions count


def test_a_batch_counts_each_question(tiny_shared: Engine, tmp_path: Path) -> None:
    with client_for(tiny_shared, tmp_path, rate_limit=3) as client:
        batch = {"questions": [{"question": QUESTION}] * 4}
        assert client.post("/api/ask/batch", json=batch).status_code == 429


def test_request_size_limit(tiny_shared: Engine, tmp_path: Path) -> None:
    with client_for(tiny_shared, tmp_path, max_body=2000) as client:
        big = {"question": QUESTION, "id": "x" * 3000}
        response = client.post("/api/ask", json=big)
        assert response.status_code == 413 and response.json()["reason"] == "request_too_large"

        def chunked() -> Iterator[bytes]:  # no Content-Length: counted while reading
            yield b'{"question": "'
            yield "问".encode() * 1000
            yield b'"}'

        response = client.post(
            "/api/ask", content=chunked(), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413


def test_cors_is_off_by_default_and_configurable(tiny_shared: Engine, tmp_path: Path) -> None:
    origin = {"Origin": "https://portal.example.gov.cn"}
    with client_for(tiny_shared, tmp_path) as client:
        response = client.get("/api/districts", headers=origin)
        assert "access-control-allow-origin" not in response.headers
    allowed = ("https://portal.example.gov.cn",)
    with client_for(tiny_shared, tmp_path, cors_origins=allowed) as client:
        response = client.get("/api/districts", headers=origin)
        assert response.headers["access-control-allow-origin"] == origin["Origin"]
        other = client.get("/api/districts", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_feedback_goes_to_the_shared_store(quick: TestClient, tmp_path: Path) -> None:
    answer = quick.post("/api/ask", json={"question": QUESTION}).json()
    vote = {
        "question": QUESTION,
        "districts": answer["districts"],
        "chunk_ids": [p["chunk_id"] for p in answer["passages"]],
        "no_answer": answer["no_answer"],
        "vote": "down",
    }
    cast = quick.post("/api/feedback", json=vote).json()
    entry, token = cast["id"], cast["token"]
    reason = quick.post(
        f"/api/feedback/{entry}/reason", json={"reason": "wrong_district", "token": token}
    )
    assert reason.status_code == 200
    bad = quick.post(f"/api/feedback/{entry}/reason", json={"reason": "because", "token": token})
    assert bad.status_code == 400 and bad.json()["reason"] == "bad_reason"
    assert quick.post("/api/feedback", json={**vote, "vote": "meh"}).status_code == 400
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    [stored] = store.entries()
    assert (stored.channel, stored.vote, stored.reason) == ("web", "down", "wrong_district")
    assert stored.chunk_ids == vote["chunk_ids"] and stored.question == QUESTION
    assert store.export(tmp_path / "todo.jsonl") == 1


def test_access_log_never_holds_the_question(
    quick: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "北辰区种了多少亩春小麦？私密问题甲乙丙"
    with caplog.at_level(logging.INFO):
        quick.post("/api/ask", json={"question": secret})
        quick.post("/api/ask", json={"question": "😀"})
    access = [r.getMessage() for r in caplog.records if r.name == "qabot.web.access"]
    assert any(line.startswith("POST /api/ask 200") for line in access)
    assert any(line.startswith("POST /api/ask 400") for line in access)
    assert not any("私密" in r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)


def test_openapi_docs_work_offline(quick: TestClient) -> None:
    docs = quick.get("/docs")
    assert docs.status_code == 200 and "cdn." not in docs.text
    assert quick.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    paths = quick.get("/openapi.json").json()["paths"]
    for path in ("/api/ask", "/api/ask/batch", "/api/documents", "/api/districts", "/healthz"):
        assert path in paths


def test_the_page_and_its_assets_are_served_offline(quick: TestClient) -> None:
    page = quick.get("/")
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    assert "http://" not in page.text and "https://" not in page.text
    for name in ("i18n.js", "net.js", "app.js"):
        assert f'src="/static/{name}"' in page.text
        script = quick.get(f"/static/{name}").text
        assert script and "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert quick.get("/static/app.css").status_code == 200


def test_unknown_route_is_json(quick: TestClient) -> None:
    response = quick.get("/api/nothing")
    assert response.status_code == 404 and response.json()["reason"] == "not_found"


def test_example_questions_are_answered(engine: Engine) -> None:
    """The examples come from the index's districts (no code list of questions)."""
    examples = engine.examples()
    assert len(examples) == 3 and all(engine.districts[0] in q for q in examples)
    for question in examples:
        assert not engine.ask(question).no_answer, question


async def test_pool_refuses_beyond_its_bound() -> None:
    pool = AnswerPool(workers=1, queue=0)
    release = threading.Event()
    try:
        import asyncio

        running = asyncio.ensure_future(pool.run(release.wait, 10))
        await asyncio.sleep(0)
        with pytest.raises(ApiError) as refused:
            await pool.run(lambda: None)
        assert refused.value.status == 503 and refused.value.reason == "busy"
        release.set()
        assert await running is True
        assert await pool.run(lambda: 42) == 42
    finally:
        release.set()
        pool.close()


def test_serve_rejects_bad_settings_in_one_line(cli: CliRun) -> None:
    result = cli("serve", "--workers", "0")
    assert result.code == 2
    last = result.err.strip().splitlines()[-1]
    assert last.startswith("qabot: error: workers") and "Traceback" not in result.err
    bad_env = cli("serve", env={"QABOT_RATE_LIMIT": "many"})
    assert bad_env.code == 2 and "Traceback" not in bad_env.err
    assert bad_env.err.strip().splitlines()[-1].startswith("qabot: error: QABOT_RATE_LIMIT")


def test_while_loading_the_api_says_so(shipped: Settings) -> None:
    release = threading.Event()

    def slow_loader() -> Engine:
        release.wait(60)
        return Engine.load(shipped.index)

    with TestClient(create_app(slow_loader, WebSettings())) as client:
        try:
            health = client.get("/healthz")
            assert health.status_code == 503 and health.json()["status"] == "loading"
            response = client.post("/api/ask", json={"question": QUESTION})
            assert response.status_code == 503 and response.json()["reason"] == "index_loading"
        finally:
            release.set()
        assert settled(client)["status"] == "ok"


def test_a_reason_needs_the_token_of_that_very_vote(client: TestClient, tmp_path: Path) -> None:
    vote = {"question": QUESTION, "vote": "down"}
    mine = client.post("/api/feedback", json=vote).json()
    theirs = client.post("/api/feedback", json=vote).json()
    liked = client.post("/api/feedback", json={**vote, "vote": "up"}).json()
    assert liked["token"] is None and len(mine["token"]) >= 32
    for entry, token in (
        (theirs["id"], mine["token"]),  # somebody else's vote
        (999999, mine["token"]),
        (liked["id"], mine["token"]),  # a 👍 takes no reason
        (mine["id"], "0" * 32),
    ):
        response = client.post(
            f"/api/feedback/{entry}/reason", json={"reason": "other", "token": token}
        )
        assert response.status_code == 403, (entry, token)
        assert response.json()["reason"] == "not_your_vote"
    nonsense = client.post("/api/feedback/-1/reason", json={"reason": "other", "token": "x"})
    assert nonsense.status_code == 400  # not an id at all: a bad request, before any token
    missing = client.post(f"/api/feedback/{mine['id']}/reason", json={"reason": "other"})
    assert missing.status_code == 400 and missing.json()["reason"] == "invalid_request"
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    assert [e.reason for e in store.entries()] == [None, None, None]


def test_security_headers_on_page_api_and_docs(client: TestClient) -> None:
    for path in ("/", "/static/app.js", "/api/districts", "/healthz", "/docs"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
    page_policy = client.get("/").headers["content-security-policy"]
    assert "script-src 'self';" in page_policy and "unsafe-inline" not in page_policy
    head = client.head("/")
    assert head.status_code == 200 and head.content == b""


@pytest.mark.parametrize("k", ["3", True, 2.5])
def test_a_wrongly_typed_k_is_an_invalid_request(client: TestClient, k: object) -> None:
    for path, body in (
        ("/api/ask", {"question": QUESTION, "k": k}),
        ("/api/ask/batch", {"questions": [{"question": QUESTION}], "k": k}),
    ):
        response = client.post(path, json=body)
        assert response.status_code == 400 and response.json()["reason"] == "invalid_request"


def test_the_page_can_ask_for_excerpts_without_full_text(client: TestClient) -> None:
    full = client.post("/api/ask", json={"question": QUESTION, "k": 9}).json()
    lean = client.post(
        "/api/ask", json={"question": QUESTION, "k": 9, "passage_text": False}
    ).json()
    assert all("text" in p for p in full["passages"])
    assert [p["excerpt"] for p in lean["passages"]] == [p["excerpt"] for p in full["passages"]]
    assert not any("text" in p for p in lean["passages"])
    assert lean["answer"] == full["answer"]


def test_answers_are_compressed_for_clients_that_accept_gzip(client: TestClient) -> None:
    body = {"question": QUESTION, "k": 9}
    packed = client.post("/api/ask", json=body, headers={"Accept-Encoding": "gzip"})
    plain = client.post("/api/ask", json=body, headers={"Accept-Encoding": "identity"})
    assert packed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
    assert packed.json()["answer"] == plain.json()["answer"]


def test_a_body_without_content_type_gets_a_readable_message(client: TestClient) -> None:
    response = client.post("/api/ask", content='{"question": "北辰区种了多少亩春小麦？"}'.encode())
    assert response.status_code == 400 and response.json()["reason"] == "invalid_request"
    assert "Content-Type: application/json" in response.json()["error"]
