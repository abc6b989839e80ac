"""Telegram HTML: an answer page, a whole paragraph, /sources, /start and /help (Chinese, or
English: an answer record's ``lang``, the user's ``language_code``), and :func:`split_html`
for the 4,096 limit.

Every piece of document or user text goes through :func:`esc`; the only tags are Telegram's
(``b``, ``i``, ``blockquote expandable``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from typing import Any

from qabot.districts import short_form
from qabot.render import CAVEAT, CAVEAT_EN, mark_span, no_answer_text
from qabot.sentences import SENTENCE_STOPS
from qabot.telegram.records import Record, page_passages, pages
from qabot.telegram.texts import generation_notice, names, say
from qabot.types import DocumentInfo
from qabot.validation import MAX_QUESTION_CHARS

# Telegram allows 4,096 characters a message, counted in UTF-16 units after the HTML is
# parsed: tags count nothing, an entity (&amp;) one character. split_html measures the same.
MESSAGE_LIMIT = 4096


def esc(text: object) -> str:
    """Escape for Telegram's HTML parse mode."""
    return html.escape(str(text))


def _passage_block(passage: dict[str, Any]) -> str:
    return (
        f"<b>[{passage['rank']}]</b> {esc(passage['excerpt'])}\n— <i>{esc(passage['citation'])}</i>"
    )


def _answer_block(lines: Sequence[str], span: str | None, lang: str) -> str:
    """The answer line with its value in bold, or a measures list / comparison as bullets."""
    label = say(lang, "answer")
    if len(lines) > 1:
        return label.rstrip() + "\n" + "\n".join(f"• {esc(line)}" for line in lines)
    line = esc(lines[0]) if lines else ""
    return label + mark_span(line, esc(span) if span else None, "<b>", "</b>")


def _generated(record: Record, lang: str) -> str:
    """The model's checked sentences (and, while it writes, that it does), or the notice
    saying why its answer is not shown; the extractive answer follows it."""
    text, notice = record.get("generated"), generation_notice(lang, record)
    if record.get("generating"):
        head = say(lang, "generated_head", model=esc(record["model"]))
        return f"{head}\n{esc(text or '')}<i>{say(lang, 'writing')}</i>"
    if not text:
        return f"<i>{esc(notice)}</i>"
    head = say(lang, "generated_head", model=esc(record["model"]))
    return f"{head}\n{esc(text)}" + (f"\n<i>{esc(notice)}</i>" if notice else "")


def _refusal(record: Record, known: Sequence[str]) -> str:
    """Why the question is refused (the engine's notice, in the question's language) and,
    when passages follow, that they are only the nearest ones."""
    notice = record.get("notice") or no_answer_text(record["districts"], known)
    caveat = CAVEAT if record.get("language", "zh") == "zh" else CAVEAT_EN
    if record["passages"] and caveat.strip() not in notice:
        notice += caveat
    return esc(notice)


def render_page(
    record: Record,
    page: int,
    page_size: int,
    known: Sequence[str],
    topics: Sequence[DocumentInfo] = (),
    district_filter: str | None = None,
    inline: bool = False,
) -> str:
    """One page of an answer: page 0 has the answer itself, later pages only more passages.
    ``inline``: a card sent with inline mode — it names its question and has no buttons."""
    shown = page_passages(record, page, page_size)
    total, lang = pages(record, page_size), record.get("lang", "zh")
    blocks = [say(lang, "asked", question=esc(record["question"]))] if inline else []
    if page == 0:
        if record["districts"]:
            blocks.append(say(lang, "districts", names=esc(names(lang, record["districts"]))))
        if record.get("model"):  # a model was asked (issue 20): its checked text first
            blocks.append(_generated(record, lang))
        if record["no_answer"]:
            blocks.append(_refusal(record, known))
        else:
            # a record saved before answers had lines holds the answer as one line
            lines = record.get("lines", [record["answer"]])
            blocks.append(_answer_block(lines, record.get("span"), lang))
    else:
        first, last = page * page_size + 1, page * page_size + len(shown)
        numbers = f"{first}–{last}" if last > first else f"{first}"
        question, count = esc(record["question"]), len(record["passages"])
        blocks.append(say(lang, "results", question=question, numbers=numbers, total=count))
    blocks.extend(_passage_block(p) for p in shown)
    if page == 0 and record["no_answer"]:
        blocks.append(_suggestions(topics, district_filter, lang))
    if record["passages"] and not inline:
        where = say(lang, "page_of", page=page + 1, total=total) if total > 1 else ""
        blocks.append(say(lang, "footer", where=where))
    return "\n\n".join(blocks)


