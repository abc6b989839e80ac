"""Conversation acts (greetings, thanks, "what can you do") get the help reply, never a
passage; every refusal says why; the answer object carries the question's language."""

from __future__ import annotations

import pytest

from qabot.conversation import aside, conversation_act, expand, phrases, within
from qabot.engine import Engine
from qabot.lexicon import load_data


@pytest.mark.parametrize(
    ("text", "act"),
    [
        ("你好", "greeting"),
        ("您好！", "greeting"),
        ("在吗", "greeting"),
        ("谢谢啦", "thanks"),
        ("谢谢你，帮了大忙！", "thanks"),
        ("Thanks a lot, that was helpful.", "thanks"),
        ("你都能回答哪些问题？", "help"),
        ("太感谢了!!", "thanks"),
        ("再见~", "goodbye"),
        ("再见，下次再来问你", "goodbye"),
        ("好的，回头再问", "goodbye"),
        ("好的 明白了", "acknowledge"),
        ("你是谁？", "help"),
        ("你好，你能做什么？", "help"),  # several acts: the most useful reply
        ("Hi there", "greeting"),
        ("Thanks!", "thanks"),
        ("hello, what can you do", "help"),
        ("How do I use this?", "help"),
        ("ＨＥＬＰ", "help"),  # full-width
        ("你都能帮我干些啥", "help"),  # written by a template: {你|你都|…}{能|…}{帮我|…}…
        ("你可以查点什么？", "help"),
        ("What else can you help me with?", "help"),
        ("你是用什么做出来的？", "help"),  # what the bot is made of, what it cannot do
        ("你是用什么做出来的？人工智能吗？", "help"),  # and asks if it is AI (batch ai)
        ("你有什么回答不了的问题吗", "help"),
        ("what are you good at, and is there anything you can't help with?", "help"),
        ("What are you made of?", "help"),
        ("What are you able to help me with?", "help"),
        # how to word a question, its object a pronoun (batch an)
        ("What kinds of questions can I ask you, and how should I word them?", "help"),
        # a chat's lengthened words and slips, its slang; small talk, a wish (written for the
        # conversation table, not from a batch)
        ("hellooo", "greeting"),
        ("heyy, is anybody here?", "greeting"),
        ("泥嚎", "greeting"),
        ("蟹蟹", "thanks"),
        ("thnaks, I really appreciate it", "thanks"),
        ("好的，那我先下线了", "goodbye"),
        ("gotta go, ttyl", "goodbye"),
        ("yep, noted", "acknowledge"),
        ("回答太长了", "complaint"),
        ("that makes no sense", "complaint"),
        ("能给我举几个可以问的例子吗", "help"),
        ("Can you give me some example questions?", "help"),
        ("新年快乐！", "smalltalk"),
        ("今天好累啊", "smalltalk"),
        ("I'm bored", "smalltalk"),
        # a filler longer than the phrase it starts with: your is not yo (a greeting) + ur
        ("Thank you very much for your patient answers, I really appreciate it", "thanks"),
        # filler words between the phrases carry no request
        ("谢谢你的帮助！", "thanks"),
        ("Thanks so much for your help!", "thanks"),
        ("你好，请问你能回答什么类型的问题", "help"),
        ("Good morning! How are you?", "greeting"),
        ("好的，谢谢，今天就到这", "thanks"),
        ("多谢多谢，挺有用的", "thanks"),
        ("你能帮我查哪些东西啊", "help"),
        # written after reading the batch p001–p150 (docs/evaluation.md)
        ("谢谢你的解答，很清楚", "thanks"),
        ("你能回答哪方面的问题？", "help"),
        ("Thank you so much, that really helped.", "thanks"),
        # how to ask for a good answer: the Chinese of "how should I ask to get the best answers"
        ("我应该怎样提问，才能得到想要的答案？", "help"),
        ("怎么问才能问到更准的结果", "help"),
        # asides a resident types in a chat: praise, complaints, leaving, laughing
        ("你真聪明", "praise"),
        ("谢谢啦，你太棒了", "praise"),
        ("Good bot!", "praise"),
        ("你好笨啊", "complaint"),
        ("bad bot", "complaint"),
        ("答非所问", "complaint"),
        ("88", "goodbye"),
        ("没事了，拜拜", "goodbye"),
        ("我没有其他问题了", "goodbye"),
        ("哈哈哈", "acknowledge"),
        ("thanx", "thanks"),
        ("有人吗？", "greeting"),
        ("Can you speak Chinese?", "help"),
        ("请介绍一下你们的服务", "help"),
        ("可以举个例子吗", "help"),
        # written after reading the batch o001–o150 (docs/evaluation.md)
        ("感谢感谢，回答得很到位", "thanks"),
        ("行 那我明天再来问", "goodbye"),
        ("拜拜 明天见", "goodbye"),  # batch m, read after its first contact
        ("你是哪家公司做的？", "help"),
        # probed before batch b was read: a user trying the bot out, apologising, asking who
        # runs it; a lone interjection (哎) was answered with a passage
        ("测试", "greeting"),
        ("/start", "help"),
        ("Are you a human?", "help"),
        ("你们这是官方的吗", "help"),
        ("不好意思打扰一下", "greeting"),
        ("Much obliged", "thanks"),
        ("不好意思，发错了", "acknowledge"),
        ("Sorry, wrong chat", "acknowledge"),
        ("哎", "acknowledge"),
        ("What kinds of questions can I ask you?", "help"),  # batch b, read after measuring
        # probed before batch a was read: asking for help without a topic, a lone "sup",
        # "what is this thing", who is answering, good night wishes
        ("help me", "help"),
        ("Can you help me out?", "help"),
        ("I need some help", "help"),
        ("我再问问别的", "help"),
        ("这是什么东西", "help"),
        ("谁在回答我", "help"),
        ("What should I type?", "help"),
        ("Can I ask questions in English?", "help"),
        ("sup", "greeting"),
        ("早点休息", "goodbye"),
        ("How should I phrase my questions to get the best answers?", "help"),  # batch a, read
        ("Thanks a lot, that really helps.", "thanks"),  # batch ab, read after measuring
        # batch ac, read after measuring: how to ask, the languages
        ("Are you able to answer questions in English too?", "help"),
        ("问问题有什么讲究吗，要不要带上区名？", "help"),
        ("提问时需要写上哪个区吗", "help"),
        ("Do you answer in Chinese as well?", "help"),
        ("What sort of things do you know about?", "help"),  # batch ad, read after measuring
        ("What kinds of topics do you cover?", "help"),
        # "a lot" after a filler that swallows its start (al of "all"), a word of address, a
        # problem solved (batch as, read after measuring)
        ("Cheers mate, that helped a lot", "thanks"),
        ("多谢多谢，问题都解决了", "thanks"),
        ("so what topics are you actually able to cover", "help"),  # batch at, measured first
    ],
)
def test_conversation_acts_are_recognised(text: str, act: str) -> None:
    assert conversation_act(text) == act


