"""The Telegram adapter: ``qabot telegram`` (python-telegram-bot v22, async ``Application``).

A question typed in a private chat (or sent with ``/ask`` or a mention in a group) gets the
answer the CLI gives: a short extractive answer and cited excerpts with district · speaker ·
date · title · paragraph, rendered as Telegram HTML. The button 「更多结果」 pages through the
next passages, ``/sources`` shows the full passages, ``/district`` keeps a per-chat filter.

Design choices, and why:

* The engine (index + embedder) is loaded once before the bot starts; ``engine.ask`` runs in a
  worker thread so the event loop keeps serving other chats, behind a lock because the
  embedder is not guaranteed to be thread-safe. Updates are processed concurrently.
* Per-chat state (the district filter and the last answers, as plain dicts) lives in
  ``chat_data`` with :class:`~telegram.ext.PicklePersistence`, so the filter and the
  「更多结果」 button survive a restart; a button whose answer was dropped says it expired.
* Every outgoing request goes through :class:`RetryingRequests`, which retries flood control
  (429 ``retry_after``) and network errors with backoff.
* The token never reaches the logs: httpx (which logs request URLs, token included, at INFO)
  is raised to WARNING and a :class:`RedactToken` filter masks the token in whatever the root
  handlers print. User messages are never logged.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import logging
import math
import os
import re
import secrets
import signal
import threading
import time
import warnings
from collections import defaultdict, deque
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    BaseRateLimiter,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    PersistenceInput,
    PicklePersistence,
    TypeHandler,
    filters,
)

from qabot.engine import EXAMPLE_QUESTION, MAX_QUESTION_CHARS, Engine, Settings, validate_question
from qabot.errors import QabotError, UsageError
from qabot.render import citation, no_answer_text
from qabot.types import Answer, DocumentInfo

log = logging.getLogger(__name__)

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
BASE_URL_ENV = "TELEGRAM_API_BASE_URL"
ALLOW_ENV = "QABOT_TELEGRAM_ALLOW"
RATE_LIMIT_ENV = "QABOT_TELEGRAM_RATE_LIMIT"
WEBHOOK_SECRET_ENV = "QABOT_TELEGRAM_WEBHOOK_SECRET"
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"

# Telegram allows 4,096 characters a message (UTF-16 units, counted after the HTML is parsed);
# the raw HTML is measured instead, which is always at least as long, with a margin.
MESSAGE_LIMIT = 4000
PAGE_SIZE = 3  # passages per message; 「更多结果」 shows the next page
FETCH_K = 9  # passages retrieved per question: three pages
KEEP_ANSWERS = 20  # answers remembered per chat for the button and /sources
DEFAULT_RATE_LIMIT = 10  # questions per user per minute
RATE_WINDOW = 60.0
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
STOP_SIGNALS: tuple[int, ...] | None = (
    (signal.SIGINT, signal.SIGTERM, signal.SIGABRT) if os.name == "posix" else None
)

EXAMPLE_QUESTIONS = (EXAMPLE_QUESTION, "宝坻区交付了几个还迁小区？", "东丽区和和平区怎么治理污染？")
COMMANDS = (
    BotCommand("start", "介绍：收录了哪些地区和文档"),
    BotCommand("help", "用法和命令"),
    BotCommand("ask", "提问，例如 /ask 北辰区种了多少亩春小麦？"),
    BotCommand("district", "只查某个地区：/district 北辰区 或 /district all"),
    BotCommand("sources", "上一个回答引用的完整段落"),
)
APOLOGY = "抱歉，处理这条消息时出错了。请稍后再试，或换个问法。"
EXPIRED = "这个结果已经过期了（每个对话只保留最近的回答）。请重新提问。"
_TOKEN_RE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,64}")
_NON_TEXT_KINDS = (
    ("sticker", "贴纸"),
    ("animation", "动图"),
    ("photo", "图片"),
    ("video", "视频"),
    ("video_note", "视频消息"),
    ("voice", "语音"),
    ("audio", "音频"),
    ("document", "文件"),
    ("location", "位置"),
    ("contact", "联系人"),
    ("poll", "投票"),
    ("dice", "骰子"),
)


# ---------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class BotConfig:
    """Everything the bot needs besides the engine; built from the environment and CLI flags."""

    token: str = field(repr=False)
    state_path: Path
    base_url: str = DEFAULT_API_BASE_URL
    allow: frozenset[int] = frozenset()
    rate_limit: int = DEFAULT_RATE_LIMIT
    webhook_url: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)
    k: int = FETCH_K
    page_size: int = PAGE_SIZE

    @property
    def base_file_url(self) -> str:
        """``…/bot`` → ``…/file/bot``, the layout of Telegram's and self-hosted servers."""
        return re.sub(r"/bot(?=\{token\}|$)", "/file/bot", self.base_url, count=1)

    @classmethod
    def from_env(
        cls,
        state_path: Path,
        *,
        allow: str | None = None,
        rate_limit: int | None = None,
        webhook_url: str | None = None,
        listen: str = "127.0.0.1",
        port: int = 8443,
        environ: Mapping[str, str] = os.environ,
    ) -> BotConfig:
        """Validate the token first, so a bad one fails before the model is loaded."""
        allowed = parse_allow(environ.get(ALLOW_ENV, "")) | parse_allow(allow or "")
        if rate_limit is None:
            rate_limit = parse_rate_limit(environ.get(RATE_LIMIT_ENV, ""))
        elif rate_limit < 0:
            raise UsageError(f"--rate-limit must be 0 (off) or more, not {rate_limit}")
        if webhook_url is not None:
            check_webhook_url(webhook_url)
        return cls(
            token=read_token(environ),
            state_path=state_path,
            base_url=api_base_url(environ.get(BASE_URL_ENV)),
            allow=allowed,
            rate_limit=rate_limit,
            webhook_url=webhook_url,
            listen=listen,
            port=port,
            webhook_secret=environ.get(WEBHOOK_SECRET_ENV) or secrets.token_urlsafe(32),
        )


