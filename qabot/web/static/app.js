// qabot chat page. Hand-written, no dependencies. Every text from a user or a document is
// put in the page with textContent / text nodes, never as HTML.
"use strict";

const SHOW = 3; // passages shown at first and added by 「更多结果」
const ASK_K = 9;

const I18N = {
  zh: {
    title: "政府文件问答", district: "地区", allDistricts: "全部地区", skip: "跳到提问框",
    conversation: "对话", questionLabel: "你的问题", placeholder: "输入问题，按 Enter 发送",
    send: "发送", hint: "Enter 发送，Shift+Enter 换行", apiKey: "访问密钥",
    intro: "问一个关于区政府工作报告和领导访谈的问题，回答摘自原文并注明出处。",
    examplesTitle: "可以这样问：", thinking: "正在查找…", answered: "已回答，{n} 条出处",
    sources: "出处", more: "更多结果", open: "查看整段", close: "收起整段",
    paragraphNo: "第{n}段", up: "有用", down: "没用", whyDown: "哪里不好？",
    thanks: "谢谢反馈！", noAnswer: "这些文档没有涉及这个问题。",
    noAnswerIn: "{d}的文档里没有找到这个问题的答案。",
    notCovered: "文档没有涵盖：{d}。已收录：{all}。",
    askedIn: "（限定：{d}）", other: "English",
    errors: {
      empty_question: "请先输入问题。", question_too_long: "问题太长（最多 {max} 字），请一次只问一件事。",
      no_words: "问题里没有可以查找的文字（只有符号或表情）。", unknown_district: "不认识这个地区。",
      rate_limited: "提问太频繁，请稍后再试。", unauthorized: "需要访问密钥：请在页面顶部填写。",
      busy: "服务器忙，请稍后再试。", index_loading: "索引正在加载，请稍后再试。",
      network: "连不上服务器。",
    },
  },
  en: {
    title: "Government documents Q&A", district: "District", allDistricts: "All districts",
    skip: "Skip to the question box", conversation: "Conversation", questionLabel: "Your question",
    placeholder: "Type a question (in Chinese), Enter sends", send: "Send",
    hint: "Enter sends, Shift+Enter adds a line", apiKey: "API key",
    intro: "Ask about the district work reports and interviews; answers are quoted from the " +
      "documents, with their sources.",
    examplesTitle: "Try:", thinking: "Searching…", answered: "Answered, {n} sources",
    sources: "Sources", more: "More results", open: "Open whole paragraph",
    close: "Hide paragraph", paragraphNo: "paragraph {n}", up: "Helpful", down: "Not helpful",
    whyDown: "What was wrong?", thanks: "Thanks for the feedback!",
    noAnswer: "The documents do not cover this question.",
    noAnswerIn: "The documents of {d} do not answer this question.",
    notCovered: "The documents do not cover {d}. Covered: {all}.",
    askedIn: " (in {d})", other: "中文",
    errors: {
      empty_question: "Type a question first.",
      question_too_long: "The question is too long (at most {max} characters).",
      no_words: "The question has no words to search for (only symbols or emoji).",
      unknown_district: "Unknown district.", rate_limited: "Too many questions; wait a moment.",
      unauthorized: "An API key is needed: enter it at the top of the page.",
      busy: "The server is busy; try again shortly.",
      index_loading: "The index is still loading; try again shortly.",
      network: "Cannot reach the server.",
    },
  },
};
const REASONS_EN = {
  off_topic: "Off topic", wrong_district: "Wrong district", missed: "It is in the documents",
  other: "Other",
};

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

// Text with the first occurrence of `span` in bold, as text nodes and a <strong>.
function marked(text, span) {
  const at = span ? text.indexOf(span) : -1;
  if (at < 0) return [text];
  return [text.slice(0, at), el("strong", {}, span), text.slice(at + span.length)];
}

async function call(path, body) {
  const headers = { Accept: "application/json" };
  const key = sessionStorage.getItem("qabot-key");
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method: body === undefined ? "GET" : "POST", headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { error: { reason: "network", error: "" } };
  }
  const data = await response.json().catch(() => ({ reason: "http_error", error: "" }));
  if (!response.ok) {
    if (response.status === 401) $("key-box").hidden = false;
    return { error: data };
  }
  return { data };
}

function errorText(error) {
  const known = t(`errors.${error.reason}`, { max: state.meta?.max_question_chars ?? 500 });
  return known || error.error || error.reason;
}

// ------------------------------------------------------------------ rendering

function citation(p) {
  const speaker = p.speaker ? p.speaker + (p.role ? `（${p.role}）` : "") : "";
  const title = p.title ? `《${p.title}》` : p.doc_id;
  return [p.district, speaker, p.date, title, t("paragraphNo", { n: p.paragraph })]
    .filter(Boolean).join(" · ");
}

// With a language model configured: its checked text (and a notice when it was not used)
// above the extractive line, which always stays. Text nodes only: nothing is parsed as HTML.
function renderAnswerText(answer) {
  const extractive = renderExtractive(answer);
  if (!answer.generated && !answer.generated_notice) return extractive;
  return el("div", { class: "with-generated" },
    answer.generated ? el("p", { class: "answer generated" }, answer.generated) : null,
    answer.generated_notice ? el("p", { class: "notice" }, answer.generated_notice) : null,
    extractive);
}

