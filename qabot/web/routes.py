"""The routes: the JSON API under ``/api``, ``/healthz`` and the chat page at ``/``."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, Response

from qabot.engine import Engine
from qabot.errors import QabotError
from qabot.feedback import REASONS, FeedbackStore
from qabot.validation import MAX_K, MAX_QUESTION_CHARS
from qabot.version import __version__
from qabot.web.config import STATIC
from qabot.web.guards import ApiError, client_of, require_key
from qabot.web.schemas import (
    AnswerBody,
    AskRequest,
    BatchRequest,
    BatchResponse,
    ErrorBody,
    FeedbackRequest,
    FeedbackResponse,
    Health,
    Meta,
    ParagraphResponse,
    ReasonRequest,
)
from qabot.web.stream import answer_stream

if TYPE_CHECKING:
    from qabot.web.app import EngineSlot

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in (
        (
            400,
            "bad question or parameter (reason: empty_question, question_too_long, "
            "no_words, bad_k, unknown_district, invalid_request …)",
        ),
        (401, "missing or wrong API key (reason: unauthorized)"),
        (413, "request body too large (reason: request_too_large)"),
        (429, "rate limit (reason: rate_limited; see Retry-After)"),
        (503, "index unavailable or server busy (reason: index_missing, index_loading, busy …)"),
    )
}

api = APIRouter(prefix="/api", dependencies=[Depends(require_key)], responses=ERRORS)
page = APIRouter()


def engine_of(request: Request) -> Engine:
    slot: EngineSlot = request.app.state.engine
    return slot.get()


def feedback_of(request: Request) -> FeedbackStore:
    state = request.app.state
    if state.feedback is None:
        state.feedback = FeedbackStore()
    store: FeedbackStore = state.feedback
    return store


def answer_json(data: object) -> Response:
    """JSON serialised once by the standard library: FastAPI's own path (jsonable_encoder over
    a nested answer) costs milliseconds per answer, more than everything else in a request."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body.encode(), media_type="application/json")


@api.post(
    "/ask",
    summary="Answer one question (the CLI's JSON answer object)",
    response_class=Response,
    responses={200: {"model": AnswerBody, "description": "answer object"}},
)
async def ask(body: AskRequest, request: Request, stream: bool = False) -> Response:
    """With a language model configured the answer also holds ``generated`` (checked text);
    ``?stream=1`` sends it as server-sent events, each sentence once checked (stream.py)."""
    engine = engine_of(request)
    request.app.state.rate_limit.charge(client_of(request))
    answer = await request.app.state.pool.run(
        engine.ask, body.question, k=body.k, district=body.district, qid=body.id
    )
    data = answer.to_dict()
    generator = request.app.state.generator
    if stream:
        return answer_stream(data, _as_asked(data, body.passage_text), generator)
    if generator is not None:  # checked against the passages' text, so before it is dropped
        data.update((await asyncio.to_thread(generator.generate, data)).fields())
    return answer_json(_as_asked(data, body.passage_text))


def _as_asked(data: dict[str, Any], passage_text: bool) -> dict[str, Any]:
    """The answer object, its passages without ``text`` unless the client wants them."""
    if passage_text:
        return data
    passages = [{key: value for key, value in p.items() if key != "text"} for p in data["passages"]]
    return {**data, "passages": passages}


@api.post(
    "/ask/batch",
    summary="Answer several questions in order",
    response_class=Response,
    responses={200: {"model": BatchResponse, "description": "answers in request order"}},
)
async def ask_batch(body: BatchRequest, request: Request) -> Response:
    limit = request.app.state.settings.max_batch
    if not 1 <= len(body.questions) <= limit:
        raise ApiError(
            400, "bad_batch", f"send 1 to {limit} questions a batch, not {len(body.questions)}"
        )
    engine = engine_of(request)
    request.app.state.rate_limit.charge(client_of(request), cost=len(body.questions))

    def answer_all() -> list[dict[str, Any]]:
        answers = []
        for item in body.questions:
            try:
                answer = engine.ask(
                    item.question, k=body.k, district=item.district or body.district, qid=item.id
                )
                answers.append(answer.to_dict())
            except QabotError as exc:
                answers.append({"id": item.id, "error": str(exc), "reason": exc.reason})
        return answers

    return answer_json({"answers": await request.app.state.pool.run(answer_all)})


