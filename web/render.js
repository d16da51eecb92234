/* Rendering shared by the chat page and the staff console. Everything from the bot goes in
 * through textContent / createElement: a reply or a source title is never parsed as HTML.
 * http(s) URLs in an answer object's fact texts, paragraphs and contact lines become links
 * (appendLinked); plain texts (renderText), which may repeat what a user typed, stay text. */
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

  /* An http(s) URL in a text: ASCII URL characters only, so it ends at a space, a Chinese
   * character or full-width punctuation ("https://fwp.safea.gov.cn（也可…"); a trailing ".",
   * ",", ")" … belongs to the sentence, unless a ")" closes a "(" of the URL itself. */
  var URL_IN_TEXT = /https?:\/\/[A-Za-z0-9\-._~:\/?#\[\]@!$&'()*+,;=%]+/gi;
  var TRAILING = ".,;:!?'\")]";

  function count(text, char) { return text.split(char).length - 1; }

  function trimUrl(url) {
    while (url && TRAILING.indexOf(url.charAt(url.length - 1)) !== -1) {
      if (url.charAt(url.length - 1) === ")" && count(url, "(") >= count(url, ")")) break;
      url = url.slice(0, -1);
    }
    return /^https?:\/\/[A-Za-z0-9]/i.test(url) ? url : null;
  }

  /* A link that opens in a new tab without giving that page a handle on this one; its text
   * (the URL, or a source's ref) is its accessible name. */
  function link(url, className, text) {
    var a = el("a", className, text);
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  /* ``text`` appended to ``node`` as text nodes, its http(s) URLs as links: built node by
   * node, so nothing in an answer is ever parsed as HTML. */
  function appendLinked(node, text) {
    text = String(text === undefined || text === null ? "" : text);
    var done = 0;
    var match;
    URL_IN_TEXT.lastIndex = 0;
    while ((match = URL_IN_TEXT.exec(text)) !== null) {
      var url = trimUrl(match[0]);
      if (!url) continue;
      if (match.index > done) node.appendChild(document.createTextNode(text.slice(done, match.index)));
      node.appendChild(link(url, "link", url));
      done = match.index + url.length;
      URL_IN_TEXT.lastIndex = done;
    }
    if (done < text.length) node.appendChild(document.createTextNode(text.slice(done)));
    return node;
  }

  /* An element whose text may hold URLs (fact texts, contact lines, paragraphs). */
  function linked(tag, className, text) {
    return appendLinked(el(tag, className), text);
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
    var refText = lang === "en" && hasTitle ? "(" + source.ref + ")" : source.ref;
    var ref = url ? link(url, "ref", refText) : el("span", "ref", refText);
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
    var node = linked(tag, fact.ended ? "ended" : null, text === undefined ? fact.text : text);
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
    function facts(notes) {
      (answer.items || []).forEach(function (item) {
        if (!item.note !== !notes) return;
        if (item.ended_warning) container.appendChild(el("p", "warning", item.ended_warning));
        container.appendChild(factNode("p", item));
      });
    }
    facts(false);
    (answer.paragraphs || []).forEach(function (p) { container.appendChild(linked("p", null, p)); });
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
        ul.appendChild(factNode("li", m, answer.language === "zh"
          ? m.text + "【" + m.flag + "】" + (m.note ? "（" + m.note + "）" : "")
          : m.text + " [" + m.flag + "]" + (m.note ? " (" + m.note + ")" : "")));
      });
      container.appendChild(ul);
    }
    facts(true);  // a record's note after the steps or the list it adds to, as in the text replies
    if (answer.missing) container.appendChild(el("p", null, answer.missing));
    if (answer.contacts_intro) container.appendChild(el("p", null, answer.contacts_intro));
    if (answer.contacts && answer.contacts.length) {
      var contacts = el("ul", "contacts");
      answer.contacts.forEach(function (c) { contacts.appendChild(linked("li", null, c.line)); });
      container.appendChild(contacts);
    }
    if (options.sources !== false) renderSources(container, answer);
  }

  window.DeskRender = {
    el: el, renderText: renderText, sourceItem: sourceItem, safeUrl: safeUrl,
    renderAnswer: renderAnswer, renderSources: renderSources, appendLinked: appendLinked
  };
})();
