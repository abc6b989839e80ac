// qabot chat page. Hand-written, no dependencies. Every text from a user or a document is
// put in the page with textContent / text nodes, never as HTML. Words: i18n.js.
"use strict";

const SHOW = 3; // passages shown at first and added by 「更多结果」
const ASK_K = 9;
const TIMEOUT_S = 60; // a question not answered by then is stopped (with a retry button)
const HISTORY = "qabot-history"; // localStorage key of the conversation
const KEEP = 50; // turns kept across reloads

const state = { lang: "zh", meta: null, turns: [] };
const $ = (id) => document.getElementById(id);

function t(key, vars = {}) {
  const table = I18N[state.lang];
  const text = key.startsWith("errors.") ? table.errors[key.slice(7)] : table[key];
  return (text || "").replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

// el("p", {class: "x"}, "text", child): children are strings (text nodes) or elements.
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (name === "onclick") node.addEventListener("click", value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child != null) node.append(child instanceof Node ? child : document.createTextNode(child));
  }
  return node;
}

// Text with the first occurrence of each of `spans` (one string or a list) in bold, as text
// nodes and <strong>s; spans overlapping an earlier one are left plain.
function marked(text, spans) {
  const found = [spans].flat().filter(Boolean).map((span) => [text.indexOf(span), span])
    .filter(([at]) => at >= 0).sort((a, b) => a[0] - b[0]);
  const parts = [];
  let end = 0;
  for (const [at, span] of found) {
    if (at < end) continue;
    parts.push(text.slice(end, at), el("strong", {}, span));
    end = at + span.length;
  }
  return [...parts, text.slice(end)];
}

// An error in the page's language: the known reasons, else "server error (HTTP n)" rather
// than a proxy's page or the server's English.
function errorText(error) {
  const vars = { max: state.meta?.max_question_chars ?? 500, s: TIMEOUT_S, status: error.status };
  if (error.status >= 500 && !["busy", "index_loading"].includes(error.reason)) {
    return t("errors.server", vars);
  }
  return t(`errors.${error.reason}`, vars) || error.error || t("errors.server", vars);
}

// ------------------------------------------------------------------ rendering

function citation(p) {
  const speaker = p.speaker ? p.speaker + (p.role ? `（${p.role}）` : "") : "";
  const title = p.title ? `《${p.title}》` : p.doc_id;
  return [p.district, speaker, p.date, title, (p.paragraph === 0 ? t("catalogEntry") : t("paragraphNo", { n: p.paragraph }))]
    .filter(Boolean).join(" · ");
}

// Overlapping pieces of one paragraph are shown once: the page keeps the passages the server
// does not mark as merged_into another, numbered 1, 2, …; the lines' citations follow, and
// `cite` (server rank → shown number) renumbers the generated text's citations the same way.
function mergePieces(answer) {
  if (!answer) return answer;
  const number = {};
  const passages = [];
  for (const p of answer.passages) {
    if (p.merged_into) continue;
    number[p.rank] = passages.length + 1;
    passages.push({ ...p, rank: passages.length + 1 });
  }
  for (const p of answer.passages) number[p.rank] ??= number[p.merged_into];
  const lines = (answer.lines ?? []).map((l) => ({ ...l, passage: number[l.passage] ?? 0 }));
  const span = answer.answer_span
    && { ...answer.answer_span, passage: number[answer.answer_span.passage] };
  const generated = renumber(answer.generated, number);
  return { ...answer, passages, lines, answer_span: span, generated, cite: number };
}

// Citations as the model wrote them ([2], [2,3], 【2】, one after another) in the server's
// ranks, rewritten as [n] in the shown numbers: two pieces of one paragraph cite it once.
const CITE = /[[【［]\s*\d+(?:\s*[,，、]\s*\d+)*\s*[\]】］]/;
const CITES = new RegExp(`(?:${CITE.source}\\s*)*${CITE.source}`, "g");

