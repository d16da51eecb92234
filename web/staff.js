/* Hotline staff console: the hotline API (POST /webhooks/hotline/webhook, Bearer token)
 * while a caller waits, and right/wrong feedback (POST /webhooks/hotline/feedback). The token,
 * the staff name, the call id and the call's answers live in sessionStorage (gone when the tab
 * closes; a sign-out removes them all, so the next person starts a call of their own). All bot
 * text is rendered with textContent / createElement (render.js). */
(function () {
  "use strict";

  var R = window.DeskRender;
  var el = R.el;
  var API = ((window.DESK_CONFIG || {}).rasaUrl || "") + "/webhooks/hotline";
  var KEYS = {
    token: "desk.staff.token", name: "desk.staff.name", call: "desk.staff.call",
    cards: "desk.staff.cards"
  };
  var TOPIC_ID = /^[a-z0-9_]{1,48}$/;
  var ASK_PAYLOAD = /^\/ask_([a-z0-9_]{1,48})(?![a-z0-9_])/;
  // the answers kept for a reload: enough for a long call, far below sessionStorage's quota
  var MAX_SAVED_CARDS = 20;
  var ASPECTS = {
    overview: ["概况", "overview"], materials: ["材料", "documents"], procedure: ["流程", "steps"],
    eligibility: ["条件", "who qualifies"], where: ["地点", "where"], duration: ["时限", "how long"]
  };

  var $ = function (id) { return document.getElementById(id); };
  var cardCount = 0;

  /* ---------- storage ---------- */

  function get(key) { try { return window.sessionStorage.getItem(key); } catch (e) { return null; } }
  function put(key, value) {
    try { window.sessionStorage.setItem(key, value); return true; } catch (e) { return false; }
  }
  function drop(key) { try { window.sessionStorage.removeItem(key); } catch (e) { /* ignore */ } }

  /* "中文 English": the Chinese label with its English in a lang="en" span. */
  function bi(zh, en, tag, className) {
    var node = el(tag || "span", className, zh + " ");
    node.appendChild(el("span", "en", en)).setAttribute("lang", "en");
    return node;
  }

  /* Topic titles by language: the served topics' from the page config (config.js), and those
   * learnt from answers (an answer's title, a clarifying question's buttons) for a topic
   * published since the page loaded; the hotline JSON names alternatives by id only, so a topic
   * still unknown falls back (topicName). Titles are the catalogue's, not a caller's: they
   * outlive calls and sign-outs, and a reload gets them from the config again. And the topics
   * met during this call (the choices offered when staff mark an answer wrong). */
  var titles = { zh: {}, en: {} };
  var callTopics = [];
  seedTitles((window.DESK_CONFIG || {}).topics);

  function seedTitles(topics) {
    if (!topics || typeof topics !== "object") return;
    Object.keys(topics).forEach(function (id) {
      var title = topics[id] || {};
      learnTitle("zh", id, title.zh);
      learnTitle("en", id, title.en);
    });
  }

  function learnTitle(lang, topic, title) {
    if (!titles[lang] || !TOPIC_ID.test(topic || "") || typeof title !== "string" || !title.trim()) return;
    titles[lang][topic] = title.trim().slice(0, 200);
  }

  function learnTitles(reply) {
    var lang = reply.language === "en" ? "en" : "zh";
    if (reply.topic && reply.answer && reply.answer.title) learnTitle(lang, reply.topic, reply.answer.title);
    (reply.buttons || []).forEach(function (b) {
      var match = b && typeof b.payload === "string" && ASK_PAYLOAD.exec(b.payload);
      if (match) learnTitle(lang, match[1], b.title);
    });
  }

  /* A title without its trailing bracketed remark, as the topic lists show it. */
  function shortTitle(title) {
    return title.replace(/\s*[（(][^（）()]*[）)]\s*$/, "").trim() || title;
  }

  /* A topic's name for a card in ``lang``: its title in that language; else its title in the
   * other language, else its id made readable (both marked with their language, so a screen
   * reader says them right). Returns [text, lang of the text]. */
  function topicName(id, lang) {
    lang = lang === "en" ? "en" : "zh";
    var other = lang === "en" ? "zh" : "en";
    if (titles[lang][id]) return [shortTitle(titles[lang][id]), lang];
    if (titles[other][id]) return [shortTitle(titles[other][id]), other];
    return [String(id || "").replace(/_/g, " "), "en"];
  }

  /* ``tag`` naming topic ``id`` for a card in ``lang``, with a lang attribute when the name is
   * not in the card's language; ``after`` (e.g. " · 12%") follows the name. */
  function topicLabel(tag, className, id, lang, after) {
    var name = topicName(id, lang);
    var node = el(tag, className);
    var part = node.appendChild(el("span", null, name[0]));
    if (name[1] !== (lang === "en" ? "en" : "zh")) part.setAttribute("lang", name[1] === "en" ? "en" : "zh-CN");
    if (after) node.appendChild(document.createTextNode(after));
    return node;
  }

  function remember(reply) {
    learnTitles(reply);
    [reply.topic].concat((reply.alternatives || []).map(function (a) { return a && a.topic; }))
      .forEach(function (topic) {
        if (topic && TOPIC_ID.test(topic) && callTopics.indexOf(topic) < 0) callTopics.push(topic);
      });
  }

  /* ---------- the call's answers, kept for a reload ---------- */

  /* The saved answers of the current call ([] for another call's or unreadable ones). */
  function savedCards() {
    var saved = null;
    try { saved = JSON.parse(get(KEYS.cards) || "null"); } catch (e) { saved = null; }
    if (!saved || saved.call !== get(KEYS.call) || !Array.isArray(saved.cards)) return [];
    return saved.cards.filter(function (c) { return c && c.reply && typeof c.reply === "object" && c.ctx; });
  }

  /* Keep the newest MAX_SAVED_CARDS; when the storage is full, fewer (oldest dropped first). */
  function saveCards(cards) {
    cards = cards.slice(-MAX_SAVED_CARDS);
    while (cards.length && !put(KEYS.cards, JSON.stringify({ call: get(KEYS.call), cards: cards }))) {
      cards = cards.slice(1);
    }
    if (!cards.length) drop(KEYS.cards);
  }

  function saveCard(entry) { saveCards(savedCards().concat([entry])); }

  /* A card's feedback, once saved, is shown as sent after a reload (not sent twice). */
  function saveFeedback(key, status) {
    saveCards(savedCards().map(function (c) {
      return c.key === key ? { key: c.key, reply: c.reply, ctx: c.ctx, feedback: status } : c;
    }));
  }

  function restoreCards() {
    var answers = $("answers");
    answers.textContent = "";
    savedCards().forEach(function (saved) {
      try {
        remember(saved.reply);
        answers.insertBefore(renderCard(saved.reply, saved.ctx, saved), answers.firstChild);
      } catch (e) { /* one this console cannot show (saved by another version) is left out */ }
    });
  }

  /* ---------- API ---------- */

  function post(path, body) {
    return fetch(API + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + (get(KEYS.token) || "") },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function checkToken(token) {
    return fetch(API + "/auth", { headers: { Authorization: "Bearer " + token } })
      .then(function (response) { return response.status; });
  }

  function expired() {
    signOut();
    $("signin-error").textContent = "口令已失效，请重新登录 · Token no longer accepted: please sign in again";
  }

  /* ---------- sign-in ---------- */

  function showConsole() {
    $("signin").hidden = true;
    $("console").hidden = false;
    $("who").hidden = false;
    $("staff-name-shown").textContent = get(KEYS.name) || "";
    if (!get(KEYS.call)) newCall();
    else {
      $("call-id").textContent = get(KEYS.call);
      restoreCards(); // a reload during a call: its answers come back with its context
    }
    $("question").focus();
  }

  /* Signing out ends the call: whoever signs in next on this tab (another agent, another
   * caller) starts a call of their own, never in the previous caller's context. */
  function signOut() {
    endCall();
    [KEYS.token, KEYS.name].forEach(drop);
    $("console").hidden = true;
    $("who").hidden = true;
    $("signin").hidden = false;
    $("staff-name-shown").textContent = "";
    $("token").value = "";
    $("staff-name").value = "";
    $("token").focus();
  }

  /* The token is checked against the API (GET /webhooks/hotline/auth: 200 or 401) before
   * it is kept, so a wrong one is refused at once. */
  function signIn(event) {
    event.preventDefault();
    var token = $("token").value.trim();
    var name = $("staff-name").value.trim();
    var error = $("signin-error");
    error.textContent = "";
    if (!token || !name) {
      error.textContent = "请填写口令和姓名 · Enter the token and your name";
      (token ? $("staff-name") : $("token")).focus();
      return;
    }
    var button = $("signin-button");
    button.disabled = true;
    checkToken(token).then(function (status) {
      if (status === 401) {
        error.textContent = "口令错误 · wrong token";
        $("token").select();
        $("token").focus();
      } else if (status === 200) {
        put(KEYS.token, token);
        put(KEYS.name, name);
        $("token").value = "";
        showConsole();
      } else {
        error.textContent = "助手暂时不可用（" + status + "）· The assistant is unavailable";
      }
    }).catch(function () {
      error.textContent = "无法连接助手 · Cannot reach the assistant";
    }).then(function () { button.disabled = false; });
  }

  /* ---------- calls and questions ---------- */

  /* Forget the current call: its id, its saved answers and what is on screen. */
  function endCall() {
    drop(KEYS.call);
    drop(KEYS.cards);
    callTopics = [];
    $("ask-button").disabled = false; // a question still pending was the ended call's (ask)
    $("answers").removeAttribute("aria-busy");
    $("call-id").textContent = "";
    $("answers").textContent = "";
    $("answer-status").textContent = "";
    $("ask-error").textContent = "";
    $("question").value = "";
  }

  function newCall() {
    endCall();
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var bytes = new Uint8Array(3);
    window.crypto.getRandomValues(bytes);
    var id = "call-" + now.getFullYear() + pad(now.getMonth() + 1) + pad(now.getDate()) + "-" +
      pad(now.getHours()) + pad(now.getMinutes()) + pad(now.getSeconds()) + "-" +
      Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    put(KEYS.call, id);
    $("call-id").textContent = id;
    $("question").focus();
  }

  /* What a refused question is told, in both languages (the server's error texts are English
   * only and name JSON fields). */
  function askError(result) {
    if (result.status === 413) {
      return "问题太长，请删减后再查询 · The question is too long: shorten it and ask again";
    }
    var detail = result.data && typeof result.data.error === "string" ? ": " + result.data.error : "";
    return "无法查询（" + result.status + "）· Could not ask (" + result.status + ")" + detail;
  }

  /* Short news of a new card for screen readers (the cards' region is not live: a whole card
   * read out at once is too long to follow while a caller waits). */
  function announce(reply) {
    var title = reply.answer && reply.answer.title ? reply.answer.title : "";
    var pct = Math.round((typeof reply.confidence === "number" ? reply.confidence : 0) * 100);
    $("answer-status").textContent = title
      ? "新答复：" + title + "，置信度 " + pct + "% · New answer: " + title + ", confidence " + pct + "%"
      : "新答复 · New answer";
  }

  /* Send ``message`` for the current call; ``question`` is what the caller asked (kept for
   * feedback when staff switch topics with a button), ``shown`` how a button's payload is
   * shown on the card. Resolves to whether an answer came. */
  function ask(message, question, focusCard, shown) {
    var sender = get(KEYS.call);
    var error = $("ask-error");
    var button = $("ask-button");
    error.textContent = "";
    button.disabled = true;
    $("answers").setAttribute("aria-busy", "true");
    return post("/webhook", { sender: sender, message: message }).then(function (result) {
      // an answer for a call that has ended (new call, sign-out) meanwhile is not this call's
      if (get(KEYS.call) !== sender) return false;
      if (result.status === 401) { expired(); return false; }
      if (result.status !== 200) { error.textContent = askError(result); return false; }
      remember(result.data);
      var ctx = { question: question, asked: shown || message, sender: sender };
      var saved = { key: nextKey(), reply: result.data, ctx: ctx, feedback: null };
      var card = renderCard(result.data, ctx, saved);
      saveCard(saved);
      var answers = $("answers");
      answers.insertBefore(card, answers.firstChild);
      announce(result.data);
      if (focusCard) card.querySelector("h2").focus();
      return true;
    }).catch(function () {
      if (get(KEYS.call) !== sender) return false;
      error.textContent = "无法连接助手，请重试 · Cannot reach the assistant; please retry";
      return false;
    }).then(function (answered) {
      button.disabled = false;
      $("answers").removeAttribute("aria-busy");
      return answered;
    });
  }

  /* A key for a saved card, unique within the call (the saved ones survive a reload). */
  function nextKey() {
    return savedCards().reduce(function (top, c) { return Math.max(top, Number(c.key) || 0); }, 0) + 1;
  }

  function onAsk(event) {
    event.preventDefault();
    var text = $("question").value.trim();
    if (!text) { $("question").focus(); return; }
    var call = get(KEYS.call);
    ask(text, text, false).then(function (answered) {
      // a refused question (e.g. too long) comes back to the box to be shortened, not retyped
      if (!answered && !$("question").value && get(KEYS.call) === call) $("question").value = text;
    });
    $("question").value = "";
    $("question").focus();
  }

  function onQuestionKey(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      $("ask-form").requestSubmit ? $("ask-form").requestSubmit() : onAsk(event);
    }
  }

  /* ---------- answer card ---------- */

  function section(card, zh, en, className) {
    var box = el("section", "part " + (className || ""));
    box.appendChild(bi(zh, en, "h3"));
    card.appendChild(box);
    return box;
  }

  function percent(value) {
    var pct = Math.round((Number(value) || 0) * 100);
    return pct < 1 ? "<1%" : pct + "%";
  }

  function confidenceBadge(reply) {
    var value = typeof reply.confidence === "number" ? reply.confidence : (reply.intent || {}).confidence || 0;
    var pct = Math.round(value * 100);
    var level = value >= 0.7 ? "high" : (value >= 0.4 ? "mid" : "low");
    var badge = bi("置信度 " + pct + "%", level === "low" ? "confidence " + pct + "% — low: confirm with the caller" : "confidence " + pct + "%", "span", "badge confidence " + level);
    badge.setAttribute("data-confidence", String(value));
    return badge;
  }

  function checklistText(answer) {
    var zh = /[\u4e00-\u9fff]/.test(answer.title || "");
    var lines = [(zh ? "材料清单：" : "Documents: ") + (answer.title || "")];
    answer.materials.forEach(function (m) {
      var flag = m.required ? (zh ? "必需" : "required") : (zh ? "视情况" : "if applicable");
      lines.push("☐ " + m.name + (zh ? "（" + flag + "）" : " (" + flag + ")") + (m.note ? " — " + m.note : ""));
    });
    return lines.join("\n");
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return new Promise(function (resolve, reject) {
      try { resolve(fallbackCopy(text)); } catch (e) { reject(e); }
    });
  }

  /* execCommand('copy') on a hidden textarea: plain-http intranet pages have no clipboard API. */
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "0";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    if (!ok) throw new Error("copy failed");
    return true;
  }

  /* A copy button and its confirmation (role=status: read out, and visible beside it);
   * ``text`` gives what to copy when it is pressed. */
  function copyRow(zh, en, className, statusClass, text) {
    var row = el("div", "row");
    var copy = bi(zh, en, "button", "btn " + className);
    copy.type = "button";
    var status = el("span", statusClass);
    status.setAttribute("role", "status");
    copy.addEventListener("click", function () {
      status.textContent = "";
      copyText(text()).then(function () {
        status.textContent = "已复制 · Copied";
      }).catch(function () {
        status.textContent = "无法复制，请手动选择 · Copy failed: select the text by hand";
      });
    });
    row.appendChild(copy);
    row.appendChild(status);
    return row;
  }

  /* The reply as the bot sends it (its text with the sources line), for staff to paste into
   * a mail or a chat; the card's text when the reply has none. */
  function answerText(reply, shown) {
    var texts = (reply.replies || []).filter(function (r) { return typeof r === "string" && r.trim(); });
    return texts.length ? texts.join("\n\n") : shown.innerText;
  }

  function renderMaterials(card, answer) {
    if (!answer || !answer.materials || !answer.materials.length) return;
    var box = section(card, "材料清单", "Documents checklist", "materials");
    var list = el("ul", "checklist");
    answer.materials.forEach(function (m, i) {
      var item = el("li");
      var label = el("label");
      var box2 = el("input");
      box2.type = "checkbox";
      box2.id = "m" + cardCount + "-" + i;
      label.htmlFor = box2.id;
      label.appendChild(el("span", "name", m.name));
      label.appendChild(el("span", "flag " + (m.required ? "required" : "optional"), m.required ? "必需 required" : "视情况 if applicable"));
      item.appendChild(box2);
      item.appendChild(label);
      if (m.note) item.appendChild(el("span", "note", m.note));
      list.appendChild(item);
    });
    box.appendChild(list);
    box.appendChild(copyRow("复制清单", "Copy checklist", "copy", "copy-status",
      function () { return checklistText(answer); }));
  }

  function renderDetails(card, answer) {
    if (!answer) return;
    if (answer.steps && answer.steps.length) {
      var steps = section(card, "办理流程", "Steps", "steps");
      var ol = el("ol");
      answer.steps.forEach(function (s) { ol.appendChild(el("li", null, s)); });
      steps.appendChild(ol);
    }
    var facts = [["办理地点", "Where", answer.where], ["时限/有效期", "How long", answer.duration],
      ["申请条件", "Who qualifies", answer.eligibility]].filter(function (f) { return f[2]; });
    if (facts.length) {
      var dl = el("dl", "facts");
      facts.forEach(function (f) {
        dl.appendChild(bi(f[0], f[1], "dt"));
        dl.appendChild(el("dd", null, f[2]));
      });
      section(card, "要点", "Key facts", "key-facts").appendChild(dl);
    }
  }

  function renderSources(card, reply) {
    if (!reply.sources || !reply.sources.length) return;
    // exactly the sources of what the suggested answer says, titled in its language
    var box = section(card, "来源", "Source", "sources-part");
    var list = el("ul", "source-list");
    var lang = reply.language === "en" ? "en" : "zh";
    reply.sources.forEach(function (s) { list.appendChild(R.sourceItem(s, lang)); });
    box.appendChild(list);
  }

  function renderAlternatives(card, reply, ctx) {
    var alternatives = (reply.alternatives || []).filter(function (a) { return a && TOPIC_ID.test(a.topic); });
    var buttons = (reply.buttons || []).filter(function (b) { return b && typeof b.payload === "string"; });
    if (!alternatives.length && !buttons.length) return;
    var box = section(card, buttons.length ? "请来电人选择" : "其他可能主题",
      buttons.length ? "Ask the caller which one" : "Other possible topics", "alternatives");
    var group = el("div", "choices");
    buttons.forEach(function (b) {
      var button = el("button", "chip", b.title);
      button.type = "button";
      button.addEventListener("click", function () { ask(b.payload, ctx.question, true, "→ " + b.title); });
      group.appendChild(button);
    });
    alternatives.forEach(function (a) {
      // named in the card's language (the bot's buttons above already are)
      var button = topicLabel("button", "chip alt", a.topic, reply.language, " · " + percent(a.confidence));
      button.type = "button";
      button.setAttribute("data-topic", a.topic);
      button.addEventListener("click", function () {
        // same payload shape as the bot's own buttons: the topic, and the aspect asked about
        var entity = reply.aspect && ASPECTS[reply.aspect] ? '{"aspect": "' + reply.aspect + '"}' : "";
        ask("/ask_" + a.topic + entity, ctx.question, true, "→ " + topicName(a.topic, reply.language)[0]);
      });
      group.appendChild(button);
    });
    box.appendChild(group);
  }

  function renderOther(card, reply) {
    var other = reply.answer_other;
    if (!other || typeof other.text !== "string") return;
    var english = other.language === "en";
    var labels = english ? [["显示英文版", "Show English"], ["隐藏英文版", "Hide English"]]
      : [["显示中文版", "Show Chinese"], ["隐藏中文版", "Hide Chinese"]];
    var toggle = el("button", "btn other-toggle");
    var label = function (pair) {
      toggle.textContent = "";
      toggle.appendChild(bi(pair[0], pair[1]));
    };
    label(labels[0]);
    toggle.type = "button";
    toggle.setAttribute("aria-expanded", "false");
    var panel = el("div", "other-answer");
    panel.hidden = true;
    panel.id = "other-" + cardCount;
    panel.setAttribute("lang", english ? "en" : "zh-CN");
    toggle.setAttribute("aria-controls", panel.id);
    if (other.answer_object) R.renderAnswer(panel, other.answer_object);
    else R.renderText(panel, other.text, { heading: true });
    toggle.addEventListener("click", function () {
      panel.hidden = !panel.hidden;
      toggle.setAttribute("aria-expanded", String(!panel.hidden));
      label(labels[panel.hidden ? 0 : 1]);
    });
    card.appendChild(toggle);
    card.appendChild(panel);
  }

  /* ``saved``: the card's saved entry (its key, and its feedback once sent). */
  function renderFeedback(card, reply, ctx, saved) {
    var box = section(card, "这个答复对吗？", "Is this answer right?", "feedback");
    var row = el("div", "row");
    var right = bi("✓ 正确", "Right", "button", "btn good");
    var wrong = bi("✗ 错误", "Wrong", "button", "btn bad");
    right.type = wrong.type = "button";
    row.appendChild(right);
    row.appendChild(wrong);
    box.appendChild(row);

    var form = el("form", "wrong-form");
    form.hidden = true;
    var n = cardCount;
    var pick = el("select");
    pick.id = "right-topic-" + n;
    pick.appendChild(el("option", null, "— 选择 choose —")).value = "";
    var choices = (reply.alternatives || []).map(function (a) { return a.topic; }).concat(callTopics);
    choices.filter(function (topic, i) {
      return TOPIC_ID.test(topic) && topic !== reply.topic && choices.indexOf(topic) === i;
    }).forEach(function (topic) {
      pick.appendChild(el("option", null, topicName(topic, reply.language)[0])).value = topic;
    });
    var typed = el("input");
    typed.type = "text";
    typed.id = "right-topic-text-" + n;
    typed.maxLength = 100;
    var note = el("textarea");
    note.id = "note-" + n;
    note.rows = 2;
    note.maxLength = 1000;
    [[pick, "正确主题", "Right topic"], [typed, "或输入主题", "or type one"], [note, "备注（可选）", "Note (optional)"]]
      .forEach(function (f) {
        var field = el("div", "field");
        var label = bi(f[1], f[2], "label");
        label.htmlFor = f[0].id;
        field.appendChild(label);
        field.appendChild(f[0]);
        form.appendChild(field);
      });
    var submit = bi("提交反馈", "Send feedback", "button", "btn primary");
    submit.type = "submit";
    form.appendChild(submit);
    box.appendChild(form);
    var status = el("p", "feedback-status");
    status.setAttribute("role", "status");
    box.appendChild(status);

    if (saved.feedback) { // sent before a reload: shown as sent, not offered again
      status.textContent = String(saved.feedback);
      right.disabled = wrong.disabled = submit.disabled = true;
    }

    function sendFeedback(correct) {
      var body = {
        sender: ctx.sender, question: ctx.question, topic: reply.topic || null, correct: correct,
        staff_name: get(KEYS.name) || ""
      };
      if (!correct) {
        body.right_topic = typed.value.trim() || pick.value || null;
        body.note = note.value.trim() || null;
      }
      right.disabled = wrong.disabled = submit.disabled = true;
      status.textContent = "正在保存… · Saving…";
      post("/feedback", body).then(function (result) {
        if (result.status === 401) { expired(); return; }
        if (result.status === 201) {
          status.textContent = "已记录，谢谢 · Saved, thank you (#" + result.data.id + ")";
          form.hidden = true;
          if (get(KEYS.call) === ctx.sender) saveFeedback(saved.key, status.textContent);
          return;
        }
        status.textContent = (result.data && result.data.error) || ("错误 Error " + result.status);
        right.disabled = wrong.disabled = submit.disabled = false;
      }).catch(function () {
        status.textContent = "无法保存，请重试 · Could not save; please retry";
        right.disabled = wrong.disabled = submit.disabled = false;
      });
    }

    right.addEventListener("click", function () { sendFeedback(true); });
    wrong.addEventListener("click", function () {
      form.hidden = false;
      wrong.setAttribute("aria-expanded", "true");
      pick.focus();
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); sendFeedback(false); });
  }

  /* One answer card; ``saved`` is its entry in the saved answers (renderFeedback). */
  function renderCard(reply, ctx, saved) {
    cardCount += 1;
    var card = el("article", "panel card");
    card.setAttribute("data-topic", reply.topic || "");
    card.setAttribute("data-language", reply.language || "");
    var head = el("header", "card-head");
    var title = reply.answer && reply.answer.title ? el("h2", null, reply.answer.title)
      : (reply.topic ? topicLabel("h2", null, reply.topic, reply.language)
        : el("h2", null, "无政策答复 · no policy answer"));
    title.tabIndex = -1;
    head.appendChild(title);
    var asked = "“" + ctx.question + "”" + (ctx.asked !== ctx.question ? " " + ctx.asked : "");
    head.appendChild(el("p", "asked", asked));
    var badges = el("div", "badges");
    badges.appendChild(el("span", "badge lang", reply.language === "en" ? "English" : "中文"));
    if (reply.aspect && ASPECTS[reply.aspect]) badges.appendChild(bi(ASPECTS[reply.aspect][0], ASPECTS[reply.aspect][1], "span", "badge"));
    badges.appendChild(confidenceBadge(reply));
    if (reply.handoff) badges.appendChild(bi("转人工", "hand-off", "span", "badge warn"));
    head.appendChild(badges);
    card.appendChild(head);

    var grid = el("div", "card-grid");
    var main = el("div", "card-main");
    var side = el("div", "card-side");
    var suggested = el("section", "part suggested");
    suggested.appendChild(bi("建议答复", "Suggested answer", "h3"));
    var text = el("div", "reply");
    text.setAttribute("lang", reply.language === "en" ? "en" : "zh-CN");
    if (reply.answer_object) {
      R.renderAnswer(text, reply.answer_object, { sources: false }); // sources: their own part
    } else {
      (reply.replies || []).forEach(function (r) { R.renderText(text, r, {}); });
    }
    suggested.appendChild(text);
    suggested.appendChild(copyRow("复制回答", "Copy answer", "copy-answer", "copy-answer-status",
      function () { return answerText(reply, text); }));
    main.appendChild(suggested);
    renderOther(main, reply);
    renderSources(main, reply);
    renderMaterials(side, reply.answer);
    renderDetails(side, reply.answer);
    renderAlternatives(side, reply, ctx);
    renderFeedback(side, reply, ctx, saved);
    grid.appendChild(main);
    grid.appendChild(side);
    card.appendChild(grid);
    return card;
  }

  /* ---------- start ---------- */

  $("signin-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("new-call").addEventListener("click", newCall);
  $("ask-form").addEventListener("submit", onAsk);
  $("question").addEventListener("keydown", onQuestionKey);
  $("staff-name").value = get(KEYS.name) || "";
  if (get(KEYS.token)) showConsole(); else $("token").focus();
})();
