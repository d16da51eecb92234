/* Rendering shared by the chat page and the staff console. Everything from the bot goes in
 * through textContent / createElement: a reply or a source title is never parsed as HTML. */
(function () {
  "use strict";

  var BULLET = /^\s*•\s*/;
  var NUMBERED = /^\s*(\d+)[.．]\s+/;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* A bot text without an answer object (e.g. an old transcript): lines become paragraphs,
   * "• " lines a <ul>, "1. " lines an <ol>, "⚠" lines a warning. Option: heading (first
   * line bold). Answers are rendered from their object (renderAnswer), never from text. */
  function renderText(container, text, options) {
    options = options || {};
    var lines = String(text || "").split("\n");
    var list = null;
    var listKind = null;
    lines.forEach(function (line, index) {
      if (!line.trim()) { list = null; return; }
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

  /* One source as "ref《title》 date" (zh) or "“title” (ref) date" (en: the Chinese document
   * number or publisher only in brackets after the English title), with a link only for
   * http(s) URLs. The title comes in the reply's language from the answer object. */
  function sourceItem(source, lang) {
    var item = el("li");
    var url = safeUrl(source.url);
    var hasTitle = source.title && source.title !== source.ref;
    var ref = el(url ? "a" : "span", "ref", lang === "en" && hasTitle ? "(" + source.ref + ")" : source.ref);
    if (url) { ref.href = url; ref.target = "_blank"; ref.rel = "noopener noreferrer"; }
    if (hasTitle) {
      var quoted = /^[《“"「]/.test(source.title);
      var title = quoted ? source.title : (lang === "zh" ? "《" + source.title + "》" : "“" + source.title + "”");
      if (lang === "en") {
        item.appendChild(el("span", "source-title", title + " "));
        item.appendChild(ref);
      } else {
        item.appendChild(ref);
        item.appendChild(el("span", "source-title", title));
      }
    } else {
      item.appendChild(ref);
    }
    if (source.date) {
      item.appendChild(document.createTextNode(" "));
      var time = el("time", "source-date", source.date);
      time.setAttribute("datetime", String(source.date));
      item.appendChild(time);
    }
    return item;
  }

  /* The sources part of an answer object: its label and every cited source. */
  function renderSources(container, answer) {
    if (!answer || !answer.sources || !answer.sources.length) return;
    var box = el("div", "sources");
    box.appendChild(el("span", "sources-label", answer.labels.source + (answer.language === "zh" ? "：" : ": ")));
    var list = el("ul");
    answer.sources.forEach(function (source) { list.appendChild(sourceItem(source, answer.language)); });
    box.appendChild(list);
    container.appendChild(box);
  }

  function factNode(tag, fact, text) {
    var node = el(tag, fact.ended ? "ended" : null, text === undefined ? fact.text : text);
    if (fact.sources && fact.sources.length) node.setAttribute("data-sources", fact.sources.join(" "));
    return node;
  }

  /* An answer object (desk.dialogue.answer) as DOM: heading, warnings, facts, steps,
   * materials, contacts and (unless options.sources is false) its sources. Nothing is parsed
   * from text: every part has its own field. */
  function renderAnswer(container, answer, options) {
    options = options || {};
    if (!answer) return;
    if (answer.heading) container.appendChild(el("p", "answer-title", answer.heading));
    (answer.warnings || []).forEach(function (w) { container.appendChild(el("p", "warning", w)); });
    (answer.items || []).forEach(function (item) {
      if (item.ended_warning) container.appendChild(el("p", "warning", item.ended_warning));
      container.appendChild(factNode("p", item));
    });
    (answer.paragraphs || []).forEach(function (p) { container.appendChild(el("p", null, p)); });
    if (answer.steps && answer.steps.length) {
      var ol = el("ol", "steps");
      answer.steps.forEach(function (step) {
        if (step.ended_warning) container.appendChild(el("p", "warning", step.ended_warning));
        ol.appendChild(factNode("li", step));
      });
      container.appendChild(ol);
    }
    if (answer.materials && answer.materials.length) {
      var ul = el("ul", "materials");
      answer.materials.forEach(function (m) {
        var li = factNode("li", m, m.text + " [" + m.flag + "]" + (m.note ? " (" + m.note + ")" : ""));
        if (answer.language === "zh") li.textContent = m.text + "【" + m.flag + "】" + (m.note ? "（" + m.note + "）" : "");
        ul.appendChild(li);
      });
      container.appendChild(ul);
    }
    if (answer.missing) container.appendChild(el("p", null, answer.missing));
    if (answer.contacts_intro) container.appendChild(el("p", null, answer.contacts_intro));
    if (answer.contacts && answer.contacts.length) {
      var contacts = el("ul", "contacts");
      answer.contacts.forEach(function (c) { contacts.appendChild(el("li", null, c.line)); });
      container.appendChild(contacts);
    }
    if (options.sources !== false) renderSources(container, answer);
  }

  window.DeskRender = {
    el: el, renderText: renderText, sourceItem: sourceItem, safeUrl: safeUrl,
    renderAnswer: renderAnswer, renderSources: renderSources
  };
})();
