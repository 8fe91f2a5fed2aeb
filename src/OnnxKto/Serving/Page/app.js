// The rating page: chat with the served model (streamed), rate each answer with thumbs up or down.
// Model output goes into the page with textContent only, never as HTML.
"use strict";

const log = document.getElementById("log");
const input = document.getElementById("input");
const model = document.getElementById("model");
const keyField = document.getElementById("key");
const status = document.getElementById("status");
let messages = [];

function headers() {
  const h = { "Content-Type": "application/json" };
  if (keyField.value) h.Authorization = "Bearer " + keyField.value;
  return h;
}

function bubble(role, text) {
  const div = document.createElement("div");
  div.className = "message " + role;
  const body = document.createElement("div");
  body.className = "text";
  body.textContent = text;
  div.appendChild(body);
  log.appendChild(div);
  return div;
}

async function errorText(response) {
  try { return (await response.json()).error.message; } catch { return response.status + " " + response.statusText; }
}

async function loadModels() {
  const response = await fetch("/v1/models", { headers: headers() });
  if (!response.ok) { status.textContent = await errorText(response); return; }
  model.replaceChildren();
  for (const m of (await response.json()).data) {
    const option = document.createElement("option");
    option.value = option.textContent = m.id;
    model.appendChild(option);
  }
}

function ratingButtons(div, id) {
  const row = document.createElement("div");
  row.className = "rating";
  const note = document.createElement("span");
  for (const [label, symbol, name] of [[true, "\u{1F44D}", "good"], [false, "\u{1F44E}", "bad"]]) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = label ? "rate-up" : "rate-down";
    button.textContent = symbol;
    button.title = name;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", async () => {
      const response = await fetch("/v1/feedback", { method: "POST", headers: headers(), body: JSON.stringify({ id, label }) });
      if (!response.ok) { note.textContent = await errorText(response); return; }
      for (const b of row.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b === button));
      note.className = "rated";
      note.textContent = "rated " + name;
    });
    row.appendChild(button);
  }
  row.appendChild(note);
  div.appendChild(row);
}

async function send(text) {
  messages.push({ role: "user", content: text });
  bubble("user", text);
  const div = bubble("assistant", "");
  const body = div.querySelector(".text");
  status.textContent = "generating...";
  const response = await fetch("/v1/chat/completions", {
    method: "POST", headers: headers(),
    body: JSON.stringify({ model: model.value, messages, stream: true }),
  });
  if (!response.ok) {
    div.className = "message error";
    body.textContent = await errorText(response);
    messages.pop();
    status.textContent = "";
    return;
  }
  // Server-sent events: "data: {...}" lines, then "data: [DONE]".
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "", id = null, answer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const line = buffer.slice(0, end).trim();
      buffer = buffer.slice(end + 2);
      if (!line.startsWith("data: ") || line === "data: [DONE]") continue;
      const chunk = JSON.parse(line.slice(6));
      id = chunk.id;
      for (const choice of chunk.choices) if (choice.delta && choice.delta.content) answer += choice.delta.content;
      body.textContent = answer;
    }
  }
  messages.push({ role: "assistant", content: answer });
  div.dataset.id = id;
  ratingButtons(div, id);
  status.textContent = "";
}

document.getElementById("ask").addEventListener("submit", event => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = "";
  send(text).catch(e => { status.textContent = String(e); });
});
input.addEventListener("keydown", event => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); document.getElementById("ask").requestSubmit(); }
});
document.getElementById("reset").addEventListener("click", () => { messages = []; log.replaceChildren(); });
keyField.addEventListener("change", loadModels);
loadModels();
