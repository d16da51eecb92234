/* Web chat page: talks to Rasa's socket.io channel (credentials.yml), keeps the session id
 * and the transcript in localStorage so a reload continues the same conversation, and
 * renders answers (lists, source) through render.js (textContent/createElement only: bot and
 * user texts are never parsed as HTML). Plain ES2015 so it runs in the WeChat in-app browser. */
(function () {
  "use strict";

  var STORE_KEY = "pudongDesk.chat.v1";
  var MAX_KEPT = 200;
  var REPLY_TIMEOUT_MS = 30000;

  /* Every label comes from the desk's one texts file (data/texts.yml), served in /config.js
   * with the catalogue's topic list filled in. */
  var TEXT = (window.DESK_CONFIG && window.DESK_CONFIG.texts) || { zh: {}, en: {} };

  var R = window.DeskRender;
  var el = R.el;

  var $ = function (id) { return document.getElementById(id); };
  var els = {
    log: $("log"), status: $("status"), typing: $("typing"), form: $("composer"),
    input: $("message"), send: $("send"), langSwitch: $("lang-switch"), newChat: $("new-chat")
  };

  /* ---------- storage (localStorage may be unavailable: private mode, some webviews) ---------- */

  var memoryStore = null;

  function readStore() {
    try {
      var raw = window.localStorage.getItem(STORE_KEY);
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return memoryStore;
    }
  }

  function writeStore() {
    state.messages = state.messages.slice(-MAX_KEPT);
    memoryStore = state;
    try {
      window.localStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (e) { /* quota or disabled storage: keep the in-memory copy */ }
  }

  function newSessionId() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function defaultLang() {
    var asked = /[?&]lang=(zh|en)(?:&|$)/.exec(window.location.search); // set by the widget (widget.js)
    if (asked) return asked[1];
    var nav = (navigator.language || "zh").toLowerCase();
    return nav.indexOf("zh") === 0 ? "zh" : "en";
  }

  // This page's key, in memory only (never stored): see session_request below.
  var pageKey = newSessionId();

  var saved = readStore();
  var state = saved && typeof saved.sessionId === "string" && Array.isArray(saved.messages)
    ? saved
    : { sessionId: newSessionId(), lang: defaultLang(), messages: [] };
  if (!TEXT[state.lang]) state.lang = "zh";

  /* ---------- rendering ---------- */

  /* The language a text is written in, as the desk tells it (desk/language.py detect, with its
   * English-frame rule, without its pinyin rule): "zh" when its Chinese characters outweigh its
   * Latin words (a Chinese word is about 1.5 characters), "en" when they do not, null with neither. */
  var CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g;
  var LATIN_WORD = /[A-Za-z]+/g;
  function textLang(text) {
    text = String(text || "");
    var cjk = (text.match(CJK) || []).length;
    var words = (text.match(LATIN_WORD) || []).length;
    if (!cjk && !words) return null;
    if (words >= 2 && englishFrame(text)) return "en";
    return cjk / 1.5 >= words ? "zh" : "en";
  }

  /* An English question around one Chinese name ("Where is 人才驿站?") is English, whatever the
   * count says: the same rule as desk/language.py english_frame, so the label matches the reply. */
  var CJK_RANGES = CJK.source.slice(1, -1);  // the one CJK class, its ranges without the brackets
  var ENGLISH_OPENING = new RegExp("^[^\\w" + CJK_RANGES + "]*(where|what|what's|how|when|which|who|is|are|can|could|do|" +
    "does|should|tell me|any|anyone)\\b", "i");
  var CHINESE_ASKING = /[吗嗎呢吧么麼啥哪几幾]|什么|什麼|怎么|怎麼|如何|多少|是否|能|可以|要|需要|有没有|請問|请问/;
  var CJK_RUN = new RegExp(CJK.source + "+", "g");
  function englishFrame(text) {
    var runs = text.match(CJK_RUN) || [];
    return runs.length === 1 && ENGLISH_OPENING.test(text) && !CHINESE_ASKING.test(runs[0]);
  }

  /* A message's own language: a reply's is the one its desk payload names (else its text's), the
   * user's the one they wrote in (kept when sent: the page's language then when it cannot be told). */
  function messageLang(message) {
    var lang = (message.desk && message.desk.language) || message.lang || textLang(message.text);
    return TEXT[lang] ? lang : state.lang;
  }

  function renderMessage(message, index) {
    var isBot = message.who === "bot";
    var node = el("div", "msg " + (isBot ? "bot" : "user"));
    node.setAttribute("data-index", String(index));
    // the hidden speaker label and the screen reader's voice follow the message's language, not
    // the page's (which follows the replies, and so was one message behind)
    var lang = messageLang(message);
    node.setAttribute("lang", TEXT[lang].htmlLang);
    if (message.desk && message.desk.language) {
      node.setAttribute("data-lang", message.desk.language || "");
      node.setAttribute("data-topic", message.desk.topic || "");
      node.setAttribute("data-aspect", message.desk.aspect || "");
      if (message.desk.handoff) node.classList.add("handoff");
    }
    node.appendChild(el("span", "visually-hidden", isBot ? TEXT[lang].bot : TEXT[lang].you));
    var body = el("div", "body");
    if (isBot) {
      var desk = message.desk;
      if (desk && desk.answer_object) R.renderAnswer(body, desk.answer_object);
      else R.renderText(body, message.text, {});
    } else {
      body.appendChild(el("p", null, message.text));
    }
    node.appendChild(body);
    if (isBot && message.buttons && message.buttons.length) {
      var group = el("div", "quick-replies");
      group.setAttribute("role", "group");
      var live = index === state.messages.length - 1;
      message.buttons.forEach(function (button) {
        var b = el("button", "chip", button.title);
        b.type = "button";
        b.disabled = !live;
        b.addEventListener("click", function () {
          send(button.payload, button.title);
          els.input.focus();
        });
        group.appendChild(b);
      });
      node.appendChild(group);
    }
    return node;
  }

  function renderAll() {
    var welcome = $("welcome");
    while (els.log.lastChild && els.log.lastChild !== welcome) els.log.removeChild(els.log.lastChild);
    state.messages.forEach(function (message, index) { els.log.appendChild(renderMessage(message, index)); });
    scrollToEnd();
  }

  function rerender(index) {
    var old = els.log.querySelector('[data-index="' + index + '"]');
    var fresh = renderMessage(state.messages[index], index);
    if (old) els.log.replaceChild(fresh, old); else els.log.appendChild(fresh);
  }

  function disableOldQuickReplies() {
    var buttons = els.log.querySelectorAll(".quick-replies button");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
  }

  function scrollToEnd() {
    els.log.scrollTop = els.log.scrollHeight;
  }

  function applyLabels() {
    var t = TEXT[state.lang];
    document.documentElement.lang = t.htmlLang;
    $("title").textContent = t.title;
    $("subtitle").textContent = t.subtitle;
    $("welcome-text").textContent = t.welcome;
    $("welcome-hint").textContent = t.hint;
    $("message-label").textContent = t.inputLabel;
    $("typing-text").textContent = t.typing;
    els.input.placeholder = t.placeholder;
    els.send.textContent = t.send;
    els.langSwitch.textContent = t.switchTo;
    els.langSwitch.setAttribute("lang", t.switchLang);
    els.langSwitch.setAttribute("aria-label", t.switchLabel);
    els.newChat.textContent = t.newChat;
    els.newChat.setAttribute("aria-label", t.newChatLabel);
    els.log.setAttribute("aria-label", t.log);
    document.title = t.title + " · " + (state.lang === "zh" ? "Pudong Talent Desk" : "浦东国际人才服务");
    showStatus(currentStatus);
  }

  var currentStatus = null;
  function showStatus(key) {
    currentStatus = key;
    els.status.textContent = key ? TEXT[state.lang][key] : "";
    els.status.hidden = !key;
  }

  var typingTimer = null;
  function setTyping(on) {
    els.typing.hidden = !on;
    if (typingTimer) { clearTimeout(typingTimer); typingTimer = null; }
    if (on) {
      typingTimer = setTimeout(function () { setTyping(false); showStatus("noReply"); }, REPLY_TIMEOUT_MS);
    }
  }

  /* ---------- conversation ---------- */

  var socket = null;
  var ready = false;
  var pending = [];

  function addMessage(message) {
    state.messages.push(message);
    if (state.messages.length > MAX_KEPT) {
      writeStore();
      renderAll();
      return;
    }
    disableOldQuickReplies();
    els.log.appendChild(renderMessage(message, state.messages.length - 1));
    writeStore();
    scrollToEnd();
    if (message.who === "bot") document.dispatchEvent(new CustomEvent("desk:reply")); // embed.js: unread badge
  }

  function emitMessage(payload) {
    socket.emit("user_uttered", { message: payload, session_id: state.sessionId });
  }

  /* Show ``shown`` (the button title, or the text typed) and send ``payload``. */
  function send(payload, shown) {
    payload = String(payload || "").trim();
    if (!payload) return;
    addMessage({ who: "user", text: shown || payload, lang: textLang(shown || payload) || state.lang });
    setTyping(true);
    if (ready) emitMessage(payload); else pending.push(payload);
  }

  function keptDesk(desk) {
    return {
      language: desk.language || null,
      topic: desk.topic || null,
      aspect: desk.aspect || null,
      answer: desk.answer ? { title: desk.answer.title || null } : null,
      answer_object: desk.answer_object && typeof desk.answer_object === "object" ? desk.answer_object : null,
      sources: Array.isArray(desk.sources) ? desk.sources : [],
      handoff: !!desk.handoff
    };
  }

  function followLanguage(lang) {
    if (TEXT[lang] && lang !== state.lang) {
      state.lang = lang;
      applyLabels();
    }
  }

  function onBotMessage(data) {
    if (!data || typeof data !== "object") return;
    showStatus(null);
    var custom = data.custom && typeof data.custom === "object" ? data.custom : null;
    var desk = custom && custom.desk && typeof custom.desk === "object" ? custom.desk : null;
    if (desk) {
      setTyping(false);
      var last = state.messages.length - 1;
      if (last >= 0 && state.messages[last].who === "bot" && !state.messages[last].desk) {
        state.messages[last].desk = keptDesk(desk);
        state.messages[last].lang = desk.language || state.messages[last].lang;
        writeStore();
        rerender(last);
        scrollToEnd();
      }
      followLanguage(desk.language);
      return;
    }
    var text = typeof data.text === "string" ? data.text : "";
    var replies = data.quick_replies || data.buttons || [];
    var buttons = Array.isArray(replies) ? replies.filter(function (b) {
      return b && typeof b.title === "string" && typeof b.payload === "string";
    }).map(function (b) { return { title: b.title, payload: b.payload }; }) : [];
    if (!text && !buttons.length) return;
    setTyping(false);
    addMessage({ who: "bot", text: text, buttons: buttons, lang: null });
  }

  function connect() {
    var config = window.DESK_CONFIG || {};
    if (typeof window.io !== "function" || !config.rasaUrl) {
      showStatus("noServer");
      return;
    }
    showStatus("connecting");
    socket = window.io(config.rasaUrl, { path: "/socket.io", reconnectionDelayMax: 10000 });
    socket.on("connect", function () {
      // the page key proves a reconnect after a network drop is this page, not another holder of the id
      socket.emit("session_request", { session_id: state.sessionId, page_key: pageKey });
    });
    socket.on("session_confirm", function (sessionId) {
      if (typeof sessionId === "string" && sessionId && sessionId !== state.sessionId) {
        state.sessionId = sessionId;
        writeStore();
      }
      ready = true;
      showStatus(null);
      var queued = pending;
      pending = [];
      queued.forEach(emitMessage);
    });
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function () {
      ready = false;
      showStatus("offline");
    });
    socket.on("connect_error", function () {
      ready = false;
      showStatus("offline");
    });
  }

  function switchLanguage() {
    var target = state.lang === "zh" ? "en" : "zh";
    state.lang = target;
    writeStore();
    applyLabels();
    send(TEXT[target].switchMessage);
    els.langSwitch.focus();
  }

  function newChat() {
    state = { sessionId: newSessionId(), lang: state.lang, messages: [] };
    writeStore();
    pending = [];
    setTyping(false);
    renderAll();
    if (socket) {
      ready = false;
      socket.disconnect();
      socket.connect();
    }
    els.input.focus();
  }

  els.form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = els.input.value;
    if (!text.trim()) { els.input.focus(); return; }
    els.input.value = "";
    send(text);
    els.input.focus();
  });
  els.langSwitch.addEventListener("click", switchLanguage);
  els.newChat.addEventListener("click", newChat);

  applyLabels();
  renderAll();
  connect();
  // focus the input where there is a keyboard anyway; on phones it would pop the keyboard up.
  // In the widget's panel (?embed=1) the widget says when (embed.js): never on the host's page load.
  var embedded = /[?&]embed=1(?:&|$)/.test(window.location.search);
  if (!embedded && window.matchMedia && window.matchMedia("(pointer: fine)").matches) els.input.focus();
})();
