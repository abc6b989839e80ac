"""Everything the bot says outside an answer, in Chinese and English.

Every reply is in the user's language: English when the user's Telegram is in English
(``language_code``) or the message itself is English, else Chinese. The answers themselves
quote Chinese documents and stay Chinese. Placeholders are filled with ``str.format``;
values that came from users must be escaped by the caller.
"""

from __future__ import annotations

import re

from telegram import User

from qabot.textnorm import is_cjk

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
    "english": (
        "请用中文提问，例如：{example}。/help 查看全部命令。",
        "I answer from Chinese documents, so please ask in Chinese, for example: {example} "
        "/help lists the commands.",
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


def kind_name(lang: str, kind: str | None) -> str:
    """What a non-text message is called ("stickers"), in ``lang``."""
    zh, en = KINDS.get(kind or "", OTHER_KIND)
    return en if lang == "en" else zh