def read_token(environ: Mapping[str, str] = os.environ) -> str:
    """The bot token; a clear :class:`UsageError` (never quoting it) when missing or malformed."""
    token = environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise UsageError(
            f"{TOKEN_ENV} is not set: create a bot with @BotFather (/newbot) and "
            f"export {TOKEN_ENV}=<the token it gives you>"
        )
    if not _TOKEN_RE.fullmatch(token):
        raise UsageError(
            f"{TOKEN_ENV} is malformed ({len(token)} characters): a bot token is digits, "
            "a colon and about 35 letters, digits, '-' or '_' (123456789:AA…); "
            "copy it again from @BotFather"
        )
    return token


def api_base_url(value: str | None) -> str:
    """``TELEGRAM_API_BASE_URL`` up to ``/bot`` (a bare ``http://host:8081`` gets ``/bot``)."""
    url = (value or DEFAULT_API_BASE_URL).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(
            f"{BASE_URL_ENV} must be an http(s) URL such as {DEFAULT_API_BASE_URL} "
            "or http://localhost:8081/bot"
        )
    if "{token}" not in url and not url.endswith("/bot"):
        url += "/bot"
    return url


def check_webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError("--webhook-url must be a full URL such as https://bot.example.org/qabot")


def parse_allow(value: str) -> frozenset[int]:
    """``"123, -100456"`` → user and chat ids (group ids are negative)."""
    ids = set()
    for item in re.split(r"[,\s]+", value.strip()):
        if not item:
            continue
        if not re.fullmatch(r"-?\d+", item):
            raise UsageError(
                f"allow-list entry {item!r} is not a numeric Telegram user or chat id "
                f"({ALLOW_ENV} / --allow take ids such as 123456789,-1001234567890)"
            )
        ids.add(int(item))
    return frozenset(ids)


def parse_rate_limit(value: str) -> int:
    if not value.strip():
        return DEFAULT_RATE_LIMIT
    if not value.strip().isdigit():
        raise UsageError(f"{RATE_LIMIT_ENV} must be a number of questions per minute (0 = off)")
    return int(value)


# ---------------------------------------------------------------------------- token-free logs