function renderExtractive(answer) {
  const span = answer.answer_span?.text;
  const lines = answer.answer.split("\n").filter((line) => line.trim());
  if (lines.length > 1 || answer.answer_type === "measures") {
    const list = el("ul", { class: "answer" });
    for (const line of lines) list.append(el("li", {}, marked(line, span)));
    return list;
  }
  return el("p", { class: "answer" }, marked(answer.answer, span));
}

function noAnswerText(turn) {
  const answer = turn.answer;
  if (answer.not_covered?.length) {
    return t("notCovered", {
      d: answer.not_covered.join("、"), all: (state.meta?.districts ?? []).join("、"),
    });
  }
  if (turn.district) return t("noAnswerIn", { d: turn.district });
  return t("noAnswer");
}

// What the answer quotes from each passage, by rank: the answer_span when the server gives
// one, else each answer line (its [n] citations removed) for the passages it cites.
function quotedByRank(answer) {
  const quoted = {};
  if (answer.answer_span) quoted[answer.answer_span.passage] = answer.answer_span.text;
  for (const line of answer.answer.split("\n")) {
    const match = line.match(/^(.*?)((?:\[\d+\])+)\s*$/);
    if (!match) continue;
    for (const rank of match[2].match(/\d+/g)) quoted[rank] ??= match[1].trim();
  }
  return quoted;
}

function renderPassage(turn, p, index) {
  const spanText = quotedByRank(turn.answer)[p.rank];
  const opened = turn.paragraphs[p.chunk_id];
  const boxId = `para-${turn.id}-${index}`;
  const toggle = el("button", {
    type: "button", "aria-expanded": opened ? "true" : "false", "aria-controls": boxId,
    class: "open",
    onclick: () => toggleParagraph(turn, p.chunk_id),
  }, opened ? t("close") : t("open"));
  return el("li", { id: `src-${turn.id}-${p.rank}` },
    el("div", { class: "cite" }, citation(p)),
    el("p", { class: "excerpt" }, marked(p.excerpt, spanText)),
    toggle,
    el("div", { id: boxId, class: "paragraph", hidden: !opened },
      opened ? marked(opened, spanText) : null),
  );
}

function renderFeedback(turn) {
  const box = el("div", { class: "actions", role: "group", "aria-label": t("up") + "/" + t("down") });
  const vote = (value) => el("button", {
    type: "button", "aria-pressed": turn.vote === value ? "true" : "false",
    "aria-label": t(value), title: t(value), class: `vote-${value}`, disabled: !!turn.vote,
    onclick: () => sendVote(turn, value),
  }, value === "up" ? "👍" : "👎");
  box.append(vote("up"), vote("down"));
  if (turn.vote === "down" && !turn.reason && state.meta) {
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
  const body = el("div", { class: "a", "aria-busy": turn.pending ? "true" : "false" });
  if (turn.pending) body.append(el("p", {}, t("thinking")));
  else if (turn.error) body.append(el("p", { class: "error", role: "alert" }, errorText(turn.error)));
  else if (turn.answer.no_answer) {
    body.append(el("p", { class: "notice" }, noAnswerText(turn)), renderFeedback(turn));
  } else {
    const passages = turn.answer.passages.slice(0, turn.shown);
    body.append(
      renderAnswerText(turn.answer),
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
}

// ------------------------------------------------------------------ actions

async function ask(question) {
  const district = $("district").value || null;
  const turn = {
    id: state.turns.length + 1, question, district, pending: true, shown: SHOW,
    paragraphs: {}, vote: null, reason: null, feedbackId: null,
  };
  state.turns.push(turn);
  draw(turn);
  $(`turn-${turn.id}`).scrollIntoView({ block: "end" });
  $("status").textContent = t("thinking");
  const { data, error } = await call("/api/ask", { question, k: ASK_K, district });
  turn.pending = false;
  turn.answer = data;
  turn.error = error;
  draw(turn);
  $(`turn-${turn.id}`).scrollIntoView({ block: "nearest" });
  $("status").textContent = error ? errorText(error)
    : data.no_answer ? noAnswerText(turn) : t("answered", { n: data.passages.length });
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
  turn.vote = vote;
  turn.feedbackId = data.id;
  draw(turn);
  const first = $(`turn-${turn.id}`).querySelector(".reasons button");
  if (first) first.focus();
  if (vote === "up") $("status").textContent = t("thanks");
}

async function sendReason(turn, reason) {
  const { error } = await call(`/api/feedback/${turn.feedbackId}/reason`, { reason });
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
  for (const turn of state.turns) draw(turn);
}

async function loadMeta() {
  const { data, error } = await call("/api/meta");
  if (error) { $("status").textContent = errorText(error); return; }
  state.meta = data;
  for (const name of data.districts) $("district").append(el("option", { value: name }, name));
  const list = $("examples");
  list.replaceChildren(...data.examples.map((q) => el("li", {},
    el("button", { type: "button", class: "example", onclick: () => submit(q) }, q))));
}

function submit(text) {
  const question = text ?? $("question").value;
  if (!question.trim()) {
    $("status").textContent = t("errors.empty_question");
    $("question").focus();
    return;
  }
  $("question").value = "";
  ask(question);
  $("question").focus();
}

document.addEventListener("DOMContentLoaded", () => {
  state.lang = localStorage.getItem("qabot-lang") === "en" ? "en" : "zh";
  applyLanguage();
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem("qabot-lang", state.lang);
    applyLanguage();
  });
  $("api-key").addEventListener("change", (event) => {
    sessionStorage.setItem("qabot-key", event.target.value);
    loadMeta();
  });
  $("ask-form").addEventListener("submit", (event) => { event.preventDefault(); submit(); });
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  loadMeta();
});
