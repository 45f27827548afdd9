// The sandbox's web chat: plays one person (?as=KEY) in a simulated Telegram. No build step.
"use strict";

const params = new URLSearchParams(location.search);
const state = {
  config: null, lang: "en", people: [], person: null, chats: [], chat: null,
  messages: new Map(), // chat id -> Map(message id -> message)
  keyboards: new Map(), // chat id -> reply keyboard rows
  clockBase: null, clockAt: 0,
};
const $ = (id) => document.getElementById(id);

function t(key, values) {
  const table = state.config.strings[state.lang] || {};
  const fallback = state.config.strings.en || {};
  let text = table[key] || fallback[key] || key;
  for (const [k, v] of Object.entries(values || {})) text = text.split("{" + k + "}").join(String(v));
  return text;
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  if (!response.ok) throw new Error((await response.text()) || response.statusText);
  return response.json();
}

function toast(text, alert) {
  if (alert) { window.alert(text); return; }
  const el = document.createElement("div");
  el.className = "toast";
  el.textContent = text;
  $("toasts").append(el);
  setTimeout(() => el.remove(), 3500);
}

function fail(error) { toast(t("error", {error: error.message || error})); }

// --- Telegram's formatting: plain text plus entities (UTF-16 offsets, as JavaScript strings are) ---
function elementFor(entity, text) {
  const tags = {bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code",
                blockquote: "blockquote", expandable_blockquote: "blockquote"};
  let el;
  if (entity.type === "pre") {
    el = document.createElement("pre");
  } else if (entity.type === "text_link" || entity.type === "url") {
    el = document.createElement("a");
    const href = entity.type === "url" ? text.slice(entity.offset, entity.offset + entity.length)
                                       : entity.url || "";
    if (/^(https?|tg):/i.test(href)) { el.href = href; el.target = "_blank"; el.rel = "noopener"; }
    el.addEventListener("click", (ev) => { if (openDeepLink(href)) ev.preventDefault(); });
  } else if (entity.type === "spoiler") {
    el = document.createElement("span");
    el.className = "spoiler";
    el.addEventListener("click", () => el.classList.add("shown"));
  } else if (entity.type === "bot_command") {
    el = document.createElement("span");
    el.className = "command";
    el.addEventListener("click", () => send(text.slice(entity.offset, entity.offset + entity.length)));
  } else {
    el = document.createElement(tags[entity.type] || "span");
  }
  return el;
}

function renderRange(parent, text, start, end, entities) {
  let pos = start;
  let i = 0;
  while (i < entities.length) {
    const e = entities[i];
    const eEnd = Math.min(e.offset + e.length, end);
    if (e.offset > pos) parent.append(text.slice(pos, e.offset));
    const inner = [];
    let j = i + 1;
    while (j < entities.length && entities[j].offset < eEnd) { inner.push(entities[j]); j += 1; }
    const el = elementFor(e, text);
    renderRange(el, text, Math.max(e.offset, pos), eEnd, inner);
    parent.append(el);
    pos = Math.max(pos, eEnd);
    i = j;
  }
  if (pos < end) parent.append(text.slice(pos, end));
}

function renderText(text, entities) {
  const el = document.createElement("div");
  el.className = "text";
  const sorted = (entities || []).slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
  renderRange(el, text, 0, text.length, sorted);
  return el;
}

// A t.me link to this bot with ?start=: what Telegram does is send "/start PAYLOAD".
function openDeepLink(url) {
  const m = /^https?:\/\/t\.me\/([A-Za-z0-9_]+)\?start=([A-Za-z0-9_-]+)/.exec(url || "");
  if (!m || m[1].toLowerCase() !== state.config.bot.username.toLowerCase()) return false;
  openChat(state.person.user_id);
  send("/start " + m[2]);
  return true;
}

// --- messages ----------------------------------------------------------------------------------------
function time(ts) {
  if (!ts) return "";
  return new Date(ts * 1000).toLocaleTimeString(state.lang, {
    hour: "2-digit", minute: "2-digit", timeZone: state.config.timezone,
  });
}

