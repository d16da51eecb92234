/* Pudong Talent Desk widget for other sites: <script src="https://DESK/widget.js" defer></script>
 *
 * Adds ONE element (<pudong-desk-widget>, its parts in a shadow root so the host's CSS cannot
 * reach them) with a launcher button that opens the desk's chat page in an iframe panel: a
 * corner panel on desktop, full screen on phones. The chat runs on the desk's origin, so the
 * host's scripts cannot read it and it cannot read the host; its own storage keeps the
 * conversation across the host's pages. The only global is window.PudongDesk.
 *
 * Renders nothing unless the page's origin is one the desk lists (DESK_WIDGET_ORIGINS, put in
 * below by desk/web/serve.py when it serves this file). Loads nothing but the chat page, sets
 * styles through CSSOM (adoptedStyleSheets) so a host CSP of `script-src DESK; frame-src DESK`
 * is enough. Options are data- attributes of the script tag: data-lang (zh | en),
 * data-position (right | left), data-title, data-accent (#rgb or #rrggbb), data-open (true).
 * Plain ES2015, like the chat page. */
(function () {
  "use strict";

  var CONFIG = /*@desk-widget-config*/{};
  var MESSAGE_SOURCE = "pudong-desk";
  var OPEN_KEY = "pudongDesk.open";
  var DEFAULT_ACCENT = "#0b5cad";
  var Z_INDEX = "2147483000"; // the panel sits one above, over the launcher on phones

  var TEXT = {
    zh: {
      launcher: ["在线咨询", "Ask us"],
      title: "浦东国际人才服务 · Pudong Talent Desk",
      close: "关闭对话 Close chat",
      frame: "浦东国际人才服务在线咨询",
      unread: function (n) { return n + " 条新回复 · " + n + (n === 1 ? " new reply" : " new replies"); },
      arrived: "收到新回复 · New reply"
    },
    en: {
      launcher: ["Ask us", "在线咨询"],
      title: "Pudong Talent Desk · 浦东国际人才服务",
      close: "Close chat 关闭对话",
      frame: "Pudong Talent Desk chat",
      unread: function (n) { return n + (n === 1 ? " new reply" : " new replies") + " · " + n + " 条新回复"; },
      arrived: "New reply · 收到新回复"
    }
  };

  var script = document.currentScript || document.querySelector('script[src$="/widget.js"]');
  if (!script || window.PudongDesk) return; // loaded twice: the first copy stays in charge

  var allowed = Array.isArray(CONFIG.origins) ? CONFIG.origins : [];
  if (allowed.indexOf(window.location.origin) === -1) {
    if (window.console) {
      window.console.warn("Pudong Talent Desk widget: " + window.location.origin +
        " is not in the desk's DESK_WIDGET_ORIGINS, so no widget is shown.");
    }
    return;
  }
  var deskOrigin = new URL(script.src, window.location.href).origin;

  /* ---------- options ---------- */

  function option(name) { return (script.getAttribute("data-" + name) || "").trim(); }

  function pickLang() {
    var asked = option("lang").toLowerCase();
    if (asked.indexOf("zh") === 0) return "zh";
    if (asked.indexOf("en") === 0) return "en";
    var page = (document.documentElement.lang || navigator.language || "zh").toLowerCase();
    return page.indexOf("zh") === 0 ? "zh" : "en";
  }

  function hexColour(value) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value);
    if (!m) return null;
    var hex = m[1].length === 3 ? m[1].replace(/(.)/g, "$1$1") : m[1];
    return "#" + hex.toLowerCase();
  }

  function luminance(hex) {
    var channels = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
  }

  /* White text on the accent if that reads at 4.5:1 (WCAG AA), else dark ink. */
  function inkOn(hex) {
    var white = 1.05 / (luminance(hex) + 0.05);
    return white >= 4.5 ? "#ffffff" : "#1d2733";
  }

  var lang = pickLang();
  var t = TEXT[lang];
  var accent = hexColour(option("accent")) || DEFAULT_ACCENT;
  var position = option("position").toLowerCase() === "left" ? "left" : "right";
  var title = option("title") || t.title;
  var openOnLoad = /^(true|1|yes|open)$/i.test(option("open"));

  /* ---------- styles (CSSOM only: nothing a style-src CSP would refuse) ---------- */

  var CSS = [
    ":host { all: initial !important; }",
    ".root { --accent: " + accent + "; --on-accent: " + inkOn(accent) + "; font-family: -apple-system, BlinkMacSystemFont,",
    "  \"PingFang SC\", \"Hiragino Sans GB\", \"Microsoft YaHei\", \"Noto Sans CJK SC\", \"Segoe UI\", Roboto, Arial, sans-serif;",
    "  font-size: 16px; line-height: 1.4; color: #1d2733; }",
    "[hidden] { display: none !important; }",
    ".launcher { position: fixed; bottom: 20px; " + position + ": 20px; z-index: " + Z_INDEX + ";",
    "  display: inline-flex; align-items: center; gap: 8px; min-height: 52px; padding: 10px 18px 10px 14px;",
    "  border: 2px solid var(--on-accent); border-radius: 999px; background: var(--accent); color: var(--on-accent);",
    "  font: inherit; font-weight: 600; cursor: pointer; box-shadow: 0 4px 14px rgba(0, 0, 0, .28); }",
    ".launcher svg { width: 24px; height: 24px; flex-shrink: 0; fill: currentColor; }",
    ".launcher:focus-visible, .close:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; box-shadow: 0 0 0 5px #1d2733; }",
    ".badge { min-width: 22px; height: 22px; padding: 0 6px; border-radius: 999px; background: #a4262c; color: #fff;",
    "  font-size: 13px; line-height: 22px; text-align: center; box-sizing: border-box; }",
    ".panel { position: fixed; bottom: 86px; " + position + ": 20px; z-index: " + (Number(Z_INDEX) + 1) + ";",
    "  width: 400px; max-width: calc(100vw - 40px); height: 640px; max-height: calc(100vh - 110px);",
    "  display: flex; flex-direction: column; background: #fff; border-radius: 14px; overflow: hidden;",
    "  box-shadow: 0 10px 40px rgba(0, 0, 0, .3), 0 0 0 1px rgba(0, 0, 0, .12); }",
    ".head { display: flex; align-items: center; gap: 8px; padding: 6px 6px 6px 14px; background: var(--accent); color: var(--on-accent); }",
    ".title { flex: 1; min-width: 0; margin: 0; font-size: 15px; font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }",
    ".close { flex-shrink: 0; width: 44px; height: 44px; padding: 0; border: 0; border-radius: 8px; background: transparent;",
    "  color: inherit; font: inherit; font-size: 26px; line-height: 44px; cursor: pointer; }",
    ".close:hover { background: rgba(127, 127, 127, .25); }",
    "iframe { flex: 1; width: 100%; min-height: 0; border: 0; display: block; background: #f3f6f9; }",
    ".sr { position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; border: 0;",
    "  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }",
    "@media (max-width: 600px) {",
    "  .panel { top: 0; right: 0; bottom: 0; left: 0; width: 100%; height: 100%; max-width: none; max-height: none; border-radius: 0; }",
    "  .launcher { bottom: 14px; " + position + ": 14px; }",
    "  .root.open .launcher { display: none; }", // under the full-screen panel: keep it out of the Tab order
    "}",
    "@media (prefers-reduced-motion: no-preference) { .panel { animation: rise .16s ease-out; } }",
    "@keyframes rise { from { opacity: 0; transform: translateY(12px); } }"
  ].join("\n");

  function applyStyles(root) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch (e) { // browsers without constructable stylesheets
      var style = document.createElement("style");
      style.textContent = CSS;
      root.appendChild(style);
    }
  }

  /* ---------- elements ---------- */

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function chatIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 " +
      "1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z");
    svg.appendChild(path);
    return svg;
  }

  var host = document.createElement("pudong-desk-widget");
  var shadow = host.attachShadow({ mode: "open" });
  applyStyles(shadow);
  // a labelled landmark, so the launcher is not content outside landmarks on the host page
  var root = el("aside", { "class": "root", "aria-label": t.frame });

  var launcher = el("button", { type: "button", "class": "launcher", "aria-expanded": "false", "aria-controls": "panel" });
  launcher.appendChild(chatIcon());
  var labelFirst = el("span", { lang: lang === "zh" ? "zh-CN" : "en" }, t.launcher[0]);
  var labelSecond = el("span", { lang: lang === "zh" ? "en" : "zh-CN" }, t.launcher[1]);
  launcher.appendChild(labelFirst);
  launcher.appendChild(labelSecond);
  var badge = el("span", { "class": "badge", "aria-hidden": "true", hidden: "" });
  var unreadText = el("span", { "class": "sr" });
  launcher.appendChild(badge);
  launcher.appendChild(unreadText);

  var panel = el("div", { id: "panel", "class": "panel", role: "dialog", "aria-labelledby": "panel-title", hidden: "" });
  var head = el("div", { "class": "head" });
  head.appendChild(el("p", { id: "panel-title", "class": "title" }, title));
  var closeButton = el("button", { type: "button", "class": "close", "aria-label": t.close }, "×");
  head.appendChild(closeButton);
  panel.appendChild(head);

  var announcer = el("span", { "class": "sr", role: "status" });

  root.appendChild(panel);
  root.appendChild(launcher);
  root.appendChild(announcer);
  shadow.appendChild(root);

  /* ---------- behaviour ---------- */

  var frame = null;
  var frameReady = false;
  var focusWhenReady = false;
  var unread = 0;

  function frameUrl() {
    return deskOrigin + "/?embed=1&lang=" + lang + "&host=" + encodeURIComponent(window.location.origin);
  }

  function ensureFrame() {
    if (frame) return;
    frame = el("iframe", { title: t.frame, src: frameUrl(), allow: "clipboard-write" });
    panel.appendChild(frame);
  }

  function tellFrame(type) {
    if (frame && frame.contentWindow) frame.contentWindow.postMessage({ source: MESSAGE_SOURCE, type: type }, deskOrigin);
  }

  function showUnread() {
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = unread === 0;
    unreadText.textContent = unread ? "（" + t.unread(unread) + "）" : "";
  }

  function remember(open) {
    try { window.sessionStorage.setItem(OPEN_KEY, open ? "1" : "0"); } catch (e) { /* storage off */ }
  }

  function wasOpen() {
    try { return window.sessionStorage.getItem(OPEN_KEY) === "1"; } catch (e) { return false; }
  }

  function isOpen() { return !panel.hidden; }

  /* moveFocus: true when a person opened it (focus goes into the chat), false on page load */
  function open(moveFocus) {
    ensureFrame();
    panel.hidden = false;
    root.classList.add("open");
    launcher.setAttribute("aria-expanded", "true");
    unread = 0;
    showUnread();
    remember(true);
    if (moveFocus !== false) {
      frame.focus();
      if (frameReady) tellFrame("focus"); else focusWhenReady = true;
    }
  }

  function close() {
    if (!isOpen()) return;
    panel.hidden = true;
    root.classList.remove("open");
    launcher.setAttribute("aria-expanded", "false");
    focusWhenReady = false;
    remember(false);
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (isOpen()) close(); else open(true); });
  closeButton.addEventListener("click", close);
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen()) {
      event.stopPropagation();
      close();
    }
  });

  window.addEventListener("message", function (event) {
    if (!frame || event.source !== frame.contentWindow || event.origin !== deskOrigin) return;
    var data = event.data;
    if (!data || data.source !== MESSAGE_SOURCE) return;
    if (data.type === "ready") {
      frameReady = true;
      if (focusWhenReady && isOpen()) tellFrame("focus");
      focusWhenReady = false;
    } else if (data.type === "close") {
      close();
    } else if (data.type === "reply" && !isOpen()) {
      unread += 1;
      showUnread();
      announcer.textContent = "";
      announcer.textContent = t.arrived;
    }
  });

  function mount() {
    document.body.appendChild(host);
    if (openOnLoad || wasOpen()) open(false);
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  window.PudongDesk = {
    open: function () { open(true); },
    close: close,
    isOpen: isOpen,
    unread: function () { return unread; }
  };
})();
