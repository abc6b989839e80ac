"""The typed answer: lines with their passage, span and district; overlapping pieces of one
paragraph shown once by every front end (fast layer, on tiny engines)."""

from __future__ import annotations

from qabot.engine import Engine
from qabot.render import render_terminal, shown_passages
from qabot.telegram.records import answer_record
from qabot.web.schemas import AnswerBody

from conftest import TINY_CHUNKS, make_chunk, tiny_engine

# One long paragraph cut in two pieces that repeat a sentence, as the chunker does.
PIECES = (
    make_chunk("beichen", 1, "北辰区种植春小麦6550亩，扩大春播面积。", "北辰区"),
    make_chunk("beichen", 3, "北辰区推进垃圾分类。春小麦长势良好。", "北辰区", part=1),
    make_chunk("beichen", 3, "春小麦长势良好。北辰区春小麦亩产提高。", "北辰区", part=2),
    *(make_chunk(*row) for row in TINY_CHUNKS[2:]),
)


def test_the_answer_string_is_its_lines_joined(tiny: Engine) -> None:
    answer = tiny.ask("北辰区和东丽区的生态环境建设有什么不同？")
    assert answer.answer == "\n".join(line.render() for line in answer.lines)
    assert [line.district for line in answer.lines] == ["北辰区", "东丽区"]
    cited = [line for line in answer.lines if line.passage]
    texts = [p.chunk.text for p in answer.passages]
    assert cited and all(line.text in texts[line.passage - 1] for line in cited)


def test_a_typed_line_carries_its_span(tiny: Engine) -> None:
    answer = tiny.ask("北辰区种了多少亩春小麦？")
    (line,) = answer.lines
    assert line.span == answer.answer_span and line.span.text == "6550亩"
    assert AnswerBody.model_validate(answer.to_dict()).lines[0].span.text == "6550亩"


def test_pieces_of_one_paragraph_are_merged_everywhere() -> None:
    answer = tiny_engine(PIECES).ask("北辰区春小麦长势", k=5)
    pieces = [p for p in answer.passages if p.chunk.paragraph == 3]
    assert len(pieces) == 2 and pieces[1].merged_into == pieces[0].rank
    shown, number = shown_passages(answer)
    assert [p.rank for p in shown] == [p.rank for p in answer.passages if p.shown]
    assert number[pieces[1].rank] == number[pieces[0].rank]
    assert sorted(number[p.rank] for p in shown) == list(range(1, len(shown) + 1))
    text = render_terminal(answer, [])
    assert text.count("春小麦长势良好") == 1 + answer.answer.count("春小麦长势良好")
    record = answer_record(answer)
    assert len(record["passages"]) == len(shown)
    assert [p["rank"] for p in record["passages"]] == list(range(1, len(shown) + 1))