function messageElement(m) {
  const mine = !m.from_bot && m.from_user_id === state.person.user_id;
  const el = document.createElement("div");
  el.className = "msg " + (m.from_bot ? "bot" : mine ? "mine" : "other") + (m.service ? " service" : "");
  el.dataset.id = m.id;
  const bubble = document.createElement("div");
  bubble.className = "bubble";
  if (!m.from_bot && !mine && m.sender) {
    const who = document.createElement("div");
    who.className = "sender";
    who.textContent = m.sender;
    bubble.append(who);
  }
  if (m.photo) {
    const img = document.createElement("img");
    img.className = "photo";
    img.src = m.photo;
    img.alt = "";
    img.addEventListener("click", () => window.open(m.photo, "_blank"));
    bubble.append(img);
  }
  if (m.document) {
    const a = document.createElement("a");
    a.className = "document";
    a.href = m.document.url;
    a.download = m.document.name;
    const size = m.document.size ? ` · ${Math.max(1, Math.round(m.document.size / 1024))} KB` : "";
    a.textContent = `📄 ${m.document.name}${size}`;
    a.title = t("download");
    bubble.append(a);
  }
  if (m.contact) {
    const c = document.createElement("div");
    c.className = "text";
    c.textContent = "📱 " + t("contact_shared", {phone: m.contact});
    bubble.append(c);
  }
  if (m.text) bubble.append(renderText(m.text, m.entities));
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.textContent = (m.edited ? t("edited") + " " : "") + time(m.date);
  bubble.append(meta);
  el.append(bubble);
  if (m.inline && m.inline.length) {
    const kb = document.createElement("div");
    kb.className = "ikb";
    m.inline.forEach((row, r) => {
      const rowEl = document.createElement("div");
      rowEl.className = "ikb-row";
      row.forEach((b, c) => {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = b.label;
        if (b.url) button.classList.add("link");
        button.addEventListener("click", () => tapInline(m, r, c, b, button));
        rowEl.append(button);
      });
      kb.append(rowEl);
    });
    el.append(kb);
  }
  return el;
}

function upsert(chatId, m) {
  const chat = state.messages.get(chatId) || new Map();
  state.messages.set(chatId, chat);
  if (m.kind === "delete") chat.delete(m.id); else chat.set(m.id, m);
  if (state.chat !== chatId) { markUnread(chatId); return; }
  const list = $("messages");
  const old = list.querySelector(`.msg[data-id="${m.id}"]`);
  if (m.kind === "delete") { if (old) old.remove(); return; }
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const el = messageElement(m);
  if (old) old.replaceWith(el); else list.append(el);
  $("placeholder").hidden = true;
  if (!old || atBottom) list.scrollTop = list.scrollHeight;
}

function renderMessages() {
  const list = $("messages");
  list.replaceChildren();
  const chat = state.messages.get(state.chat) || new Map();
  for (const m of chat.values()) list.append(messageElement(m));
  const empty = chat.size === 0;
  $("placeholder").hidden = !empty;
  const group = state.person && state.chat !== state.person.user_id;
  $("placeholder").textContent = empty ? t(group ? "empty_group" : "empty_chat") : "";
  list.scrollTop = list.scrollHeight;
}

function renderReplyKeyboard() {
  const box = $("reply-kb");
  box.replaceChildren();
  const rows = state.keyboards.get(state.chat) || [];
  rows.forEach((row, r) => {
    const rowEl = document.createElement("div");
    rowEl.className = "rkb-row";
    row.forEach((b, c) => {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b.text;
      if (b.contact) button.classList.add("contact");
      button.addEventListener("click", () => api("/api/reply", {as: state.person.key, chat: state.chat,
                                                                   row: r, col: c}).catch(fail));
      rowEl.append(button);
    });
    box.append(rowEl);
  });
}

async function tapInline(m, row, col, b, button) {
  if (b.url) {
    if (!openDeepLink(b.url)) window.open(b.url, "_blank", "noopener");
    return;
  }
  button.classList.add("pressed");
  try {
    await api("/api/tap", {as: state.person.key, chat: state.chat, message_id: m.id, row, col});
  } catch (error) { fail(error); }
  setTimeout(() => button.classList.remove("pressed"), 600);
}

async function send(text) {
  try {
    await api("/api/send", {as: state.person.key, chat: state.chat, text});
  } catch (error) { fail(error); }
}

// --- people and chats --------------------------------------------------------------------------------
function roleOf(p) { return p.roles[state.lang] || p.roles.en || Object.values(p.roles)[0] || ""; }

function initials(name) { return Array.from(name || "?").slice(-2).join(""); }

