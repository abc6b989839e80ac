"""Print a real conversation with the bot, for docs/telegram.md.

The real bot (real engine on the shipped index) against the loopback fake Bot API of the
tests: /start, a question, 「更多结果 ›」, 👎 and a reason, /district, and a follow-up by
reply (「那东丽呢？」).
Each bot message is shown as the app would show it (bold as **…**, other HTML tags removed)
with its buttons; edits are shown as edits. Only loopback traffic.

    python scripts/telegram_transcript.py > /tmp/transcript.txt
"""

from __future__ import annotations

import html
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from qabot.engine import Engine  # noqa: E402
from qabot.telegram import BotConfig  # noqa: E402

from fake_bot_api import TOKEN, BotThread, FakeBotAPI, callback_update, message_update  # noqa: E402

CHAT = 1001


WIDTH = 64  # characters a line, as a phone shows them roughly


def show(who: str, text: str, markup: dict[str, Any] | None = None) -> None:
    print(f"── {who} " + "─" * (40 - len(who)))
    text = re.sub(r"</?b>", "**", text)
    for line in html.unescape(re.sub(r"<[^>]+>", "", text)).splitlines():
        print(line if len(line) <= WIDTH else line[: WIDTH - 1] + "…")
    rows = (markup or {}).get("inline_keyboard", [])
    for row in rows:
        print("   " + "  ".join(f"[ {b['text']} ]" for b in row))
    print()


def button(message: dict[str, Any], label: str) -> str:
    rows = message["reply_markup"]["inline_keyboard"]
    return next(b["callback_data"] for row in rows for b in row if b["text"].startswith(label))


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="transcript-"))
    try:
        shutil.copytree(ROOT / "embeddings", work / "embeddings")
        api = FakeBotAPI().start()
        config = BotConfig(
            token=TOKEN,
            state_path=work / "telegram.sqlite3",
            feedback_path=work / "feedback.sqlite3",
            base_url=api.base_url,
        )
        with BotThread(Engine.load(work / "embeddings"), config):

            def say(text: str, **extra: Any) -> dict[str, Any]:
                count = len(api.sent(CHAT))
                show("你", text)
                api.push(message_update(text, user_id=CHAT, **extra))
                reply = api.wait_sent(CHAT, count + 1)[-1]
                show("区政文档问答", reply["text"], reply.get("reply_markup"))
                return reply

            def press(message: dict[str, Any], label: str) -> None:
                before = api.shown(CHAT, message["_message_id"])
                print(f"   (你点「{label}」)\n")
                api.push(callback_update(button({**message, **before}, label), message))
                after = api.wait_for(
                    lambda a: (
                        a.shown(CHAT, message["_message_id"]) != before
                        and a.shown(CHAT, message["_message_id"])
                    )
                )
                same = after["text"] == before["text"]
                text = "（文字不变，按钮变了）" if same else after["text"]
                show("区政文档问答（同一条消息，已编辑）", text, after["reply_markup"])

            say("/start")
            answer = say("北辰区种了多少亩春小麦？")
            press(answer, "更多结果")
            press(answer, "👎")
            press(answer, "找错地区")
            say("/district 东丽")
            say("/district all")
            topic = say("和平区怎么治理污染？")
            say("那东丽呢？", reply_to=topic)
            say("是谁介绍东丽区把创新作为发展第一动力的？")
        api.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