function renumber(text, cite) {
  if (!text) return text ?? null;
  return text.replace(CITES, (run) => {
    const shown = (run.match(/\d+/g) ?? []).map((n) => cite?.[n] ?? Number(n));
    return [...new Set(shown)].map((n) => `[${n}]`).join("");
  });
}

function lineText(line) {
  return (line.district ? `${line.district}：` : "") + line.text
    + (line.passage ? `[${line.passage}]` : "");
}

// With a language model configured: its checked text (streamed sentence by sentence, each
// shown once the server checked it against its citations) and a notice when it was not
// used, above the extractive line, which always stays. Text nodes only, never HTML.
function renderAnswerText(turn) {
  const answer = turn.answer;
  const extractive = renderExtractive(answer);
  if (!answer.generated && !answer.generated_notice && !turn.writing) return extractive;
  const generated = el("p", { class: "answer generated", "aria-busy": turn.writing ? "true" : "false" },
    answer.generated ?? "", turn.writing ? el("span", { class: "writing" }, t("writing")) : null);
  return el("div", { class: "with-generated" },
    answer.generated || turn.writing ? generated : null,
    answer.generated_notice ? el("p", { class: "notice" }, answer.generated_notice) : null,
    extractive);
}

function renderExtractive(answer) {
  const span = answer.answer_span?.text;
  const lines = answer.lines.map(lineText);
  if (lines.length > 1 || answer.answer_type === "measures") {
    const list = el("ul", { class: "answer", lang: "zh-CN" });
    for (const line of lines) list.append(el("li", {}, marked(line, span)));
    return list;
  }
  return el("p", { class: "answer", lang: "zh-CN" }, marked(lines[0] ?? "", span));
}

// Why there is no answer: the engine's notice (in English rebuilt from the answer's fields
// when its kind is known), the districts not covered, or the selected district.
function noAnswerText(turn) {
  const answer = turn.answer;
  if (answer.not_covered?.length) {
    return t("notCovered", {
      d: answer.not_covered.join("、"), all: (state.meta?.districts ?? []).join("、"),
    });
  }
  if (answer.notice && state.lang === "zh") return answer.notice;
  if (answer.notice && answer.confidence?.year_ok === false) {
    const years = [...new Set(turn.question.match(/(?:19|20)\d\d/g) ?? [])];
    const dates = [...new Set(answer.passages.map((p) => p.date.slice(0, 4)).filter(Boolean))];
    return t("yearNotCovered", { years: years.join(", "), dates: dates.sort().join(", ") || "?" });
  }
  if (answer.notice) return el("span", { lang: "zh-CN" }, answer.notice);
  if (turn.district) return t("noAnswerIn", { d: turn.district });
  return t("noAnswer");
}

// What the answer quotes from each passage, by rank: the answer_span when the server gives
// one, else every answer line's copied text for the passage it cites (measures: several).
function quotedByRank(answer) {
  const quoted = {};
  const span = answer.answer_span;
  if (span) quoted[span.passage] = [span.text];
  for (const line of answer.lines) {
    if (line.passage && line.passage !== span?.passage) (quoted[line.passage] ??= []).push(line.text);
  }
  return quoted;
}

function renderPassage(turn, p, index) {
  const spanText = quotedByRank(turn.answer)[p.rank];
  const opened = turn.paragraphs[p.chunk_id];
  const boxId = `para-${turn.id}-${index}`;
  const label = opened ? t("close") : t("open");
  const toggle = el("button", {
    type: "button", "aria-expanded": opened ? "true" : "false", "aria-controls": boxId,
    class: "open", "aria-label": `${label}（${t("sourceNo", { n: p.rank })}）`,
    onclick: () => toggleParagraph(turn, p.chunk_id),
  }, label);
  return el("li", { id: `src-${turn.id}-${p.rank}` },
    el("div", { class: "cite", lang: "zh-CN" }, citation(p)),
    el("p", { class: "excerpt", lang: "zh-CN" }, marked(p.excerpt, spanText)),
    toggle,
    el("div", { id: boxId, class: "paragraph", lang: "zh-CN", hidden: !opened },
      opened ? marked(opened, spanText) : null),
  );
}

