"""The command-line contract on a copy of the shipped index: ``main([...])`` in this process
(the ``cli`` fixture: exit code, stdout, stderr), and ``python -m qabot`` as a real process
for what only a process shows."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from qabot.settings import Settings

from conftest import CliRun, run_qabot, small_corpus

CONTRACT_KEYS = {"id", "question", "districts", "no_answer", "answer", "passages", "latency_ms"}
AskJson = Callable[..., dict]  # ask_json("question", *flags): the parsed --json answer
PASSAGE_KEYS = {
    "rank",
    "score",
    "chunk_id",
    "doc_id",
    "title",
    "district",
    "speaker",
    "role",
    "date",
    "paragraph",
    "text",
    "excerpt",
}


@pytest.fixture(scope="module")
def env(shipped: Settings) -> dict[str, str]:
    return {"QABOT_DOCS": str(shipped.docs), "QABOT_INDEX": str(shipped.index)}


@pytest.fixture
def ask_json(cli: CliRun, env: dict[str, str]) -> AskJson:
    def ask(*args: str) -> dict:
        result = cli("ask", *args, "--json", env=env)
        assert result.code == 0, result.err
        return json.loads(result.out)

    return ask


def test_the_readme_question_is_answered_cited_and_attributed(ask_json: AskJson) -> None:
    answer = ask_json("北辰区种了多少亩春小麦？")
    assert CONTRACT_KEYS - {"id"} <= set(answer)
    assert answer["districts"] == ["北辰区"] and answer["no_answer"] is False
    assert "种植春小麦6550亩" in answer["answer"] and answer["answer"].endswith("[1]")
    top = answer["passages"][0]
    assert set(top) >= PASSAGE_KEYS
    assert "种植春小麦6550亩" in top["text"] and "种植春小麦6550亩" in top["excerpt"]
    assert len(top["excerpt"]) < len(top["text"])
    assert (top["district"], top["speaker"], top["role"], top["date"]) == (
        "北辰区",
        "冯卫华",
        "区委书记",
        "2020",
    )
    assert top["chunk_id"] == "beichen-2020#p9" and top["paragraph"] == 9 and top["rank"] == 1
    assert len(answer["passages"]) == 5
    assert all(p["district"] == "北辰区" for p in answer["passages"])


def test_terminal_output_quotes_and_cites(cli: CliRun, env: dict[str, str]) -> None:
    result = cli("ask", "北辰区种了多少亩春小麦？", "--k", "2", env=env)
    assert result.code == 0
    assert "种植春小麦6550亩" in result.out
    assert "北辰区（天津市） · 区委书记 冯卫华 · 2020" in result.out and "第9段" in result.out


def test_short_and_traditional_district_names_and_the_district_flag(ask_json: AskJson) -> None:
    traditional = ask_json("東麗區如何推行「小巷管家」？", "--k", "3")
    assert traditional["districts"] == ["东丽区"]
    assert all(p["district"] == "东丽区" for p in traditional["passages"])
    flagged = ask_json("垃圾分类怎么做？", "--district", "和平", "--k", "3")
    assert flagged["districts"] == ["和平区"] and {p["district"] for p in flagged["passages"]} == {
        "和平区"
    }


def test_a_comparison_gets_passages_from_each_district(ask_json: AskJson) -> None:
    answer = ask_json("北辰和东丽在生态环境保护方面各做了什么？", "--k", "4")
    assert answer["districts"] == ["北辰区", "东丽区"]
    assert [p["district"] for p in answer["passages"][:2]] == ["北辰区", "东丽区"]
    assert answer["no_answer"] is False
    assert "[1]" in answer["answer"] and "[2]" in answer["answer"]
    both_uncovered = ask_json("北辰区和东丽区的GDP各是多少？")
    assert both_uncovered["no_answer"] is True


def test_an_uncovered_question_is_refused_but_lists_passages(
    cli: CliRun, env: dict[str, str], ask_json: AskJson
) -> None:
    answer = ask_json("东丽区常住人口有多少？", "--k", "3")
    assert answer["no_answer"] is True and answer["answer"] == ""
    assert len(answer["passages"]) == 3
    text = cli("ask", "东丽区常住人口有多少？", env=env).out
    assert "没有找到" in text


def test_batch_mode_and_python_dash_m(cli: CliRun, env: dict[str, str], tmp_path: Path) -> None:
    batch = tmp_path / "questions.jsonl"
    batch.write_text(
        "\n".join(
            [
                json.dumps({"id": "a", "question": "北辰区种了多少亩春小麦？"}, ensure_ascii=False),
                "{not json",
                json.dumps({"id": "c", "question": "   "}, ensure_ascii=False),
                json.dumps(
                    {"id": "d", "question": "垃圾分类怎么做？", "district": "火星区"},
                    ensure_ascii=False,
                ),
                "",
                json.dumps(
                    {"id": "e", "question": "小巷管家是什么？", "district": "东丽"},
                    ensure_ascii=False,
                ),
            ]
        ),
        encoding="utf-8",
    )
    result = cli("ask", "--batch", str(batch), "--k", "2", "--json", env=env)
    assert result.code == 0, result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert [row.get("id") for row in rows] == ["a", None, "c", "d", "e"]
    assert "6550亩" in rows[0]["passages"][0]["text"]
    assert rows[1]["error"].startswith("line 2: not valid JSON")
    assert "line 3: empty question" in rows[2]["error"]
    assert "unknown district '火星区'" in rows[3]["error"] and "北辰区" in rows[3]["error"]
    assert rows[4]["districts"] == ["东丽区"] and len(rows[4]["passages"]) == 2
    assert "Traceback" not in result.err

    # stdin piped into a real ``python -m qabot``
    piped = run_qabot(
        "ask",
        "--batch",
        "-",
        "--json",
        env=env,
        stdin='{"question": "宝坻区地区生产总值增长目标是多少？"}\n',
    )
    assert piped.returncode == 0 and json.loads(piped.stdout)["passages"][0]["district"] == "宝坻区"


def test_an_unknown_district_is_a_usage_error_naming_the_known_ones(
    cli: CliRun, env: dict[str, str]
) -> None:
    """The one usage error that needs the index (its districts); the others are checked in
    process, without the model, in test_cli_usage.py."""
    result = cli("ask", "垃圾分类", "--district", "朝阳区", env=env)
    assert result.code == 2, result.err
    assert "unknown district '朝阳区'; known districts: 北辰区、和平区" in result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1


def test_index_problems_exit_3(cli: CliRun, tmp_path: Path, shipped: Settings) -> None:
    missing = cli(
        "ask", "问题", "--docs", str(tmp_path / "nodocs"), "--index", str(tmp_path / "noindex")
    )
    assert missing.code == 3 and "no index" in missing.err

    broken = tmp_path / "broken"
    shutil.copytree(shipped.index, broken)
    manifest = json.loads((broken / "manifest.json").read_text(encoding="utf-8"))
    (broken / manifest["files"]["dense"]).write_bytes(b"\x00" * 10)
    corrupt = cli("ask", "问题", "--docs", str(shipped.docs), "--index", str(broken))
    assert corrupt.code == 3 and "corrupt" in corrupt.err and "qabot index" in corrupt.err
    assert "Traceback" not in corrupt.err

    no_docs = cli("index", "--docs", str(tmp_path / "nodocs"), "--index", str(tmp_path / "i"))
    assert no_docs.code == 3 and "does not exist" in no_docs.err


def test_ask_builds_the_index_when_there_is_none(cli: CliRun, tmp_path: Path) -> None:
    docs = small_corpus(tmp_path / "docs", paragraphs=2)
    (docs / "bad.txt").write_bytes(b"\xff\xfe\x00\x01" * 50)
    index = tmp_path / "index"
    result = cli(
        "ask", "东丽区在哪两个街道试点？", "--json", "--docs", str(docs), "--index", str(index)
    )
    assert result.code == 0, result.err
    assert (index / "manifest.json").exists()
    answer = json.loads(result.out)
    assert any("万新、军粮城两个街道" in p["text"] for p in answer["passages"])
    assert "bad.txt: not UTF-8" in result.err  # reported, and the rest indexed

    report = cli("index", "--json", "--docs", str(docs), "--index", str(index))
    assert report.code == 0
    assert json.loads(report.out)["embedded"] == 0


def test_a_quoted_phrase_is_taken_literally(ask_json: AskJson) -> None:
    answer = ask_json("哪位区委书记提出“产业第一、企业家老大”的理念？", "--k", "3")
    assert answer["no_answer"] is False
    top = answer["passages"][0]
    assert "产业第一、企业家老大" in top["text"] and top["speaker"] == "冯卫华"
