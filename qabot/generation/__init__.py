"""Optional generated answers from an OpenAI-compatible model, every sentence checked.

Modules, one concept each: :mod:`.config` (endpoint, model, key from the environment),
:mod:`.client` (the chat-completions protocol over httpx, plain and streamed),
:mod:`.breaker` (stop calling a failing endpoint), :mod:`.prompt` (the grounded prompt),
:mod:`.facts` (numbers, years, names, quotes of a sentence or passage), :mod:`.verify`
(sentence splitting and checking), :mod:`.generator` (the whole, with fallbacks),
:mod:`.frontend` (what the CLI and servers call) and :mod:`.evaluate` (``qabot eval --llm``).
Only :mod:`.config` is imported here, so a front end without a model configured pays nothing.
See docs/generation.md.
"""

from qabot.generation.config import LLMConfig

__all__ = ["LLMConfig"]