function renderPeople() {
  const needle = $("search").value.trim().toLowerCase();
  const list = $("people");
  list.replaceChildren();
  const shown = state.people.filter((p) => !needle || [p.name, roleOf(p), p.school, p.classes,
    ...Object.values(p.roles)].join(" ").toLowerCase().includes(needle));
  for (const p of shown) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = `?as=${encodeURIComponent(p.key)}${params.get("lang") ? "&lang=" + state.lang : ""}`;
    a.dataset.key = p.key;
    a.className = "person";
    const avatar = document.createElement("span");
    avatar.className = "avatar";
    avatar.textContent = initials(p.name);
    const body = document.createElement("span");
    body.className = "person-body";
    const name = document.createElement("span");
    name.className = "person-name";
    name.textContent = p.name;
    const role = document.createElement("span");
    role.className = "person-role";
    role.textContent = roleOf(p);
    const where = document.createElement("span");
    where.className = "person-where";
    where.textContent = [p.school, p.classes].filter(Boolean).join(" · ");
    body.append(name, role, where);
    a.append(avatar, body);
    li.append(a);
    list.append(li);
  }
  if (!shown.length) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = t("no_match");
    list.append(li);
  }
}

function renderChats() {
  const list = $("chats");
  list.replaceChildren();
  for (const c of state.chats) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "chat-item" + (c.id === state.chat ? " active" : "");
    button.dataset.chatId = c.id;
    const avatar = document.createElement("span");
    avatar.className = "avatar small" + (c.type === "private" ? " bot" : "");
    avatar.textContent = c.type === "private" ? "🤖" : "👥";
    const title = document.createElement("span");
    title.className = "chat-name";
    title.textContent = c.title;
    const sub = document.createElement("span");
    sub.className = "chat-kind";
    sub.textContent = c.type === "private" ? t("private_chat") : t("group");
    const body = document.createElement("span");
    body.className = "person-body";
    body.append(title, sub);
    const dot = document.createElement("span");
    dot.className = "unread";
    button.append(avatar, body, dot);
    button.addEventListener("click", () => openChat(c.id));
    li.append(button);
    list.append(li);
  }
}

function markUnread(chatId) {
  const item = document.querySelector(`.chat-item[data-chat-id="${chatId}"]`);
  if (item) item.classList.add("has-unread");
}

async function openChat(chatId) {
  state.chat = chatId;
  const chat = state.chats.find((c) => c.id === chatId);
  $("chat-title").textContent = chat ? chat.title : "";
  $("chat-sub").textContent = chat && chat.type === "private" ? "@" + state.config.bot.username
                                                              : t("group");
  $("chat-avatar").textContent = chat && chat.type === "private" ? "🤖" : "👥";
  document.body.classList.add("view-chat");
  renderChats();
  const history = await api(`/api/history?as=${encodeURIComponent(state.person.key)}&chat=${chatId}`);
  const map = new Map();
  for (const m of history.messages) map.set(m.id, m);
  state.messages.set(chatId, map);
  state.keyboards.set(chatId, history.reply_keyboard);
  renderMessages();
  renderReplyKeyboard();
  renderFirstContact();
  $("text").focus({preventScroll: true});
}

function renderFirstContact() {
  const box = $("first-contact");
  const p = state.person;
  const show = p && p.first_contact && state.chat === p.user_id;
  box.hidden = !show;
  if (!show) return;
  box.replaceChildren();
  const hint = document.createElement("div");
  hint.textContent = t("as_new_hint");
  const link = document.createElement("a");
  link.href = p.first_contact;
  link.textContent = "🔗 " + t("invite_link");
  link.addEventListener("click", (ev) => { ev.preventDefault(); openDeepLink(p.first_contact); });
  box.append(hint, link);
}

// --- the clock, reset, as new ----------------------------------------------------------------------
function setClock(iso) {
  if (!iso) return;
  state.clockBase = new Date(iso).getTime();
  state.clockAt = Date.now();
  showClock();
}

function showClock() {
  if (state.clockBase === null) return;
  const now = new Date(state.clockBase + (Date.now() - state.clockAt));
  $("now").textContent = now.toLocaleString(state.lang, {
    timeZone: state.config.timezone, weekday: "short", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit",
  });
  $("now").dateTime = now.toISOString();
}

async function advance(seconds, button) {
  button.disabled = true;
  try { setClock((await api("/api/clock", {seconds})).now); } catch (error) { fail(error); }
  button.disabled = false;
}