def _suggestions(topics: Sequence[DocumentInfo], district_filter: str | None, lang: str) -> str:
    lines = [say(lang, "suggest")]
    lines.extend(f"• {esc(doc.label(lang))}" for doc in topics)
    if district_filter:
        lines.append(say(lang, "filtered", district=esc(district_filter)))
    return "\n".join(lines)


def render_paragraph(citation: str, text: str) -> str:
    """A whole source paragraph (「[n] 全文」), with its citation."""
    return f"<i>{esc(citation)}</i>\n<blockquote expandable>{esc(text)}</blockquote>"


def render_sources(
    record: Record, page: int, page_size: int, paragraph: Callable[[dict[str, Any]], str]
) -> str:
    """/sources: the whole paragraphs (``paragraph(passage)``) of the page an answer shows."""
    blocks = [say(record.get("lang", "zh"), "sources", question=esc(record["question"]))]
    for p in page_passages(record, page, page_size):
        blocks.append(f"<b>[{p['rank']}]</b> {render_paragraph(p['citation'], paragraph(p))}")
    return "\n\n".join(blocks)


def render_start(
    docs: Sequence[DocumentInfo], questions: Sequence[str], bot_username: str | None, lang: str
) -> str:
    """/start (and the greeting when added to a group): what the bot knows (the index's
    documents and example ``questions`` about them), how to ask."""
    mention = f" @{esc(bot_username)}" if bot_username else ""
    if lang == "en":
        intro = [
            "<b>Hello! I answer questions from the government documents I hold.</b>",
            "Answers are quoted from the documents, each with its district, speaker, date,",
            "title and paragraph. Please ask in Chinese.",
            "",
            "<b>Districts and documents</b>",
        ]
        examples, how = (
            "<b>Try</b>",
            (
                f"In a private chat just send the question; in a group use /ask or{mention}. "
                "/help lists the commands."
            ),
        )
    else:
        intro = [
            "<b>你好！我根据已收录的政府文档回答问题。</b>",
            "回答只摘录原文，每段摘录都注明出处：地区 · 讲话人 · 日期 · 标题 · 段落。",
            "",
            "<b>已收录的地区和文档</b>",
        ]
        examples = "<b>可以这样问</b>"
        how = (
            f"私聊时直接发送问题即可；在群组里请用 /ask 问题 或{mention} 问题。/help 查看全部命令。"
        )
    return "\n".join(
        [
            *intro,
            *(f"• {esc(d.label(lang))}{say(lang, 'paragraphs', n=d.paragraphs)}" for d in docs),
            "",
            examples,
            *(f"• {esc(q)}" for q in questions),
            "",
            how,
        ]
    )


def _short(district: str) -> str:
    """The short form users may write (北辰区 → 北辰), else the name itself."""
    return short_form(district) or district


