/* Rendering shared by the chat page and the staff console. Everything from the bot goes in
 * through textContent / createElement: a reply or a source title is never parsed as HTML. */
(function () {
  "use strict";

  var SOURCE_LINE = /^(来源[:：]|Sources?:)/;
  var BULLET = /^\s*•\s*/;
  var NUMBERED = /^\s*(\d+)[.．]\s+/;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* Bot text: lines become paragraphs, "• " lines a <ul>, "1. " lines an <ol>, "⚠" lines a
   * warning. Options: heading (first line bold), dropSourceLine (a structured source list
   * is shown instead). */
  function renderText(container, text, options) {
    options = options || {};
    var lines = String(text || "").split("\n");
    var list = null;
    var listKind = null;
    lines.forEach(function (line, index) {
      if (!line.trim()) { list = null; return; }
      if (options.dropSourceLine && SOURCE_LINE.test(line.trim())) return;
      var numbered = NUMBERED.exec(line);
      var kind = BULLET.test(line) ? "ul" : (numbered ? "ol" : null);
      if (kind) {
        if (!list || listKind !== kind) {
          list = el(kind);
          if (kind === "ol" && numbered[1] !== "1") list.setAttribute("start", numbered[1]);
          listKind = kind;
          container.appendChild(list);
        }
        list.appendChild(el("li", null, line.replace(kind === "ul" ? BULLET : NUMBERED, "")));
        return;
      }
      list = null;
      var className = options.heading && index === 0 ? "answer-title" : (line.charAt(0) === "⚠" ? "warning" : null);
      container.appendChild(el("p", className, line));
    });
  }

  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  /* One source as "ref《title》 date" (zh) or "ref “title” date" (en), with a link only for
   * http(s) URLs. */
  function sourceItem(source, lang) {
    var item = el("li");
    var url = safeUrl(source.url);
    var ref = el(url ? "a" : "span", "ref", source.ref);
    if (url) { ref.href = url; ref.target = "_blank"; ref.rel = "noopener noreferrer"; }
    item.appendChild(ref);
    if (source.title && source.title !== source.ref) {
      var quoted = /^[《“"「]/.test(source.title);
      var title = quoted ? source.title : (lang === "zh" ? "《" + source.title + "》" : "“" + source.title + "”");
      item.appendChild(el("span", "source-title", (lang === "zh" && !quoted ? "" : " ") + title));
    }
    if (source.date) {
      item.appendChild(document.createTextNode(" "));
      var time = el("time", "source-date", source.date);
      time.setAttribute("datetime", String(source.date));
      item.appendChild(time);
    }
    return item;
  }

  window.DeskRender = { el: el, renderText: renderText, sourceItem: sourceItem, safeUrl: safeUrl };
})();