function renderFeedback(turn) {
  const box = el("div", { class: "actions", role: "group", "aria-label": t("up") + "/" + t("down") });
  const vote = (value) => el("button", {
    type: "button", "aria-pressed": turn.vote === value ? "true" : "false",
    "aria-label": t(value), class: `vote-${value}`, disabled: !!turn.vote,
    onclick: () => sendVote(turn, value),
  }, el("span", { "aria-hidden": "true" }, value === "up" ? "👍" : "👎"), ` ${t(value)}`);
  box.append(vote("up"), vote("down"));
  if (!turn.answer.no_answer) {
    box.append(el("button", { type: "button", class: "copy", onclick: () => copyTurn(turn) }, t("copy")));
  }
  if (turn.vote === "down" && !turn.reason && turn.feedbackToken && state.meta) {
    const reasons = el("div", { class: "actions reasons", role: "group", "aria-label": t("whyDown") },
      el("span", {}, t("whyDown")));
    for (const [code, label] of Object.entries(state.meta.reasons)) {
      reasons.append(el("button", {
        type: "button", "data-reason": code, onclick: () => sendReason(turn, code),
      }, state.lang === "en" ? REASONS_EN[code] || label : label));
    }
    box.append(reasons);
  }
  if (turn.vote && (turn.vote === "up" || turn.reason)) {
    box.append(el("span", { class: "thanks" }, t("thanks")));
  }
  return box;
}

function renderTurn(turn) {
  const question = el("div", { class: "q" }, turn.question,
    turn.district ? t("askedIn", { d: turn.district }) : null);
  // Busy until the exchange has ended (a streamed answer is redrawn once more at its end).
  const busy = turn.pending || Boolean(turn.stop);
  const body = el("div", { class: "a", "aria-busy": busy ? "true" : "false" });
  if (turn.pending) {
    body.append(el("p", {}, t("thinking"), " ",
      el("button", { type: "button", class: "stop", onclick: () => turn.stop?.abort("stopped") }, t("stop"))));
  } else if (turn.error) {
    body.append(el("p", { class: "error", role: "alert" }, errorText(turn.error)),
      el("button", { type: "button", class: "retry", onclick: () => ask(turn) }, t("retry")));
  } else if (turn.answer.no_answer) {
    body.append(el("p", { class: "notice" }, noAnswerText(turn)), renderFeedback(turn));
  } else {
    const passages = turn.answer.passages.slice(0, turn.shown);
    body.append(
      renderAnswerText(turn),
      el("h3", { class: "sources-title" }, t("sources")),
      el("ol", { class: "sources" }, passages.map((p, i) => renderPassage(turn, p, i))),
    );
    const actions = renderFeedback(turn);
    if (turn.shown < turn.answer.passages.length) {
      actions.prepend(el("button", {
        type: "button", class: "more",
        onclick: () => { turn.shown += SHOW; draw(turn); },
      }, t("more")));
    }
    body.append(actions);
  }
  return el("li", { class: "turn", id: `turn-${turn.id}`, "data-turn": turn.id }, question, body);
}

// Redraw one turn in place, keeping keyboard focus on the same control where possible.
function draw(turn) {
  const old = $(`turn-${turn.id}`);
  const focused = document.activeElement;
  const focusKey = old && old.contains(focused)
    ? [...old.querySelectorAll("button")].indexOf(focused) : -1;
  const fresh = renderTurn(turn);
  if (old) old.replaceWith(fresh); else $("turns").append(fresh);
  if (focusKey >= 0) {
    const buttons = fresh.querySelectorAll("button");
    (buttons[Math.min(focusKey, buttons.length - 1)] || $("question")).focus();
  }
  $("empty").hidden = state.turns.length > 0;
  save();
}

// ------------------------------------------------------------------ history

