"""The real bot under Telegram-like load: fairness, nothing lost, nothing misrouted.

Runs the real python-telegram-bot ``Application`` of ``qabot telegram`` (real engine, real
e5-small) against the loopback fake Bot API of the tests, with Telegram-like flood control
(1 message a second per chat, burst 5, 429 with ``retry_after``), and prints a table:

* ``30x5``   — 30 chats ask 5 questions each, all at once;
* ``heavy``  — one user sends 100 questions, then ten others ask one each;
* ``slow``   — three 499-character questions, then ten short ones from ten others;
* ``burst``  — one user sends 15 questions at once (the rate limit allows 10 a minute);
* ``inline`` — one user types a 41-character question in inline mode (a query per keystroke,
  0.1 s apart) while ten others ask one question each;
* ``crash``  — a real ``qabot telegram`` process: ten users send 5 questions each, the process
  is killed with SIGKILL after the first 10 replies and restarted; every question must be
  answered exactly once (``twice``: questions answered more than once).

A question is *delivered* when its chat gets a reply quoting it (the answer, or the rate
limit's "too many questions"; the 「排队中…」 notice does not count), or when it belongs to a
burst over the rate limit whose one refusal was sent (``refused``; ``refusals``: how many
refusal messages). *Wrong chat*: a reply quoting a question of another chat. Reply time: from
sending the question to the reply reaching the server. ``others``: the slowest reply to the
ten other users (target ≤ 3 s). ``/help``: one /help sent 0.2 s into each scenario (target
≤ 1 s).

    python scripts/bench_telegram.py                 # the four load scenarios
    python scripts/bench_telegram.py --scenarios inline,crash
    python scripts/bench_telegram.py --limiter ptb   # the same with PTB's AIORateLimiter

Only loopback traffic; every loop is bounded by ``--timeout``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from qabot.engine import Engine  # noqa: E402
from qabot.telegram import BotConfig  # noqa: E402

from fake_bot_api import (  # noqa: E402
    TOKEN,
    BotThread,
    FakeBotAPI,
    inline_update,
    message_update,
)

QUESTIONS = [
    json.loads(line)["question"]
    for line in (ROOT / "tests" / "data" / "questions.jsonl").read_text("utf-8").splitlines()
    if line.strip()
][:40]
LONG = ("北辰区如何稳定粮食生产，东丽区怎么治理污染，和平区怎样建设健康城区？" * 20)[:499]


class Scenario:
    """Questions pushed to the fake server, and what came back."""

    def __init__(self, name: str, api: FakeBotAPI) -> None:
        self.name, self.api = name, api
        self.asked: dict[tuple[int, int], float] = {}  # (chat, message_id) → sent at
        self.others: set[int] = set()
        self.help_at: tuple[int, float] | None = None
        self.twice = 0
        self.twice_at: list[float] = []  # when the first reply of a question answered twice came
        self.refusals: dict[tuple[int, int], float] = {}  # refusal's quoted question → sent at
        self.note = ""

    def ask(self, user: int, text: str, other: bool = False) -> None:
        update = self.api.push(message_update(text, user_id=user))
        self.asked[(user, update["message"]["message_id"])] = time.monotonic()
        if other:
            self.others.add(user)

    def help(self, user: int) -> None:
        self.api.push(message_update("/help", user_id=user))
        self.help_at = (user, time.monotonic())

    def replies(self) -> tuple[dict[tuple[int, int], float], int]:
        """First reply time per question, and the replies that went to the wrong chat."""
        got: dict[tuple[int, int], float] = {}
        wrong = self.twice = 0
        self.twice_at = []
        self.refusals = {}
        for call in self.api.requests("sendMessage"):
            params = call.params
            quoted = (params.get("reply_parameters") or {}).get("message_id")
            if params.get("_failed") or quoted is None or params["text"].startswith("排队中"):
                continue
            chat = int(params["chat_id"])
            key = (chat, int(quoted))
            if key in self.asked:
                if key in got:
                    self.twice += 1
                    self.twice_at.append(got[key])  # when the first of the two replies came
                got.setdefault(key, call.at)
                if params["text"].startswith("提问太频繁"):
                    self.refusals[key] = call.at
            elif any(m == int(quoted) for _, m in self.asked):
                wrong += 1
        return got, wrong

    def refused(self, got: dict[tuple[int, int], float]) -> set[tuple[int, int]]:
        """Questions of a refused burst: the one its refusal quotes, and the later ones of
        that chat asked before the refusal was sent and not answered (one refusal a burst)."""
        later = {
            key
            for key, asked in self.asked.items()
            for (chat, first), at in self.refusals.items()
            if key[0] == chat and key[1] > first and asked <= at and key not in got
        }
        return set(self.refusals) | later

    def delivered(self) -> int:
        """Questions answered, or refused by their burst's one refusal."""
        got = self.replies()[0]
        return len(set(got) | self.refused(got))

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.delivered() < len(self.asked):
            time.sleep(0.2)

    def row(self) -> dict[str, Any]:
        got, wrong = self.replies()
        refused = self.refused(got)
        times = [at - self.asked[key] for key, at in got.items()]
        others = [at - self.asked[key] for key, at in got.items() if key[0] in self.others]
        help_time = None
        if self.help_at:
            user, at = self.help_at
            sent = [
                c.at for c in self.api.requests("sendMessage") if int(c.params["chat_id"]) == user
            ]
            help_time = sent[0] - at if sent else None
        return {
            "scenario": self.name,
            "delivered": len(set(got) | refused),
            "expected": len(self.asked),
            "refused": len(refused),
            "refusals": len(self.refusals),
            "wrong_chat": wrong,
            "median_s": statistics.median(times) if times else None,
            "max_s": max(times) if times else None,
            "others_max_s": max(others) if others else None,
            "help_s": help_time,
            "twice": self.twice,
            "note": self.note,
        }