async function nextEvent(button) {
  button.disabled = true;
  try {
    const moved = await api("/api/next-event", {});
    setClock(moved.now);
    toast(moved.said[state.lang] || moved.said.en || Object.values(moved.said)[0] || "");
  } catch (error) { fail(error); }
  button.disabled = false;
}

async function reset() {
  if (!window.confirm(t("reset_confirm"))) return;
  $("reset").disabled = true;
  try { await api("/api/reset", {}); location.reload(); } catch (error) { fail(error); }
  $("reset").disabled = false;
}

async function asNew() {
  if (!window.confirm(t("as_new_confirm", {name: state.person.name}))) return;
  try {
    state.person = await api("/api/as-new", {as: state.person.key});
    location.reload();
  } catch (error) { fail(error); }
}

// --- live updates ------------------------------------------------------------------------------------
function listen() {
  const source = new EventSource(`/api/events?as=${encodeURIComponent(state.person.key)}`);
  source.onmessage = (ev) => {
    const event = JSON.parse(ev.data);
    if (event.type === "entry") {
      state.keyboards.set(event.chat_id, event.reply_keyboard);
      upsert(event.chat_id, event.message);
      if (event.chat_id === state.chat) renderReplyKeyboard();
    } else if (event.type === "answer") {
      toast(event.text, event.alert);
    } else if (event.type === "clock" || event.type === "hello") {
      setClock(event.now);
    } else if (event.type === "reset") {
      location.reload();
    }
  };
  source.onerror = () => document.body.classList.add("offline");
  source.onopen = () => document.body.classList.remove("offline");
}

// --- start -------------------------------------------------------------------------------------------
function applyStrings() {
  document.documentElement.lang = state.lang;
  document.title = t("title");
  for (const el of document.querySelectorAll("[data-s]")) el.textContent = t(el.dataset.s);
  for (const el of document.querySelectorAll("[data-p]")) el.placeholder = t(el.dataset.p);
  $("back").setAttribute("aria-label", t("back"));
  $("lang").setAttribute("aria-label", t("language"));
}

async function start() {
  state.config = await api("/api/config");
  const stored = localStorage.getItem("sandbox-lang");
  const known = state.config.locales.map((l) => l[0]);
  state.lang = [params.get("lang"), stored, state.config.default_locale].find((l) => known.includes(l))
    || known[0];
  for (const [code, label] of state.config.locales) $("lang").append(new Option(label, code));
  $("lang").value = state.lang;
  $("lang").addEventListener("change", () => {
    localStorage.setItem("sandbox-lang", $("lang").value);
    params.set("lang", $("lang").value);
    location.search = params.toString();
  });
  applyStrings();
  const c = state.config.controls;
  $("clock").hidden = !c.clock;
  $("reset").hidden = !c.reset;
  $("as-new").hidden = !c.as_new;
  $("next-event").hidden = !c.next_event;
  setClock(state.config.now);
  setInterval(showClock, 15000);
  $("plus-hour").addEventListener("click", (ev) => advance(3600, ev.currentTarget));
  $("plus-day").addEventListener("click", (ev) => advance(86400, ev.currentTarget));
  $("next-event").addEventListener("click", (ev) => nextEvent(ev.currentTarget));
  $("reset").addEventListener("click", reset);
  $("as-new").addEventListener("click", asNew);
  $("search").addEventListener("input", renderPeople);
  $("back").addEventListener("click", () => document.body.classList.remove("view-chat"));
  $("composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("text").value.trim();
    if (!text || !state.person) return;
    $("text").value = "";
    send(text);
  });
  state.people = await api("/api/people");
  state.person = state.people.find((p) => p.key === params.get("as")) || null;
  if (!state.person) { renderPeople(); $("search").focus(); return; }
  document.body.classList.remove("no-person");
  $("picker").hidden = true;
  $("me").hidden = false;
  $("me-avatar").textContent = initials(state.person.name);
  $("me-name").textContent = state.person.name;
  $("me-sub").textContent = [roleOf(state.person), state.person.school, state.person.classes]
    .filter(Boolean).join(" · ");
  document.title = `${state.person.name} · ${t("title")}`;
  state.chats = await api(`/api/chats?as=${encodeURIComponent(state.person.key)}`);
  listen();
  const wanted = Number(params.get("chat"));
  await openChat(state.chats.some((ch) => ch.id === wanted) ? wanted : state.person.user_id);
  if (!params.get("chat") && window.matchMedia("(max-width: 760px)").matches) {
    document.body.classList.remove("view-chat");
  }
}

start().catch(fail);