def render_help(
    known: Sequence[str], example: str, rate_limit: int, bot_username: str | None, lang: str
) -> str:
    """/help in the user's language (Chinese unless their Telegram is in English)."""
    mention = f"，或 @{esc(bot_username)} 问题" if bot_username else ""
    if lang == "en":
        lines = [
            "<b>How to use</b>",
            f"Private chat: send a question in Chinese, e.g. {esc(example)}",
            "Group: /ask question, or mention me. Reply to an answer to ask a follow-up.",
            "",
            "/ask — ask a question",
            "/district NAME — search one district only (/district all: every district;"
            " group admins only)",
            "/sources — the whole paragraphs behind the newest answer",
            "/forget — delete this chat's stored answers and settings",
            "/start — districts and documents covered",
            "",
            "Under each answer: [n] opens a whole paragraph, ‹ › page, 👍/👎 feedback.",
            f"Districts: {esc(', '.join(known))}. Questions up to {MAX_QUESTION_CHARS} characters.",
        ]
        if rate_limit:
            lines.append(f"At most {rate_limit} questions per person per minute.")
        return "\n".join(lines)
    lines = [
        "<b>用法</b>",
        f"私聊：直接发送问题，例如 {esc(example)}",
        f"群组：/ask 问题{mention}。回复某个回答即可追问"
        + (f"（如「那{esc(_short(known[-1]))}呢？」）" if known else "")
        + "。",
        "",
        "/ask 问题 — 提问",
        "/district 地区 — 只在某个地区的文档中查找（/district all 取消；群组里仅管理员可改）",
        "/sources — 最新回答本页引用的完整段落",
        "/forget — 删除本对话保存的回答和设置",
        "/start — 收录了哪些地区和文档",
        "",
        "回答下方：[n] 全文 查看整段，‹ › 翻页，👍/👎 反馈。",
        f"地区：{esc('、'.join(known))}"
        + (f"（也可以写简称，如 {esc(_short(known[0]))}）" if known else ""),
        f"问题最长 {MAX_QUESTION_CHARS} 字。",
    ]
    if rate_limit:
        lines.append(f"每人每分钟最多 {rate_limit} 个问题。")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- splitting

_TOKEN = re.compile(r"<[^<>]*>|&(?:#\d+|#[xX][0-9a-fA-F]+|\w+);|.", re.S)
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][\w-]*)")
_SENTENCE_END = set(SENTENCE_STOPS)
_CLAUSE_END = set("，、：,:")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def _shown_len(token: str) -> int:
    """What a token adds to a message's length as Telegram counts it (tags: nothing)."""
    if token.startswith("<") and len(token) > 1:
        return 0
    return utf16_len(html.unescape(token) if token.startswith("&") else token)


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


def _best_cut(cuts: dict[int, tuple[int, list[str], int]], limit: int) -> tuple[int, list[str]]:
    """The best boundary: a paragraph break wherever it is; a lesser one only once the message
    is at least half full (a line break right after a long citation left the citation alone
    as a 41-character message); else the best there is."""
    full = {rank: cut for rank, cut in cuts.items() if rank == 0 or cut[2] * 2 >= limit}
    end, stack, _ = (full or cuts)[min(full or cuts)]
    return end, stack


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut Telegram HTML into messages of at most ``limit`` characters as Telegram counts them.

    Cuts at the last paragraph break (a blank line outside any tag) that fits, else at a line
    break, a sentence end, a comma, or between two characters — never inside a tag or an
    entity. Tags open at a cut are closed before it and reopened after it, so each message
    is valid HTML on its own.
    """
    tokens = _TOKEN.findall(text)
    messages: list[str] = []
    start = 0
    carried: list[str] = []  # tags open at the last cut, reopened after it
    while start < len(tokens):
        stack, size = list(carried), 0
        cuts: dict[int, tuple[int, list[str], int]] = {}
        end = start
        while end < len(tokens) and (end == start or size + _shown_len(tokens[end]) <= limit):
            size += _shown_len(tokens[end])
            stack = _after(stack, tokens[end])
            end += 1
            rank = _cut_rank(tokens, end, stack)
            if rank is not None:
                cuts[rank] = (end, stack, size)
        cut, open_tags = (end, stack) if end == len(tokens) or not cuts else _best_cut(cuts, limit)
        body = "".join(carried) + "".join(tokens[start:cut])
        body += "".join(_closing(t) for t in reversed(open_tags))
        if body.strip():
            messages.append(body.strip() if not open_tags else body)
        start, carried = cut, list(open_tags)
        while not carried and start < len(tokens) and tokens[start].isspace():
            start += 1
    return messages