def run(name: str, api: FakeBotAPI, timeout: float) -> dict[str, Any]:
    scenario = Scenario(name, api)
    base = {"30x5": 10_000, "heavy": 20_000, "slow": 30_000, "burst": 40_000, "inline": 50_000}[
        name
    ]
    if name == "30x5":
        for round_ in range(5):
            for user in range(base + 1, base + 31):
                scenario.ask(user, QUESTIONS[(user + round_) % len(QUESTIONS)])
    elif name == "heavy":
        for n in range(100):
            scenario.ask(base + 1, QUESTIONS[n % len(QUESTIONS)])
        time.sleep(0.5)
        for user in range(base + 2, base + 12):
            scenario.ask(user, QUESTIONS[user % len(QUESTIONS)], other=True)
    elif name == "slow":
        for user in range(base + 1, base + 4):
            scenario.ask(user, LONG)
        time.sleep(0.1)
        for user in range(base + 4, base + 14):
            scenario.ask(user, QUESTIONS[user % len(QUESTIONS)], other=True)
    elif name == "inline":
        searched = len(api.requests("answerInlineQuery"))
        typed = ("东丽区和和平区怎么治理污染？" * 3)[:41]
        for n in range(1, len(typed) + 1):
            api.push(inline_update(typed[:n], user_id=base + 1))
            if n == 10:
                for user in range(base + 2, base + 12):
                    scenario.ask(user, QUESTIONS[user % len(QUESTIONS)], other=True)
            time.sleep(0.1)
        scenario.wait(timeout)
        time.sleep(2)
        searched = len(api.requests("answerInlineQuery")) - searched
        scenario.note = f"inline: {len(typed)} keystrokes, {searched} searched and answered"
    else:
        for n in range(15):
            scenario.ask(base + 1, QUESTIONS[n % len(QUESTIONS)])
    time.sleep(0.2)
    scenario.help(base + 99)
    scenario.wait(timeout)
    return scenario.row()


