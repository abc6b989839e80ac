// qabot chat page: talking to the server (JSON calls and the answer's server-sent events).
// Loaded before app.js.
"use strict";

function headers(body) {
  const result = { Accept: "application/json" };
  const key = sessionStorage.getItem("qabot-key");
  if (key) result.Authorization = `Bearer ${key}`;
  if (body !== undefined) result["Content-Type"] = "application/json";
  return result;
}

// fetch: {response} or {error: {reason}} when nothing came back. `signal` stops it.
async function send(path, body, signal) {
  try {
    return {
      response: await fetch(path, {
        method: body === undefined ? "GET" : "POST", headers: headers(body), signal,
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    };
  } catch {
    if (!signal?.aborted) return { error: { reason: "network" } };
    return { error: { reason: signal.reason === "timeout" ? "timeout" : "stopped" } };
  }
}

// A JSON reply as {data} or {error: {reason, error, status}}.
async function parsed(response) {
  const data = await response.json().catch(() => ({ reason: "http_error", error: "" }));
  if (!response.ok) {
    if (response.status === 401) $("key-box").hidden = false;
    return { error: { ...data, status: response.status } };
  }
  return { data };
}

async function call(path, body, signal) {
  const { response, error } = await send(path, body, signal);
  return error ? { error } : parsed(response);
}

// Server-sent events of a fetch response, as {name, data} (EventSource cannot POST).
async function* serverEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      yield { name, data: JSON.parse(data) };
    }
  }
}