@pytest.mark.parametrize(
    "text",
    [
        "谢谢，北辰区种了多少亩春小麦？",  # politeness around a real question
        "北辰区好不好",
        "你好北辰区的GDP是多少",
        "Who is the party secretary of Heping?",
        "Hello, how many mu of wheat did Beichen plant?",
        "hit",
        "。。。",
        "help me find the budget of Dongli",
        "北辰区能做什么",  # a district's doings, not the bot's
        "你好，我想问一下北辰区的事",  # fillers around a real topic
        "我想问下垃圾分类的事情",
        "的了吗",  # fillers alone are no act
        "What topics does the Heping report cover?",  # a document's topics, not the bot's
        "Actually, how many mu of wheat did Beichen plant?",
    ],
)
def test_questions_are_not_conversation_acts(text: str) -> None:
    assert conversation_act(text) is None


def test_a_template_writes_every_choice_of_its_slots() -> None:
    assert expand("{你|}能{做|干}什么") == ["你能做什么", "你能干什么", "能做什么", "能干什么"]
    assert expand("谢谢") == ["谢谢"]


def test_every_phrase_of_the_table_is_its_own_act() -> None:
    """Every phrase the table's templates write, as written (folded, "is someone" would be
    one word with a doubled letter)."""
    table = load_data("conversation.toml")
    for act in phrases():
        written = (e for ts in table[act].values() for t in ts for e in expand(t) if e.strip())
        for phrase in written:
            found = conversation_act(phrase)
            assert found is not None, phrase
            assert found == act or "help" in (found, act), (phrase, act, found)


def test_a_greeting_gets_the_help_reply_in_its_language(shipped_light: Engine) -> None:
    zh = shipped_light.ask("你好呀").to_dict()
    assert zh["answer_type"] == "chitchat" and zh["no_answer"] and zh["passages"] == []
    assert zh["language"] == "zh" and zh["notice"].startswith("你好")
    assert all(d in zh["notice"] for d in shipped_light.districts)
    en = shipped_light.ask("Thanks a lot!").to_dict()
    assert en["answer_type"] == "chitchat" and en["language"] == "en"
    assert en["notice"].startswith("You're welcome!") and "北辰区" in en["notice"]
    wish = shipped_light.ask("中秋快乐").to_dict()
    assert wish["answer_type"] == "chitchat" and wish["notice"].startswith(
        "闲聊我不在行。我是 qabot"
    )


