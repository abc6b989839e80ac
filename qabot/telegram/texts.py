"""Everything the bot says outside an answer, in Chinese and English.

Every reply is in the user's language: English when the user's Telegram is in English
(``language_code``) or the message itself is English, else Chinese — buttons, labels, page
footers, alerts and notices alike (an answer record keeps its ``lang``, so the buttons of an
old answer keep it too). The quoted answers stay in the documents' Chinese. Placeholders are
filled with ``str.format``; values that came from users must be escaped by the caller.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qabot.feedback import REASONS
from qabot.textnorm import is_cjk

if TYPE_CHECKING:  # a type only: rendering needs no python-telegram-bot
    from telegram import User

TEXTS: dict[str, tuple[str, str]] = {
    "empty_question": (
        "请在命令后面写上问题，例如：/ask {example}",
        "Write the question after the command, for example: /ask {example}",
    ),
    "question_too_long": (
        "问题太长了（{length} 字，上限 {limit} 字）。请一次只问一件事，例如：{example}",
        "That question is too long ({length} characters, at most {limit}). Please ask one "
        "thing at a time, for example: {example}",
    ),
    "no_words": (
        "这条消息里没有可以检索的文字（只有符号或表情）。请用文字提问，例如：{example}",
        "There are no words to search for in that message (only symbols or emoji). Please "
        "ask in words, for example: {example}",
    ),
    "not_text": (
        "我只能读文字问题，看不懂{kind}。请直接用文字提问，例如：{example}",
        "I can only read text questions, not {kind}. Please ask in words, for example: {example}",
    ),
    "chitchat": (
        "你好！我根据已收录的政府文档回答问题，每个回答都注明出处。直接发送问题即可，例如："
        "{example}\n/help 查看全部用法。",
        "Hello! I answer questions from the government documents I hold, citing each source. "
        "Just send a question (in Chinese), for example: {example}\n/help shows how to use me.",
    ),
    "unknown_command": (
        "没有这个命令。/help 查看可用的命令。",
        "I don't know that command. /help lists the commands.",
    ),
    "rate_limited": (
        "提问太频繁了：每人每分钟最多 {limit} 个问题，这之后的问题没有回答。请在 {seconds} "
        "秒后再问。",
        "Too many questions: at most {limit} a minute per person; the ones after this were "
        "not answered. Please ask again in {seconds} s.",
    ),
    "queued": ("排队中…", "Queued…"),
    "queued_behind": (
        "排队中…前面还有 {ahead} 个问题，会按顺序回答。",
        "Queued… {ahead} of your questions are ahead of this one; they are answered in order.",
    ),
    "late": (
        "（抱歉回答晚了：这个问题 {minutes} 分钟前收到，机器人中途重启过。）",
        "(Sorry for the delay: this question arrived {minutes} min ago and the bot restarted "
        "meanwhile.)",
    ),
    "read_as": ("按“{question}”回答", "Answered as “{question}”"),
    "cannot_answer": ("没法回答这个问题：{reason}", "I cannot answer that: {reason}"),
    "timed_out": (
        "这个问题花的时间太长，没能及时回答。请换一个更短、更具体的问法再试。",
        "That question took too long to answer. Please try a shorter, more specific one.",
    ),
    "index_unavailable": (
        "索引暂时无法使用，没能回答这个问题。请稍后再试。",
        "The index is unavailable just now, so I could not answer. Please try again later.",
    ),
    "apology": (
        "抱歉，处理这条消息时出错了。请稍后再试，或换个问法。",
        "Sorry, something went wrong with that message. Please try again later, or rephrase.",
    ),
    "no_sources": (
        "还没有可以展示的回答。先提一个问题，再用 /sources 查看完整段落。",
        "There is no answer to show yet. Ask a question first, then /sources shows its "
        "whole paragraphs.",
    ),
    "forgotten": (
        "已删除这个对话保存的 {count} 个回答和设置。之前回答下方的按钮将不再可用。",
        "Deleted this chat's {count} stored answers and its settings. The buttons under "
        "earlier answers no longer work.",
    ),
    "admins_only_forget": (
        "在群组里只有管理员可以删除记录。",
        "In a group only its administrators can delete what is stored.",
    ),
    # /district
    "district_now": (
        "当前查找范围：{current}。\n用法：/district 北辰区\n{choices}",
        "Searching: {current}.\nUsage: /district Beichen\n{choices}",
    ),
    "every_district": ("全部地区", "every district"),
    "district_choices": ("可选：{names}，或 all（全部地区）。", "Choices: {names}, or all."),
    "admins_only_district": (
        "在群组里只有管理员可以修改查找范围。",
        "In a group only its administrators can change where I search.",
    ),
    "unknown_district": (
        "不认识这个地区：{value}。\n{choices}",
        "I don't know that district: {value}.\n{choices}",
    ),
    "district_all": (
        "好的，现在在全部地区的文档中查找。",
        "OK: I now search the documents of every district.",
    ),
    "district_set": (
        "好的，这个对话今后只在 <b>{name}</b> 的文档中查找（重启后依然有效）。"
        "发送 /district all 取消。",
        "OK: this chat now searches only the documents of <b>{name}</b> (kept across "
        "restarts). Send /district all to undo.",
    ),
    # an answer page, its buttons and its footer
    "asked": ("<b>问：{question}</b>", "<b>Q: {question}</b>"),
    "districts": ("<i>地区：{names}</i>", "<i>Districts: {names}</i>"),
    "answer": ("<b>答：</b>", "<b>Answer:</b> "),
    "results": (
        "<i>「{question}」的第 {numbers} 条结果（共 {total} 条）</i>",
        "<i>Results {numbers} of {total} for “{question}”</i>",
    ),
    "page_of": ("第 {page}/{total} 页 · ", "Page {page}/{total} · "),
    "footer": (
        "<i>{where}点 [n] 全文 看整段，/sources 看本页全部段落</i>",
        "<i>{where}[n] Full text: the whole paragraph; /sources: all of this page's</i>",
    ),
    "suggest": (
        "<b>可以问这些地区和主题：</b>",
        "<b>You can ask about these districts and topics:</b>",
    ),
    "filtered": (
        "当前只在 {district} 中查找；发送 /district all 查全部地区。",
        "Searching {district} only; send /district all to search every district.",
    ),
    "sources": (
        "<b>完整段落</b>（问题：{question}）",
        "<b>Whole paragraphs</b> (question: {question})",
    ),
    "whole": ("[{n}] 全文", "[{n}] Full text"),
    "more": ("更多结果 ›", "More results ›"),
    "previous": ("‹ 上一页", "‹ Previous"),
    "next": ("下一页 ›", "Next ›"),
    # button alerts, inline cards, the allow-list
    "expired": (
        "这个结果已经过期了（回答只保留一段时间）。请重新提问。",
        "This result has expired (answers are kept for a while only). Please ask again.",
    ),
    "thanks_up": ("谢谢反馈！", "Thanks for the feedback!"),
    "thanks_down": ("哪里不对？请选一个原因。", "What was wrong? Please pick a reason."),
    "reason_noted": ("谢谢，已记下：{reason}", "Thanks, noted: {reason}"),
    "card_answer": ("答：", "A: "),
    "card_none": ("没有找到", "Not found: "),
    "card_none_detail": (
        "文档中没有找到能回答这个问题的内容",
        "The documents do not answer this question",
    ),
    "invite_only": (
        "抱歉，这个机器人目前只对受邀用户开放。{who}如需使用，请联系机器人的管理员。",
        "Sorry, this bot is open to invited users only. {who}Ask its administrator for access.",
    ),
    "your_id": ("你的用户 ID 是 <code>{id}</code>，", "Your user id is <code>{id}</code>. "),
    # documents, for administrators (telegram/documents.py)
    "admins_only_add": ("只有管理员可以添加文档。", "Only administrators can add documents."),
    "admins_only_remove": ("只有管理员可以删除文档。", "Only administrators can remove documents."),
    "too_big": ("文件超过 20 MB，无法添加。", "The file is over 20 MB: it cannot be added."),
    "no_download": ("无法下载文件：{error}", "Could not download the file: {error}"),
    "indexing": ("正在建立索引，请稍候…", "Indexing, please wait…"),
    "remove_usage": ("用法：/remove 文档ID（见 /documents）", "Usage: /remove ID (see /documents)"),
    "chunks": ("（{chunks} 片段）", " ({chunks} chunks)"),
    "paragraphs": ("（{n} 段）", " ({n} paragraphs)"),
    "no_documents": ("还没有文档。", "There are no documents yet."),
    "not_done": ("未能完成：{error}", "Not done: {error}"),
    "added": ("已加入", "Added"),
    "replaced": ("已替换", "Replaced"),
    "removed": ("已删除", "Removed"),
    "no_district": ("未识别地区", "district not recognised"),
    "document_size": (
        "段落 {paragraphs}，片段 {chunks}",
        "{paragraphs} paragraphs, {chunks} chunks",
    ),
    # generated answers (telegram/generated.py)
    "generated_head": (
        "<b>模型回答</b>（{model}，已逐句核对引用）：",
        "<b>Model answer</b> ({model}, each sentence checked against its source):",
    ),
    "writing": ("（正在生成…）", " (writing…)"),
    "generation_failed": (
        "模型回答出错，以下是摘录的答案。",
        "The model's answer could not be used ({status}); the quoted answer follows.",
    ),
    "generation_partial": (
        "模型回答出错，只显示已核对的部分。",
        "The model's answer broke off ({status}); only its checked part is shown.",
    ),
    "generation_dropped": (
        "删去了{count}句无法在引用段落中核对的句子。",
        "{count} sentence(s) that could not be checked against the passages were removed.",
    ),
}
REASONS_EN = {
    "off_topic": "Off topic",
    "wrong_district": "Wrong district",
    "missed": "In the documents but not found",
    "other": "Other",
}
KINDS = {
    "sticker": ("贴纸", "stickers"),
    "animation": ("动图", "GIFs"),
    "photo": ("图片", "photos"),
    "video": ("视频", "videos"),
    "video_note": ("视频消息", "video messages"),
    "voice": ("语音", "voice messages"),
    "audio": ("音频", "audio"),
    "document": ("文件", "files"),
    "location": ("位置", "locations"),
    "contact": ("联系人", "contacts"),
    "poll": ("投票", "polls"),
    "dice": ("骰子", "dice"),
}
OTHER_KIND = ("这类消息", "this kind of message")


def language(user: User | None, text: str = "") -> str:
    """``en`` for users whose Telegram is in English or who wrote English, else ``zh``."""
    if text and not any(map(is_cjk, text)) and re.search(r"[A-Za-z]{2}", text):
        return "en"
    code = (user.language_code or "") if user else ""
    return "en" if code.lower().startswith("en") else "zh"


def say(lang: str, key: str, **values: object) -> str:
    """The text ``key`` in ``lang`` (``zh`` or ``en``), placeholders filled."""
    zh, en = TEXTS[key]
    return (en if lang == "en" else zh).format(**values)


def reason_label(lang: str, code: str) -> str:
    """The label of the 👎 reason ``code`` in ``lang``."""
    return REASONS_EN[code] if lang == "en" else REASONS[code]


def names(lang: str, items: list[str] | tuple[str, ...]) -> str:
    """A list of names as the language writes one (「北辰区、东丽区」, "北辰区, 东丽区")."""
    return (", " if lang == "en" else "、").join(items)


def generation_notice(lang: str, record: dict[str, object]) -> str:
    """Why a model's answer is not (wholly) shown: the generator's own notice in Chinese,
    the same facts in English."""
    status, notice = (
        str(record.get("generated_status") or "ok"),
        str(record.get("generated_notice") or ""),
    )
    if lang == "zh" and (notice or status == "ok"):
        return notice
    if status == "ok":
        dropped = record.get("generated_dropped") or 0
        return say(lang, "generation_dropped", count=dropped) if dropped else ""
    key = "generation_partial" if record.get("generated") else "generation_failed"
    return say(lang, key, status=status.replace("_", " "))


def kind_name(lang: str, kind: str | None) -> str:
    """What a non-text message is called ("stickers"), in ``lang``."""
    zh, en = KINDS.get(kind or "", OTHER_KIND)
    return en if lang == "en" else zh