@api.get("/documents", summary="The indexed documents")
async def documents(request: Request) -> list[dict[str, Any]]:
    return [d.to_dict() for d in engine_of(request).documents()]


@api.get("/districts", summary="The districts the index covers (canonical names)")
async def districts(request: Request) -> list[str]:
    return engine_of(request).districts


@api.get(
    "/passages/{chunk_id}",
    summary="The whole paragraph a passage was cut from (chunk id URL-encoded: # is %23)",
)
async def passage(chunk_id: str, request: Request) -> ParagraphResponse:
    chunk, text = engine_of(request).paragraph(chunk_id)
    return ParagraphResponse(
        chunk_id=chunk.id,
        doc_id=chunk.doc_id,
        title=chunk.title,
        district=chunk.district,
        city=chunk.city,
        speaker=chunk.speaker,
        role=chunk.role,
        date=chunk.date,
        paragraph=chunk.paragraph,
        text=text,
    )


@api.get("/meta", summary="Districts, example questions and limits, for the chat page")
async def meta(request: Request) -> Meta:
    return Meta(
        districts=engine_of(request).districts,
        examples=engine_of(request).examples(),
        reasons=REASONS,
        max_question_chars=MAX_QUESTION_CHARS,
        max_k=MAX_K,
        max_batch=request.app.state.settings.max_batch,
    )


@api.post("/feedback", summary="👍/👎 on an answer (same store as the Telegram bot)")
async def feedback(body: FeedbackRequest, request: Request) -> FeedbackResponse:
    answer = {
        "districts": body.districts,
        "passages": [{"chunk_id": c} for c in body.chunk_ids],
        "no_answer": body.no_answer,
    }
    request.app.state.rate_limit.charge(client_of(request))  # votes fill a disk otherwise
    store = feedback_of(request)
    entry = await request.app.state.pool.run(
        store.record,
        channel=request.app.state.settings.channel,
        question=body.question,
        answer=answer,
        vote=body.vote,
        reason=body.reason,
    )
    return FeedbackResponse(id=entry, token=request.app.state.vote_tokens.issue(entry, body.vote))


@api.post(
    "/feedback/{entry_id}/reason",
    summary="The reason picked after a 👎 (with the token that vote returned)",
    responses={403: {"model": ErrorBody, "description": "not this client's 👎 (not_your_vote)"}},
)
async def feedback_reason(
    entry_id: Annotated[int, PathParam(ge=1, le=2**63 - 1)], body: ReasonRequest, request: Request
) -> dict[str, bool]:
    request.app.state.rate_limit.charge(client_of(request))
    request.app.state.vote_tokens.check(entry_id, body.token)
    await request.app.state.pool.run(feedback_of(request).set_reason, entry_id, body.reason)
    return {"ok": True}


@page.get("/healthz", summary="Index generation, embedder, document count", responses=ERRORS)
async def healthz(request: Request) -> JSONResponse:
    slot: EngineSlot = request.app.state.engine
    engine: Engine | None = slot.engine
    if engine is None:
        reason = slot.error.reason if slot.error else "index_loading"
        health = Health(
            status="unavailable" if slot.error else "loading",
            generation=None,
            version=__version__,
            reason=reason,
        )
        return JSONResponse(health.model_dump(), status_code=503)
    manifest = engine.store.manifest
    health = Health(
        status="ok",
        generation=manifest.corpus_hash[:12],
        built_at=manifest.built_at or None,
        embedder=engine.embedder.id,
        documents=len(manifest.documents),
        chunks=manifest.chunks,
        version=__version__,
    )
    return JSONResponse(health.model_dump())


@page.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
async def index() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})