class RedactToken(logging.Filter):
    """Masks the bot token (and its secret half) in a record's message and traceback."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.secrets = [token, token.partition(":")[2]]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "<TOKEN>")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken log call elsewhere: let the handler report it as usual
            return True
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def protect_logs(token: str) -> None:
    """httpx logs URLs (which contain the token) at INFO: keep it at WARNING, and redact."""
    httpx_logger = logging.getLogger("httpx")
    if httpx_logger.getEffectiveLevel() < logging.WARNING:
        httpx_logger.setLevel(logging.WARNING)
    redactor = RedactToken(token)
    for target in (*logging.getLogger().handlers, httpx_logger):
        if not any(
            isinstance(f, RedactToken) and f.secrets == redactor.secrets for f in target.filters
        ):
            target.addFilter(redactor)


# ---------------------------------------------------------------------------- retries


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class RetryingRequests(BaseRateLimiter[None]):
    """Retries every Bot API call (getUpdates excepted) on flood control and network errors.

    PTB's own ``AIORateLimiter`` needs the optional ``aiolimiter`` and throttles everything;
    a question bot only needs to wait when Telegram says so (429 ``retry_after``) and to ride
    out a dropped connection or a 5xx. Bad requests are never retried. A request that timed out
    may have been delivered, so a retry can rarely duplicate a message; better than silence.
    """

    def __init__(
        self,
        attempts: int = 4,
        base_delay: float = 0.5,
        max_delay: float = 10.0,
        max_retry_after: float = 120.0,
    ) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        delay = self.base_delay
        for attempt in range(1, self.attempts + 1):
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                with warnings.catch_warnings():  # the int-vs-timedelta deprecation notice
                    warnings.simplefilter("ignore")
                    wait = _seconds(exc.retry_after)
                if attempt == self.attempts or wait > self.max_retry_after:
                    raise
                log.warning(
                    "flood control on %s: retrying in %.0f s (attempt %d of %d)",
                    endpoint,
                    wait,
                    attempt + 1,
                    self.attempts,
                )
                await asyncio.sleep(wait)
            except BadRequest:
                raise
            except NetworkError as exc:  # includes TimedOut and 5xx answers
                if attempt == self.attempts:
                    raise
                log.warning(
                    "network error on %s (%s): retrying in %.1f s (attempt %d of %d)",
                    endpoint,
                    type(exc).__name__,
                    delay,
                    attempt + 1,
                    self.attempts,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_delay)
        raise AssertionError("unreachable")  # pragma: no cover


class QuestionRateLimit:
    """At most ``per_minute`` questions per user in any 60 seconds (0 = no limit)."""

    def __init__(
        self,
        per_minute: int,
        window: float = RATE_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.window = window
        self.clock = clock
        self._asked: defaultdict[int, deque[float]] = defaultdict(deque)

    def check(self, key: int) -> float:
        """0 and counts the question when allowed, else the seconds until the next is."""
        if self.per_minute <= 0:
            return 0.0
        now = self.clock()
        asked = self._asked[key]
        while asked and now - asked[0] >= self.window:
            asked.popleft()
        if len(asked) >= self.per_minute:
            return self.window - (now - asked[0])
        asked.append(now)
        return 0.0


# ---------------------------------------------------------------------------- rendering


def esc(text: object) -> str:
    return html.escape(str(text))


def answer_record(answer: Answer) -> dict[str, Any]:
    """What a chat remembers of an answer: plain data, so the pickle outlives code changes."""
    return {
        "question": answer.question,
        "districts": list(answer.districts),
        "no_answer": answer.no_answer,
        "answer": answer.answer,
        "passages": [
            {
                "rank": p.rank,
                "district": p.chunk.district,
                "excerpt": p.excerpt,
                "text": p.chunk.text,
                "citation": citation(p),
            }
            for p in answer.passages
        ],
        "shown": 0,
        "created": time.time(),
    }


def _passage_block(passage: Mapping[str, Any]) -> str:
    return (
        f"<b>[{passage['rank']}]</b> {esc(passage['excerpt'])}\n— <i>{esc(passage['citation'])}</i>"
    )


def render_record(
    record: Mapping[str, Any],
    known_districts: Iterable[str],
    topics: Sequence[DocumentInfo] = (),
    shown: int = PAGE_SIZE,
    district_filter: str | None = None,
) -> str:
    """The first message(s) of an answer: scope, answer (or a plain "no answer"), excerpts."""
    known = list(known_districts)
    blocks = []
    if record["districts"]:
        blocks.append(f"<i>地区：{esc('、'.join(record['districts']))}</i>")
    if record["no_answer"]:
        blocks.append(esc(no_answer_text(record["districts"], known)))
    else:
        blocks.append(f"<b>答：</b>{esc(record['answer'])}")
    blocks.extend(_passage_block(p) for p in record["passages"][:shown])
    if record["no_answer"]:
        blocks.append(_suggestions(topics, district_filter))
    if record["passages"]:
        blocks.append("<i>/sources 查看完整段落</i>")
    return "\n\n".join(blocks)


def _suggestions(topics: Sequence[DocumentInfo], district_filter: str | None) -> str:
    lines = ["<b>可以问这些地区和主题：</b>"]
    lines.extend(f"• {esc(doc.label())}" for doc in topics)
    if district_filter:
        lines.append(f"当前只在 {esc(district_filter)} 中查找；发送 /district all 查全部地区。")
    return "\n".join(lines)


def render_telegram(
    answer: Answer,
    known_districts: Iterable[str],
    topics: Sequence[DocumentInfo] = (),
    page_size: int = PAGE_SIZE,
    district_filter: str | None = None,
) -> str:
    """An :class:`Answer` as Telegram HTML (one string; :func:`split_html` cuts it to size)."""
    return render_record(answer_record(answer), known_districts, topics, page_size, district_filter)


def render_more(record: Mapping[str, Any], start: int, end: int) -> str:
    """The passages behind 「更多结果」."""
    total = len(record["passages"])
    head = f"<i>「{esc(record['question'])}」的第 {start + 1}–{end} 条结果（共 {total} 条）</i>"
    return "\n\n".join([head, *(_passage_block(p) for p in record["passages"][start:end])])


def render_sources(record: Mapping[str, Any]) -> str:
    """/sources: the whole passages the last answer showed, each with its citation."""
    passages = record["passages"][: max(record.get("shown", 0), 1)]
    blocks = [f"<b>完整段落</b>（问题：{esc(record['question'])}）"]
    for p in passages:
        blocks.append(
            f"<b>[{p['rank']}]</b> <i>{esc(p['citation'])}</i>\n"
            f"<blockquote expandable>{esc(p['text'])}</blockquote>"
        )
    return "\n\n".join(blocks)


def render_start(docs: Sequence[DocumentInfo], bot_username: str | None) -> str:
    lines = [
        "<b>你好！我根据已收录的政府文档回答问题。</b>",
        "回答只摘录原文，每段摘录都注明出处：地区 · 讲话人 · 日期 · 标题 · 段落。",
        "",
        "<b>已收录的地区和文档</b>",
        *(f"• {esc(doc.label())}（{doc.paragraphs} 段）" for doc in docs),
        "",
        "<b>可以这样问</b>",
        *(f"• {esc(q)}" for q in EXAMPLE_QUESTIONS),
        "",
        "私聊时直接发送问题即可；在群组里请用 /ask 问题"
        + (f" 或 @{esc(bot_username)} 问题" if bot_username else "")
        + "。/help 查看全部命令。",
    ]
    return "\n".join(lines)


def render_help(known: Sequence[str], rate_limit: int, bot_username: str | None) -> str:
    mention = f"，或 @{esc(bot_username)} 问题" if bot_username else ""
    lines = [
        "<b>用法</b>",
        f"私聊：直接发送问题，例如 {esc(EXAMPLE_QUESTION)}",
        f"群组：/ask 问题{mention}",
        "",
        "/ask 问题 — 提问",
        "/district 地区 — 只在某个地区的文档中查找（/district all 取消）",
        "/sources — 上一个回答引用的完整段落",
        "/start — 收录了哪些地区和文档",
        "",
        f"地区：{esc('、'.join(known))}（也可以写简称，如 北辰）",
        f"问题最长 {MAX_QUESTION_CHARS} 字。",
    ]
    if rate_limit:
        lines.append(f"每人每分钟最多 {rate_limit} 个问题。")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- splitting

_TOKEN = re.compile(r"<[^<>]*>|&(?:#\d+|#[xX][0-9a-fA-F]+|\w+);|.", re.S)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][\w-]*)")
_SENTENCE_END = set("。！？；!?;")
_CLAUSE_END = set("，、：,:")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def _closing(opening: str) -> str:
    match = _TAG_NAME.match(opening)
    return f"</{match.group(1)}>" if match else ""


def _after(stack: list[str], token: str) -> list[str]:
    if token.startswith("</"):
        return stack[:-1]
    if token.startswith("<") and len(token) > 1 and not token.endswith("/>"):
        return [*stack, token]
    return stack


def _cut_rank(tokens: list[str], end: int, stack: list[str]) -> int | None:
    """How good a cut just before ``tokens[end]`` is: 0 paragraph … 3 clause; None = no boundary."""
    last = tokens[end - 1]
    if last == "\n":
        return 0 if not stack and end >= 2 and tokens[end - 2] == "\n" else 1
    if last in _SENTENCE_END:
        return 2
    if last in _CLAUSE_END:
        return 3
    return None


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut Telegram HTML into messages of at most ``limit`` UTF-16 units each.

    Cuts at the last paragraph break (a blank line outside any tag) that fits, else at a line
    break, a sentence end, a comma, or between two characters — never inside a tag or an
    entity. Tags open at a cut are closed before it and reopened after it, so each message
    is valid HTML on its own.
    """
    tokens = _TOKEN.findall(text)
    messages: list[str] = []
    start, carried = 0, []
    while start < len(tokens):
        stack = list(carried)
        size = sum(utf16_len(t) for t in carried)
        best: dict[int, tuple[int, list[str]]] = {}
        end = start
        while end < len(tokens):
            token = tokens[end]
            after = _after(stack, token)
            closing = sum(utf16_len(_closing(t)) for t in after)
            if size + utf16_len(token) + closing > limit:
                break
            size += utf16_len(token)
            stack = after
            end += 1
            rank = _cut_rank(tokens, end, stack)
            if rank is not None:
                best[rank] = (end, stack)
        if end == len(tokens):
            cut, open_tags = end, stack
        elif best:
            cut, open_tags = best[min(best)]
        elif end > start:
            cut, open_tags = end, stack
        else:
            raise ValueError(f"an HTML tag longer than {limit} characters cannot be sent")
        body = "".join(carried) + "".join(tokens[start:cut])
        body += "".join(_closing(t) for t in reversed(open_tags))
        if body.strip():
            messages.append(body.strip() if not open_tags else body)
        start, carried = cut, list(open_tags)
        while not carried and start < len(tokens) and tokens[start].isspace():
            start += 1
    return messages