def crash(work: Path, timeout: float) -> dict[str, Any]:
    """Kill -9 a real ``qabot telegram`` with 40 questions unanswered, restart it."""
    api = FakeBotAPI(flood_control=(1.0, 5)).start()
    scenario = Scenario("crash", api)
    command = [sys.executable, "-m", "qabot", "telegram", "--docs", str(work / "docs_src")]
    command += ["--index", str(work / "embeddings")]
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "QABOT_STATE_DIR": str(work / "crash-state"),
        "PYTHONPATH": str(ROOT),
    }

    def start() -> subprocess.Popen:
        quiet = subprocess.DEVNULL
        return subprocess.Popen(command, env=env, stdout=quiet, stderr=quiet)

    bot = start()
    try:
        for round_ in range(5):
            for user in range(60_001, 60_011):
                scenario.ask(user, QUESTIONS[(user + round_) % len(QUESTIONS)])
        deadline = time.monotonic() + timeout
        while len(scenario.replies()[0]) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        bot.send_signal(signal.SIGKILL)
        bot.wait(10)
        killed = time.monotonic()
        before = len(scenario.replies()[0])
        restarted = time.monotonic()
        bot = start()
        scenario.wait(timeout)
        done = max(scenario.replies()[0].values()) - restarted
        time.sleep(3)  # anything answered twice would come now
        twice = ", ".join(f"{killed - at:.2f} s" for at in scenario.twice_at)
        scenario.note = (
            f"crash: {before} answered before the kill -9, the rest after the restart; "
            f"restart to last answer {done:.1f} s (model load included)"
            + (f"; answered twice: first replies sent {twice} before the kill" if twice else "")
        )
    finally:
        bot.kill()
        bot.wait(10)
        api.close()
    return scenario.row()


def table(rows: list[dict[str, Any]]) -> str:
    def seconds(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"

    lines = [
        "| scenario | delivered / expected | refused (refusals) | wrong chat | median s | max s "
        "| ten others max s | /help s | twice |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['scenario']} | {r['delivered']} / {r['expected']} "
            f"| {r['refused']} ({r['refusals']}) | {r['wrong_chat']} "
            f"| {seconds(r['median_s'])} | {seconds(r['max_s'])} | {seconds(r['others_max_s'])} "
            f"| {seconds(r['help_s'])} | {r['twice']} |"
        )
    return "\n".join(lines + [r["note"] for r in rows if r["note"]])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="30x5,heavy,slow,burst")
    parser.add_argument("--limiter", choices=("chat", "ptb"), default="chat")
    parser.add_argument("--timeout", type=float, default=240.0, help="per scenario, seconds")
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-telegram-"))
    try:
        shutil.copytree(ROOT / "embeddings", work / "embeddings")
        shutil.copytree(ROOT / "docs_src", work / "docs_src")
        names = args.scenarios.split(",")
        rows = [crash(work, args.timeout) for name in names if name == "crash"]
        names = [name for name in names if name != "crash"]
        engine = Engine.load(work / "embeddings")
        api = FakeBotAPI(flood_control=(1.0, 5)).start()
        config = BotConfig(
            token=TOKEN,
            state_path=work / "state" / "telegram.sqlite3",
            feedback_path=work / "state" / "feedback.sqlite3",
            base_url=api.base_url,
        )
        limiter = None
        if args.limiter == "ptb":
            from telegram.ext import AIORateLimiter

            limiter = AIORateLimiter(max_retries=10)  # PTB's default 0 gives up at once
        if names:
            with BotThread(engine, config, limiter):
                for name in names:
                    rows.append(run(name, api, args.timeout))
                    print(table(rows[-1:]).splitlines()[2], file=sys.stderr, flush=True)
        api.close()
        print(f"limiter: {args.limiter}; flood control 1 msg/s per chat, burst 5\n")
        print(table(rows))
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