// The answered turns survive a reload (opened paragraphs and unanswered turns do not).
function save() {
  const kept = state.turns.filter((turn) => !turn.pending).slice(-KEEP)
    .map(({ stop, paragraphs, ...turn }) => turn);
  try { localStorage.setItem(HISTORY, JSON.stringify(kept)); } catch { /* full or disabled */ }
}

function restore() {
  let turns = [];
  try { turns = JSON.parse(localStorage.getItem(HISTORY) || "[]"); } catch { turns = []; }
  state.turns = Array.isArray(turns)
    ? turns.map((turn) => ({ ...turn, paragraphs: {}, writing: false })) : [];
  for (const turn of state.turns) draw(turn);
}

function clearHistory() {
  state.turns = [];
  localStorage.removeItem(HISTORY);
  $("turns").replaceChildren();
  $("empty").hidden = false;
  $("status").textContent = t("cleared");
  $("question").focus();
}

// The answer with its shown sources, as plain text.
function plainText(turn) {
  const sources = turn.answer.passages.slice(0, turn.shown)
    .map((p) => `[${p.rank}] ${citation(p)}\n${p.excerpt}`);
  return [turn.question, turn.answer.answer, "", t("sources"), ...sources].join("\n");
}

async function copyTurn(turn) {
  const text = plainText(turn);
  let done = false;
  try {
    await navigator.clipboard.writeText(text);
    done = true;
  } catch { // no clipboard API on a plain-http intranet address: the older way
    const box = el("textarea", { class: "visually-hidden", readonly: true });
    box.value = text;
    document.body.append(box);
    box.select();
    done = document.execCommand("copy");
    box.remove();
  }
  $("status").textContent = done ? t("copied") : t("copyFailed");
}

// ------------------------------------------------------------------ actions

async function ask(turn) {
  Object.assign(turn, {
    pending: true, writing: false, error: null, answer: null, stop: new AbortController(),
  });
  if (!state.turns.includes(turn)) state.turns.push(turn);
  draw(turn);
  $(`turn-${turn.id}`).scrollIntoView({ block: "end" });
  $("status").textContent = t("thinking");
  const timer = setTimeout(() => turn.stop.abort("timeout"), TIMEOUT_S * 1000);
  const body = { question: turn.question, k: ASK_K, district: turn.district, passage_text: false };
  const { response, error } = await send("/api/ask?stream=1", body, turn.stop.signal);
  if (error) answered(turn, null, error);
  else if (!response.headers.get("Content-Type")?.startsWith("text/event-stream")) {
    const reply = await parsed(response);
    answered(turn, reply.data, reply.error);
  } else {
    await follow(turn, response);
  }
  clearTimeout(timer);
  Object.assign(turn, { writing: false, stop: null });
  if (state.turns.includes(turn)) draw(turn); // not busy any more (unless cleared meanwhile)
}

// The answer event shows the extractive answer at once; then each checked sentence of the
// model's text is added as it comes, and `done` puts the final checked text and its notice.
async function follow(turn, response) {
  const answer = () => turn.answer;
  try {
    for await (const { name, data } of serverEvents(response)) {
      if (name === "answer") {
        turn.writing = Boolean(data.model) && !data.no_answer;
        answered(turn, data, null);
      } else if (name === "sentence" && answer()) {
        const gap = answer().generated && answer().language !== "zh" ? " " : "";
        answer().generated = (answer().generated ?? "") + gap + renumber(data.text, answer().cite);
      } else if (name === "done" && answer()) {
        Object.assign(answer(), data, { generated: renumber(data.generated, answer().cite) });
        turn.writing = false;
      }
      if (answer() && name !== "answer") draw(turn);
    }
  } catch { /* a cut stream or a stopped one: what was checked stays */ }
  if (!answer()) {
    const reason = turn.stop.signal.reason;
    answered(turn, null, { reason: ["timeout", "stopped"].includes(reason) ? reason : "network" });
  } else if (turn.writing) {
    answer().generated_notice = t("writingCut");
  }
}

