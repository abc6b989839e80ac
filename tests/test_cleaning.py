"""Each cleaning rule, checked on the real seed documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from qabot.cleaning import (
    boilerplate_reason,
    clean_text,
    repair_mojibake,
    strip_pinyin,
    strip_watermarks,
)
from qabot.corpus import parse_document
from qabot.districts import Gazetteer

DOCS = Path(__file__).resolve().parent.parent / "docs_src"


def lines_of(name: str) -> list[str]:
    return (DOCS / name).read_text(encoding="utf-8").splitlines()


BEICHEN = lines_of("beichen-2020-interview.txt")


def test_pinyin_annotations_are_removed_and_text_simplified() -> None:
    assert "高質(zhì)量" in BEICHEN[0]
    cleaned = clean_text(BEICHEN[0])
    assert cleaned.startswith("2020年是我市全面建成高质量小康社会的收官之年")
    assert "(" not in cleaned and "zhì" not in cleaned
    assert "冯卫华" in cleaned  # 馮衛(wèi)華 → 冯卫华


def test_pinyin_rule_leaves_ordinary_parentheses_alone() -> None:
    assert strip_pinyin("质(zhì)量") == "质量"
    assert strip_pinyin("通村(组)路，日本SMC(中国)") == "通村(组)路，日本SMC(中国)"


def test_gbk_byte_shift_mojibake_is_repaired() -> None:
    raw = next(line for line in BEICHEN if "??箵粢咔槠陂g" in line)
    cleaned = clean_text(raw)
    assert "击疫情期间" in cleaned
    assert "?" not in cleaned and "\ufffd" not in cleaned
    assert repair_mojibake("水平?箵粢咔槠陂g") == "水平擊疫情期間"


@pytest.mark.parametrize("marker", ["?;r(nóng)", "?jīng)_"])
def test_unrepairable_mojibake_leaves_no_debris(marker: str) -> None:
    raw = next(line for line in BEICHEN if marker in line)
    cleaned = clean_text(raw)
    for debris in ("?", ";", "_", "jīng", "nóng", "\ufffd"):
        assert debris not in cleaned


def test_full_document_has_no_mojibake_or_pinyin_left() -> None:
    doc = parse_document(DOCS / "beichen-2020-interview.txt", Gazetteer())
    text = "".join(p.text for p in doc.body)
    for debris in ("?", "\ufffd", "(zh", "(yè", "(qū"):
        assert debris not in text


def test_watermarks_are_removed() -> None:
    assert strip_watermarks("加快产业发展(www.daowen.com)，推动") == "加快产业发展，推动"
    assert clean_text("加快产业发展（www.daowen.com）。") == "加快产业发展。"
    assert clean_text("详见 http://www.example.gov.cn/a/b.html 。") == "详见。"


@pytest.mark.parametrize(
    ("name", "line", "reason"),
    [
        ("jinhaihu-2017-article.txt", 1, "breadcrumb"),
        ("jinhaihu-2017-article.txt", 3, "page meta"),
        ("jinhaihu-2017-article.txt", 4, "photo caption"),
        ("jinhaihu-2017-article.txt", 37, "comments"),
        ("jinhaihu-2017-article.txt", 38, "comments"),
        ("jinhaihu-2017-article.txt", 39, "comments"),
        ("jinhaihu-2017-article.txt", 41, "comments"),
        ("jinhaihu-2017-article.txt", 42, "comments"),
        ("jinhaihu-2017-article.txt", 43, "comments"),
        ("baodi-2021-work-report.txt", 5, "page meta"),
        ("baodi-2021-work-report.txt", 6, "summary"),
        ("baodi-2021-work-report.txt", 64, "disclaimer"),
        ("baodi-2021-work-report.txt", 66, "disclaimer"),
        ("beichen-2020-interview.txt", 25, "editor"),
    ],
)
def test_page_chrome_lines_are_recognised(name: str, line: int, reason: str) -> None:
    assert boilerplate_reason(lines_of(name)[line - 1]) == reason


def test_content_lines_are_not_taken_for_chrome() -> None:
    for name in ("beichen-2020-interview.txt", "dongli-interview.txt", "heping-2019-interview.txt"):
        for line in lines_of(name):
            if len(line.strip()) > 100:
                assert boilerplate_reason(line) is None, line[:40]


def test_duplicated_titles_and_bylines_are_dropped() -> None:
    baodi = parse_document(DOCS / "baodi-2021-work-report.txt", Gazetteer())
    titles = [p for p in baodi.paragraphs if p.skipped_because == "title"]
    assert [p.line for p in titles] == [1, 3, 8]
    assert baodi.title == "全力以赴迎接十四五开局 年初工作全面"
    heping = parse_document(DOCS / "heping-2019-interview.txt", Gazetteer())
    assert any(p.skipped_because == "byline" and p.text == "时绍祥" for p in heping.paragraphs)
    assert all(p.text != "时绍祥" for p in heping.body)


def test_real_semicolons_between_clauses_stay() -> None:
    text = "地区生产总值同比增长7%;一般公共预算收入增长26%;完善公共服务配套设施;用足用好中关村政策"
    assert clean_text(text) == text


def test_gbk_repair_keeps_the_full_stop_and_marks_what_is_lost() -> None:
    assert clean_text("衛(wèi)生水平??箵粢咔槠陂g,我們") == "卫生水平。抗击疫情期间,我们"
    assert clean_text("一線??梢哉f,我們") == "一线。可以说,我们"
    # Unrecoverable: marked with □ instead of gluing the neighbours together.
    assert clean_text("受到?jīng)_擊,但") == "受到□击,但"
    assert clean_text("發(fā)展規(guī)?;r(nóng)業(yè)、") == "发展规□业、"