# ---------------------------------------------------------------------------- the bot


def question_problem(question: str) -> str | None:
    """A friendly (HTML) reply for a question the engine would refuse, else None."""
    text = question.strip()
    if not text:
        return f"请在命令后面写上问题，例如：/ask {esc(EXAMPLE_QUESTION)}"
    if len(text) > MAX_QUESTION_CHARS:
        return (
            f"问题太长了（{len(text)} 字，上限 {MAX_QUESTION_CHARS} 字）。"
            f"请一次只问一件事，例如：{esc(EXAMPLE_QUESTION)}"
        )
    try:
        validate_question(text)
    except UsageError:
        return (
            "这条消息里没有可以检索的文字（只有符号或表情）。"
            f"请用文字提问，例如：{esc(EXAMPLE_QUESTION)}"
        )
    return None


def _more_button(key: str, start: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("更多结果", callback_data=f"more:{key}:{start}")]]
    )


class QABot:
    """The handlers, sharing one engine, one engine lock and one rate limiter."""

    def __init__(self, engine: Engine, config: BotConfig) -> None:
        self.engine = engine
        self.config = config
        self.known = list(engine.gazetteer.names)
        self.docs = engine.documents()
        self.rate = QuestionRateLimit(config.rate_limit)
        self._engine_lock = threading.Lock()

    # ------------------------------------------------------------------ wiring

    def register(self, application: Application) -> None:
        private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
        application.add_handler(TypeHandler(Update, self.gate), group=-1)
        application.add_handler(CommandHandler("start", self.start))
        application.add_handler(CommandHandler("help", self.help))
        application.add_handler(CommandHandler("ask", self.ask_command))
        application.add_handler(CommandHandler("district", self.district))
        application.add_handler(CommandHandler("sources", self.sources))
        application.add_handler(
            MessageHandler(private & filters.TEXT & ~filters.COMMAND, self.private_text)
        )
        mentions = filters.Entity(MessageEntity.MENTION)
        application.add_handler(
            MessageHandler(groups & filters.TEXT & mentions, self.group_mention)
        )
        application.add_handler(MessageHandler(private & filters.COMMAND, self.unknown_command))
        application.add_handler(
            MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, self.not_text)
        )
        application.add_handler(CallbackQueryHandler(self.more, pattern=r"^more:"))
        application.add_handler(CallbackQueryHandler(self.stale_button))
        application.add_error_handler(self.on_error)

    async def post_init(self, application: Application) -> None:
        """Register the command menu and warm the engine up once the bot is known to Telegram."""
        await application.bot.set_my_commands(list(COMMANDS))
        # The first query pays for the embedder's warm-up; pay it before the first user does.
        with suppress(Exception):
            await asyncio.to_thread(self._ask, EXAMPLE_QUESTION, None)
        log.info(
            "bot @%s ready: %d districts, %d documents",
            application.bot.username,
            len(self.known),
            len(self.docs),
        )

    # ------------------------------------------------------------------ access

    async def gate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Allow-list: others get a polite refusal (if they addressed the bot), nothing more."""
        allow = self.config.allow
        if not allow:
            return
        user, chat = update.effective_user, update.effective_chat
        if (user and user.id in allow) or (chat and chat.id in allow):
            return
        log.info(
            "refused update %s: user %s in chat %s is not on the allow-list",
            update.update_id,
            user.id if user else None,
            chat.id if chat else None,
        )
        refusal = "抱歉，这个机器人目前只对受邀用户开放。"
        if update.callback_query:
            await update.callback_query.answer(refusal, show_alert=True)
        elif update.effective_message and self._addressed(update.effective_message, context):
            who = f"你的用户 ID 是 <code>{user.id}</code>，" if user else ""
            await update.effective_message.reply_text(
                f"{refusal}{who}如需使用，请联系机器人的管理员。"
            )
        raise ApplicationHandlerStop

    @staticmethod
    def _addressed(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        text = message.text or ""
        username = context.bot.username or ""
        return text.startswith("/") or (bool(username) and f"@{username}".lower() in text.lower())

    # ------------------------------------------------------------------ commands

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """What the bot knows: districts, documents, and three example questions."""
        await update.effective_message.reply_text(render_start(self.docs, context.bot.username))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(
            render_help(self.known, self.config.rate_limit, context.bot.username)
        )

    async def ask_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/ask 问题 — the only way to ask in a group besides a mention."""
        parts = (update.effective_message.text or "").split(maxsplit=1)
        await self.answer(update, context, parts[1] if len(parts) > 1 else "")

    async def private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.answer(update, context, update.effective_message.text or "")

    async def group_mention(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A message in a group that mentions this bot is a question (minus the mention)."""
        message = update.effective_message
        mention = f"@{context.bot.username}".lower()
        found = message.parse_entities([MessageEntity.MENTION]).values()
        if not any(text.lower() == mention for text in found):
            return  # someone else was mentioned
        question = re.sub(re.escape(mention), " ", message.text or "", flags=re.IGNORECASE)
        await self.answer(update, context, question)

    async def district(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/district NAME|all — a per-chat filter, persisted."""
        message = update.effective_message
        choices = f"可选：{esc('、'.join(self.known))}，或 all（全部地区）。"
        value = " ".join(context.args or [])
        if not value:
            current = context.chat_data.get("district") or "全部地区"
            await message.reply_text(
                f"当前查找范围：{esc(current)}。\n用法：/district 北辰区\n{choices}"
            )
            return
        try:
            name = self.engine.gazetteer.resolve(value)
        except UsageError:
            await message.reply_text(f"不认识这个地区：{esc(value)}。\n{choices}")
            return
        if name is None:
            context.chat_data.pop("district", None)
            await message.reply_text("好的，现在在全部地区的文档中查找。")
        else:
            context.chat_data["district"] = name
            await message.reply_text(
                f"好的，这个对话今后只在 <b>{esc(name)}</b> 的文档中查找（重启后依然有效）。"
                "发送 /district all 取消。"
            )

    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/sources — the full passages behind the last answer."""
        record = context.chat_data.get("answers", {}).get(context.chat_data.get("last"))
        if record is None:
            await update.effective_message.reply_text(
                "还没有可以展示的回答。先提一个问题，再用 /sources 查看完整段落。"
            )
            return
        await self.send(update.effective_chat.id, context, render_sources(record))

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text("没有这个命令。/help 查看可用的命令。")

    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice…: say what we can read instead of staying silent."""
        message = update.effective_message
        kind = next(
            (name for attr, name in _NON_TEXT_KINDS if getattr(message, attr, None)), "这类消息"
        )
        await message.reply_text(
            f"我只能读文字问题，看不懂{kind}。请直接用文字提问，例如：{esc(EXAMPLE_QUESTION)}"
        )

    # ------------------------------------------------------------------ questions

    def _ask(self, question: str, district: str | None) -> Answer:
        """Runs in a worker thread; one question at a time through the embedder."""
        with self._engine_lock:
            return self.engine.ask(question, k=self.config.k, district=district)

    async def answer(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, question: str
    ) -> None:
        """Validate, rate-limit, ask off the event loop, remember, reply."""
        message, chat = update.effective_message, update.effective_chat
        problem = question_problem(question)
        if problem:
            await message.reply_text(problem)
            return
        user = update.effective_user
        wait = self.rate.check(user.id if user else chat.id)
        if wait:
            await message.reply_text(
                f"提问太频繁了：每人每分钟最多 {self.config.rate_limit} 个问题。"
                f"请在 {math.ceil(wait)} 秒后再试。"
            )
            return
        with suppress(TelegramError):
            await chat.send_action(ChatAction.TYPING)
        district = context.chat_data.get("district")
        try:
            result = await asyncio.to_thread(self._ask, question.strip(), district)
        except UsageError as exc:
            await message.reply_text(f"没法回答这个问题：{esc(exc)}")
            return
        log.info(
            "answered in chat %s: %d characters, district %s, no_answer=%s, %.0f ms",
            chat.id,
            len(question),
            district or "-",
            result.no_answer,
            result.latency_ms,
        )
        record = answer_record(result)
        record["shown"] = min(self.config.page_size, len(record["passages"]))
        key = self._remember(context.chat_data, record)
        text = render_record(record, self.known, self.docs, record["shown"], district)
        more = (
            _more_button(key, record["shown"])
            if record["shown"] < len(record["passages"])
            else None
        )
        reply_to = message.message_id if chat.type != ChatType.PRIVATE else None
        await self.send(chat.id, context, text, markup=more, reply_to=reply_to)

    @staticmethod
    def _remember(chat_data: dict[str, Any], record: dict[str, Any]) -> str:
        """Keep the last answers (random keys: a stale button never finds someone else's)."""
        answers = chat_data.setdefault("answers", {})
        key = secrets.token_hex(6)
        answers[key] = record
        while len(answers) > KEEP_ANSWERS:
            del answers[next(iter(answers))]
        chat_data["last"] = key
        return key

    async def more(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """「更多结果」: the next page of the remembered answer, or a clear "expired"."""
        query = update.callback_query
        _, key, start_text = (query.data or "::").split(":", 2)
        record = (context.chat_data or {}).get("answers", {}).get(key)
        if record is None or not start_text.isdigit():
            await query.answer(EXPIRED, show_alert=True)
            with suppress(BadRequest):
                await query.edit_message_reply_markup(reply_markup=None)
            return
        start = int(start_text)
        end = min(start + self.config.page_size, len(record["passages"]))
        await query.answer()
        with suppress(BadRequest):  # the button has done its job; the next page has its own
            await query.edit_message_reply_markup(reply_markup=None)
        if start >= end:
            await self.send(update.effective_chat.id, context, "没有更多结果了。")
            return
        record["shown"] = max(record.get("shown", 0), end)
        context.chat_data["last"] = key
        more = _more_button(key, end) if end < len(record["passages"]) else None
        await self.send(
            update.effective_chat.id, context, render_more(record, start, end), markup=more
        )

    async def stale_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Buttons this version does not know (e.g. from an older one) expire politely."""
        await update.callback_query.answer(EXPIRED, show_alert=True)

    async def send(
        self,
        chat_id: int,
        context: ContextTypes.DEFAULT_TYPE,
        text: str,
        *,
        markup: InlineKeyboardMarkup | None = None,
        reply_to: int | None = None,
    ) -> None:
        """Send HTML split under the size limit; the button goes on the last message."""
        parts = split_html(text)
        for number, part in enumerate(parts, start=1):
            await context.bot.send_message(
                chat_id,
                part,
                reply_markup=markup if number == len(parts) else None,
                reply_parameters=(
                    ReplyParameters(reply_to, allow_sending_without_reply=True)
                    if reply_to and number == 1
                    else None
                ),
            )

    # ------------------------------------------------------------------ errors

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log (without message text or token) and apologise, so the chat is never left hanging."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        log.error(
            "error while handling update %s: %s",
            update_id,
            type(error).__name__,
            exc_info=(type(error), error, error.__traceback__) if error else None,
        )
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        if update.callback_query:
            with suppress(TelegramError):
                await update.callback_query.answer()
        try:
            await context.bot.send_message(update.effective_chat.id, APOLOGY)
        except TelegramError as exc:
            log.warning(
                "could not apologise in chat %s: %s", update.effective_chat.id, type(exc).__name__
            )


# ---------------------------------------------------------------------------- running


def build_application(engine: Engine, config: BotConfig) -> Application:
    """The PTB application: API base URL, HTML defaults, persistence, retries, handlers."""
    protect_logs(config.token)
    config.state_path.parent.mkdir(parents=True, exist_ok=True)
    persistence = PicklePersistence(
        config.state_path,
        store_data=PersistenceInput(
            bot_data=False, chat_data=True, user_data=False, callback_data=False
        ),
        update_interval=30,
    )
    bot = QABot(engine, config)
    application = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
            )
        )
        .persistence(persistence)
        .rate_limiter(RetryingRequests())
        .concurrent_updates(8)
        .post_init(bot.post_init)
        .build()
    )
    bot.register(application)
    return application


def webhook_path(url: str) -> str:
    """Listen on the path of the public URL, so a reverse proxy can pass it through unchanged."""
    return urlsplit(url).path.strip("/")


def serve(
    application: Application,
    config: BotConfig,
    stop_signals: Sequence[int] | None = STOP_SIGNALS,
) -> None:
    """Run until stopped: long polling, or PTB's webhook server when a webhook URL is set."""
    try:
        if config.webhook_url:
            log.info("webhook mode: listening on %s:%d", config.listen, config.port)
            application.run_webhook(
                listen=config.listen,
                port=config.port,
                url_path=webhook_path(config.webhook_url),
                webhook_url=config.webhook_url,
                secret_token=config.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
                stop_signals=stop_signals,
            )
        else:
            log.info("polling mode")
            application.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=stop_signals)
    except InvalidToken:
        raise UsageError(
            f"the Bot API rejected {TOKEN_ENV} (unauthorized): check the token with @BotFather"
        ) from None
    except NetworkError as exc:
        raise QabotError(
            f"cannot reach the Telegram Bot API at {urlsplit(config.base_url).netloc} "
            f"({type(exc).__name__}); check the network or {BASE_URL_ENV}"
        ) from None


def run_from_cli(args: argparse.Namespace, settings: Settings) -> int:
    """``qabot telegram``: check the token, load the engine once, then serve."""
    state = (
        Path(args.state)
        if getattr(args, "state", None)
        else settings.index / "telegram-state.pickle"
    )
    config = BotConfig.from_env(
        state,
        allow=getattr(args, "allow", None),
        rate_limit=getattr(args, "rate_limit", None),
        webhook_url=getattr(args, "webhook_url", None),
        listen=getattr(args, "listen", "127.0.0.1"),
        port=getattr(args, "port", 8443),
    )
    protect_logs(config.token)
    engine = Engine.open(settings)
    serve(build_application(engine, config), config)
    return 0


__all__ = [
    "BotConfig",
    "QABot",
    "RetryingRequests",
    "build_application",
    "render_telegram",
    "run_from_cli",
    "serve",
    "split_html",
]