@pytest.mark.parametrize(
    "text",
    [
        "你吃饭了吗",
        "你会唱歌吗？",
        "你喜欢什么颜色",
        "how old are you?",
        # an act's phrase among other words, or words speaking of the bot itself
        "多谢指点",
        "哈喽，在忙吗",
        "你好，今天心情怎么样",
        "你能回答关于哪些区的问题",
        "这个机器人能干嘛",
        "thanks anyway",
        "cheers, appreciate the help",
        "which districts do you know about",
    ],
)
def test_an_aside_to_the_bot_in_no_word_of_the_corpus_gets_the_reply_not_a_passage(
    shipped_light: Engine, text: str
) -> None:
    answer = shipped_light.ask(text).to_dict()
    assert answer["answer_type"] == "chitchat" and answer["no_answer"]
    assert answer["passages"] == [] and "qabot" in answer["notice"]


@pytest.mark.parametrize(
    "text",
    [
        "你知道小麦种了多少吗",  # a word of the corpus: a question put politely
        "你能告诉我东丽区的区长是谁吗",  # a district
        "你们那儿有地铁吗",  # 你们: speaking to the government, not to the bot
        "北辰区有地铁吗",  # not addressed to the bot
    ],
)
def test_questions_addressed_to_you_are_still_questions(shipped_light: Engine, text: str) -> None:
    assert shipped_light.ask(text).answer_type != "chitchat"


def test_every_refusal_says_why(shipped_light: Engine) -> None:
    questions = [
        "红桥区的GDP是多少？",  # a district the corpus does not hold
        "北辰区2035年的粮食产量是多少？",  # a year the text does not speak of
        "今天天气怎么样？",
        "What is the weather like in Beichen today?",
        "北辰区有多少家咖啡馆？",
    ]
    refused = [a for a in (shipped_light.ask(q) for q in questions) if a.no_answer]
    assert refused, "the fake embedder refuses at least the out-of-corpus district"
    for answer in refused:
        assert answer.notice.strip(), answer.question
        if answer.language == "en":
            assert answer.notice.isascii() or "《" in answer.notice


def test_answers_carry_the_question_language(shipped_light: Engine) -> None:
    assert shipped_light.ask("北辰区种了多少亩春小麦？").to_dict()["language"] == "zh"
    assert shipped_light.ask("How many mu of wheat did Beichen plant?").language == "en"


@pytest.mark.parametrize(
    ("text", "act", "phrases", "rest"),
    [
        ("你好，今天天气不错", "greeting", {"你好"}, 6),  # not praise: 不错 is the weather's
        ("多谢指点", "thanks", {"多谢"}, 2),
        ("嗨，在忙吗", "greeting", {"嗨", "在忙吗"}, 0),  # one character, on its own first
        ("早期北辰区种了什么", None, set(), 9),  # …not the first of a word
        ("thanks anyway", "thanks", {"thanks"}, 1),
        ("which way", None, set(), 2),  # hi inside a word is no greeting
    ],
)
def test_the_phrases_a_message_holds_among_other_words(
    text: str, act: str | None, phrases: set[str], rest: int
) -> None:
    found = within(text)
    assert (found.act, found.rest) == (act, rest) and phrases <= found.phrases


def _knows(words: set[str]) -> set[str]:
    """The corpus of these tests: it knows 小麦, 吃饭 and 小, nothing else."""
    return set(words) & {"小麦", "吃饭", "小"}


@pytest.mark.parametrize(
    ("text", "focus", "refused", "act"),
    [
        ("你好，今天天气不错", ["天气"], False, "greeting"),  # no word the documents use
        ("你能回答关于哪些区的问题", ["区", "问题"], False, "help"),  # words of the bot's scope
        ("晚上好，去哪吃饭", ["吃饭"], True, "greeting"),  # a word they use, nothing answered
        ("晚上好，去哪吃饭", ["吃饭"], False, None),  # …answered: a question
        ("早安，小帮手", ["小", "帮手"], False, "greeting"),  # a character says too little
        ("你好，小麦种了多少", ["小麦"], False, None),
        ("今天天气不错", ["天气"], True, None),  # neither an act's phrase nor to the bot
        ("你好，" + "小" * 30, [], True, None),  # too long for an aside
    ],
)
def test_an_aside_is_short_talks_to_the_bot_and_asks_nothing_the_documents_answer(
    text: str, focus: list[str], refused: bool, act: str | None
) -> None:
    assert aside(text, focus, _knows, refused) == act