// Show an answer (or the error) in place of 「正在查找…」.
function answered(turn, data, error) {
  Object.assign(turn, { pending: false, answer: data && mergePieces(data), error });
  draw(turn);
  $(`turn-${turn.id}`).scrollIntoView({ block: "nearest" });
  if (error && !$("question").value) $("question").value = turn.question; // nothing lost
  updateCounter();
  $("status").textContent = error ? errorText(error) : data.no_answer
    ? $(`turn-${turn.id}`).querySelector(".notice").textContent
    : t("answered", { n: Math.min(turn.shown, data.passages.length) });
}

async function toggleParagraph(turn, chunkId) {
  if (turn.paragraphs[chunkId]) {
    delete turn.paragraphs[chunkId];
  } else {
    const { data, error } = await call(`/api/passages/${encodeURIComponent(chunkId)}`);
    if (error) { $("status").textContent = errorText(error); return; }
    turn.paragraphs[chunkId] = data.text;
  }
  draw(turn);
}

async function sendVote(turn, vote) {
  const answer = turn.answer;
  const { data, error } = await call("/api/feedback", {
    question: turn.question, districts: answer.districts, vote,
    chunk_ids: answer.passages.map((p) => p.chunk_id), no_answer: answer.no_answer,
  });
  if (error) { $("status").textContent = errorText(error); return; }
  Object.assign(turn, { vote, feedbackId: data.id, feedbackToken: data.token });
  draw(turn);
  const first = $(`turn-${turn.id}`).querySelector(".reasons button");
  if (first) first.focus();
  if (vote === "up") $("status").textContent = t("thanks");
}

async function sendReason(turn, reason) {
  const { error } = await call(`/api/feedback/${turn.feedbackId}/reason`,
    { reason, token: turn.feedbackToken });
  if (error) { $("status").textContent = errorText(error); return; }
  turn.reason = reason;
  draw(turn);
  $("question").focus();
  $("status").textContent = t("thanks");
}

// ------------------------------------------------------------------ setup

function applyLanguage() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  document.title = `qabot · ${t("title")}`;
  const toggle = $("lang");
  toggle.textContent = t("other");
  toggle.lang = state.lang === "zh" ? "en" : "zh-CN";
  updateCounter();
  for (const turn of state.turns) draw(turn);
}

function updateCounter() {
  const max = state.meta?.max_question_chars ?? 500;
  $("counter").textContent = t("counter", { n: $("question").value.length, max });
}

async function loadMeta() {
  const { data, error } = await call("/api/meta");
  if (error) { $("status").textContent = errorText(error); return; }
  state.meta = data;
  $("question").maxLength = data.max_question_chars;
  updateCounter();
  const select = $("district");
  select.replaceChildren(select.options[0], ...data.districts.map((name) => el("option", { value: name }, name)));
  $("examples").replaceChildren(...data.examples.map((q) => el("li", {},
    el("button", { type: "button", class: "example", onclick: () => submit(q) }, q))));
  for (const turn of state.turns) draw(turn); // 👎 reasons need the meta
}

function submit(text) {
  const question = text ?? $("question").value;
  if (!question.trim()) {
    $("status").textContent = t("errors.empty_question");
    $("question").focus();
    return;
  }
  if (text === undefined) $("question").value = "";
  const id = Math.max(0, ...state.turns.map((turn) => turn.id)) + 1;
  const turn = { id, question, district: $("district").value || null, shown: SHOW, paragraphs: {} };
  ask(turn);
  $("question").focus();
}

document.addEventListener("DOMContentLoaded", () => {
  state.lang = localStorage.getItem("qabot-lang") === "en" ? "en" : "zh";
  applyLanguage();
  restore();
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem("qabot-lang", state.lang);
    applyLanguage();
  });
  $("clear").addEventListener("click", clearHistory);
  $("api-key").addEventListener("change", (event) => {
    sessionStorage.setItem("qabot-key", event.target.value);
    loadMeta();
  });
  $("ask-form").addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  $("question").addEventListener("input", updateCounter);
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  loadMeta();
});
