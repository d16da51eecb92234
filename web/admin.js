/* Admin console: topics and versions, import, publish with live progress, rollback, the
 * review queue, stale facts and analytics charts. The admin token lives in sessionStorage
 * (gone when the tab closes) and goes in the Authorization header of every API call, never
 * in a cookie. Every text from the server is put in with textContent. */
(function () {
  "use strict";

  var API = "/admin/api";
  var TOKEN_KEY = "desk.admin.token";
  var POLL_MS = 1000;
  var PALETTE = ["#0b5cad", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490", "#a16207", "#be185d",
                 "#4d7c0f", "#1d4ed8", "#9a3412", "#6d28d9", "#047857", "#86198f"];
  var topicIds = [];
  var charts = [];

  function $(id) { return document.getElementById(id); }
  function get() { try { return window.sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; } }
  function put(v) { try { window.sessionStorage.setItem(TOKEN_KEY, v); } catch (e) { /* ignore */ } }
  function drop() { try { window.sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* ignore */ } }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  /* An API call with the admin token. An answer that arrives after a sign-out never
   * resolves: its data must not come back into the signed-out page. */
  function api(method, path, body, token) {
    var sent = token || get() || "";
    var options = { method: method, headers: { Authorization: "Bearer " + sent } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(API + path, options).then(function (response) {
      if (!token && get() !== sent) { return new Promise(function () {}); }
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401 && !token) { signOut("Signed out: the admin token is no longer accepted."); }
        return { status: response.status, ok: response.ok, data: data };
      });
    });
  }

  // ------------------------------------------------------------ sign-in

  function showConsole(on) {
    $("signin").hidden = on;
    $("console").hidden = !on;
    $("who").hidden = !on;
  }

  /* Signing out removes what the console showed (topics, users' questions in the review
   * queue and analytics, job output) from the page, not only from sight. */
  function signOut(message) {
    drop();
    showConsole(false);
    forget();
    $("signin-error").textContent = message || "";
  }

  function forget() {
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    topicIds = [];
    versionsOf = null;
    polling = false;  // its pending call never resolves (api): the next sign-in may poll again
    ["history", "job-phases", "coverage-list", "versions-list", "diff-from", "diff-to", "diff", "import-result",
     "import-errors", "review-list", "stale-body", "charts"].forEach(function (id) { clear($(id)); });
    ["topics-table", "unanswered"].forEach(function (id) { clear($(id).querySelector("tbody")); });
    Array.prototype.slice.call($("gate-table").querySelectorAll("tr")).forEach(function (r) { r.remove(); });
    ["job-status", "job-message", "review-status", "analytics-summary"].forEach(function (id) {
      $(id).textContent = "";
    });
    $("job-status").className = "job-status";
    ["live-model", "published-model"].forEach(function (id) { $(id).textContent = "…"; });
    $("versions-title").textContent = "Versions";
    ["versions", "gate", "coverage", "job-message"].forEach(function (id) { $(id).hidden = true; });
    $("import-file").value = "";
  }

  function signIn(event) {
    event.preventDefault();
    var token = $("token").value.trim();
    $("signin-error").textContent = "";
    if (!token) { $("signin-error").textContent = "Enter the admin token."; return; }
    api("GET", "/auth", undefined, token).then(function (r) {
      if (r.status === 401) { $("signin-error").textContent = "Not signed in: wrong token."; return; }
      if (!r.ok) { $("signin-error").textContent = r.data.error || "The server refused the sign-in."; return; }
      put(token);
      $("token").value = "";
      start();
    }).catch(function () { $("signin-error").textContent = "The server is not reachable."; });
  }

  // ------------------------------------------------------------ publish

  function modelName(name) { return name || "none"; }

  function loadPublished() {
    return api("GET", "/published").then(function (r) {
      if (!r.ok) { return; }
      $("live-model").textContent = modelName(r.data.live);
      $("published-model").textContent = modelName(r.data.published);
      var list = $("history");
      clear(list);
      (r.data.history || []).forEach(function (e) {
        var text = (e.at || "") + " · " + e.action + " · " + (e.model || "") + (e.by ? " · by " + e.by : "");
        if (e.reasons && e.reasons.length) { text += " · " + e.reasons.join("; "); }
        list.appendChild(el("li", text));
      });
      renderJob(r.data.job);
      if (r.data.job && r.data.job.running) { poll(); }
    });
  }

  function figureRow(table, name, values) {
    var row = el("tr");
    row.appendChild(el("th", name)).setAttribute("scope", "row");
    ["topic", "oos_rejection", "aspect"].forEach(function (k) {
      var v = values && values[k];
      row.appendChild(el("td", v === undefined || v === null ? "–" : Number(v).toFixed(3), "num"));
    });
    table.appendChild(row);
  }

  function renderJob(job) {
    var report = job && job.report;
    var busy = !!(job && job.running);
    $("publish-button").disabled = busy;
    $("rollback-button").disabled = busy;
    $("accept-coverage").disabled = busy;
    if (!report) { return; }
    var status = $("job-status");
    status.textContent = report.kind + ": " + report.status;
    status.className = "job-status " + (["published", "rolled back", "unchanged"].indexOf(report.status) >= 0 ? "ok"
      : (report.status === "running" ? "" : "bad"));
    var phases = $("job-phases");
    clear(phases);
    (report.phases || []).forEach(function (p, i) {
      var item = el("li", "[" + Number(p.at).toFixed(0) + " s] " + p.name);
      if (busy && i === report.phases.length - 1) { item.className = "current"; }
      phases.appendChild(item);
    });
    var figures = report.figures || {};
    $("gate").hidden = !figures.candidate;
    if (figures.candidate) {
      var table = $("gate-table");
      Array.prototype.slice.call(table.querySelectorAll("tr")).forEach(function (r) { r.remove(); });
      var head = el("tr");
      ["Model", "Topic accuracy", "Out-of-scope rejection", "Aspect accuracy"].forEach(function (h, i) {
        var th = el("th", h, i ? "num" : ""); th.setAttribute("scope", "col"); head.appendChild(th);
      });
      table.appendChild(head);
      figureRow(table, "candidate", figures.candidate);
      if (figures.live) { figureRow(table, "live", figures.live); }
    }
    var covered = report.newly_covered || [];
    $("coverage").hidden = !(covered.length && report.status === "needs confirmation");
    var list = $("coverage-list");
    clear(list);
    covered.forEach(function (c) { list.appendChild(el("li", c.text + " → " + c.topic)); });
    var message = $("job-message");
    message.hidden = !report.message;
    message.textContent = report.message || "";
  }

  var polling = false;
  function poll() {
    if (polling) { return; }
    polling = true;
    (function tick() {
      if (!get()) { polling = false; return; }  // signed out: nothing to follow
      api("GET", "/job").then(function (r) {
        if (r.ok) { renderJob(r.data); }
        if (r.ok && r.data.running) { window.setTimeout(tick, POLL_MS); return; }
        polling = false;
        loadPublished();
        loadTopics();
      }).catch(function () { polling = false; });
    })();
  }

  function startJob(path, body) {
    $("job-message").hidden = true;
    api("POST", path, body).then(function (r) {
      if (!r.ok) {
        $("job-status").textContent = r.data.error || "refused";
        $("job-status").className = "job-status bad";
        return;
      }
      renderJob(r.data);
      poll();
    });
  }

  // ------------------------------------------------------------ topics and versions

  function loadTopics() {
    return api("GET", "/topics").then(function (r) {
      if (!r.ok) { return; }
      var body = $("topics-table").querySelector("tbody");
      clear(body);
      topicIds = r.data.topics.map(function (t) { return t.id; });
      r.data.topics.forEach(function (t) {
        var row = el("tr");
        row.appendChild(el("td", t.id));
        var title = el("td", t.title.en + " / ");
        title.appendChild(el("span", t.title.zh)).setAttribute("lang", "zh-CN");
        row.appendChild(title);
        row.appendChild(el("td", t.status));
        row.appendChild(el("td", t.version, "num"));
        row.appendChild(el("td", t.updated_at.replace("T", " ").replace("Z", "")));
        var cell = el("td");
        var button = el("button", "Versions", "btn");
        button.type = "button";
        button.setAttribute("aria-label", "Versions of " + t.id);
        button.addEventListener("click", function () { showVersions(t.id); });
        cell.appendChild(button);
        row.appendChild(cell);
        body.appendChild(row);
      });
      fillTopicSelects();
    });
  }

  var versionsOf = null;
  function showVersions(topic) {
    api("GET", "/topics/" + encodeURIComponent(topic) + "/versions").then(function (r) {
      if (!r.ok) { return; }
      versionsOf = topic;
      $("versions").hidden = false;
      $("versions-title").textContent = "Versions of " + topic;
      var list = $("versions-list");
      clear(list);
      [$("diff-from"), $("diff-to")].forEach(clear);
      r.data.versions.forEach(function (v) {
        list.appendChild(el("li", "v" + v.version + " · " + v.at.replace("T", " ") + " · " + v.action + " by " + v.by
          + (v.source ? " · " + v.source : "")));
        [$("diff-from"), $("diff-to")].forEach(function (s) {
          var o = el("option", "v" + v.version); o.value = v.version; s.appendChild(o);
        });
      });
      var n = r.data.versions.length;
      $("diff-from").selectedIndex = Math.max(0, n - 2);
      $("diff-to").selectedIndex = n - 1;
      $("diff").textContent = "";
      $("versions-title").scrollIntoView();
    });
  }

  function showDiff(event) {
    event.preventDefault();
    if (!versionsOf) { return; }
    var path = "/topics/" + encodeURIComponent(versionsOf) + "/diff?from=" + $("diff-from").value + "&to=" + $("diff-to").value;
    api("GET", path).then(function (r) {
      var box = $("diff");
      clear(box);
      if (!r.ok) { box.textContent = r.data.error || "no diff"; return; }
      if (!r.data.diff.length) { box.textContent = "The two versions say the same."; return; }
      r.data.diff.forEach(function (line) {
        var cls = line.charAt(0) === "+" && line.indexOf("+++") !== 0 ? "add"
          : (line.charAt(0) === "-" && line.indexOf("---") !== 0 ? "del" : "");
        box.appendChild(el("span", line + "\n", cls));
      });
    });
  }

  // ------------------------------------------------------------ import

  function importFile(event) {
    event.preventDefault();
    var input = $("import-file");
    var result = $("import-result"), errors = $("import-errors");
    clear(result); clear(errors);
    var file = input.files && input.files[0];
    if (!file) { errors.appendChild(el("p", "Choose an import file first.", "error")); return; }
    file.text().then(function (text) {
      return api("POST", "/import", { filename: file.name, text: text });
    }).then(function (r) {
      if (!r.ok) {
        errors.appendChild(el("p", r.data.error || "The import was refused; nothing changed.", "error"));
        var list = el("ul", null, "field-errors");
        (r.data.errors || []).forEach(function (e) {
          list.appendChild(el("li", (e.topic ? "topic " + e.topic + ": " : "") + (e.field ? "field " + e.field + ": " : "")
            + e.message));
        });
        errors.appendChild(list);
        return;
      }
      var d = r.data;
      result.appendChild(el("p", "Imported. Added: " + (d.added.join(", ") || "–") + " · changed: "
        + (d.changed.join(", ") || "–") + " · unchanged: " + (d.unchanged.join(", ") || "–")
        + ". Publish to put it live."));
      Object.keys(d.left_out_of_training || {}).forEach(function (topic) {
        var texts = d.left_out_of_training[topic];
        result.appendChild(el("p", texts.length + " out-of-scope training example(s) about " + topic
          + " are left out of training: " + texts.join("; ")));
      });
      loadTopics();
    });
  }

  // ------------------------------------------------------------ review

  function fillTopicSelects() {
    Array.prototype.forEach.call(document.querySelectorAll("select.topic-choice"), function (s) {
      var current = s.value || s.getAttribute("data-suggested") || "";
      clear(s);
      topicIds.forEach(function (id) { var o = el("option", id); o.value = id; s.appendChild(o); });
      if (current) { s.value = current; }
    });
  }

  function loadReview() {
    return api("GET", "/review").then(function (r) {
      if (!r.ok) { return; }
      var list = $("review-list");
      clear(list);
      $("review-status").textContent = r.data.items.length ? r.data.items.length + " open item(s)" : "The review queue is empty.";
      r.data.items.forEach(function (item) {
        var li = el("li");
        li.setAttribute("data-item", item.id);
        li.appendChild(el("span", item.text, "question"));
        var meta = item.source + (item.suggested_topic ? " · suggested: " + item.suggested_topic : "")
          + (item.confidence !== null && item.confidence !== undefined ? " (" + Math.round(item.confidence * 100) + "%)" : "")
          + (item.note ? " · note: " + item.note : "");
        li.appendChild(el("span", meta, "meta"));
        var form = el("div", null, "actions");
        var selectId = "review-topic-" + item.id;
        var label = el("label", "Topic");
        label.setAttribute("for", selectId);
        var select = el("select", null, "topic-choice");
        select.id = selectId;
        select.setAttribute("data-suggested", item.suggested_topic || "");
        var accept = el("button", "Accept as example", "btn primary accept");
        accept.type = "button";
        var dismiss = el("button", "Dismiss", "btn dismiss");
        dismiss.type = "button";
        accept.addEventListener("click", function () { decide(item.id, "accept", select.value); });
        dismiss.addEventListener("click", function () { decide(item.id, "dismiss"); });
        [label, select, accept, dismiss].forEach(function (n) { form.appendChild(n); });
        li.appendChild(form);
        list.appendChild(li);
      });
      fillTopicSelects();
    });
  }

  function decide(item, decision, topic) {
    api("POST", "/review/" + encodeURIComponent(item), { decision: decision, topic: topic }).then(function (r) {
      $("review-status").textContent = r.ok
        ? (decision === "accept" ? "Added \u201c" + r.data.text + "\u201d to " + topic + " (live after the next publish)."
          : "Dismissed \u201c" + r.data.text + "\u201d.")
        : (r.data.error || "Not saved.");
      if (r.ok) {
        var li = document.querySelector('#review-list li[data-item="' + item + '"]');
        if (li) { li.remove(); }
      }
    });
  }

  // ------------------------------------------------------------ stale facts

  function loadStale() {
    return api("GET", "/stale").then(function (r) {
      var box = $("stale-body");
      clear(box);
      if (!r.ok) { return; }
      if (!r.data.available) { box.appendChild(el("p", r.data.message)); return; }
      if (!r.data.facts.length) { box.appendChild(el("p", "No stale facts: every fact was checked recently.")); return; }
      box.appendChild(el("p", r.data.facts.length + " fact(s) to check."));
      box.appendChild(tableFor("Stale facts", ["Topic", "Field", "Why", "Checked", "Valid until", "Fact"],
        r.data.facts.map(function (f) {
          return [f.topic, f.field, String(f.reason).replace("_", " "), f.checked || "–", f.valid_until || "–", f.text_en];
        }), [1, 2, 3, 4, 5]));
    });
  }

  // ------------------------------------------------------------ analytics

  function days(perDay) {
    var all = {};
    Object.keys(perDay).forEach(function (k) { Object.keys(perDay[k]).forEach(function (d) { all[d] = true; }); });
    return Object.keys(all).sort();
  }

  function tableFor(caption, head, rows, textColumns) {
    var isText = function (i) { return i === 0 || (textColumns || []).indexOf(i) >= 0; };
    var wrap = el("div", null, "table-wrap");
    wrap.tabIndex = 0;  // keyboard users can scroll a wide table
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", caption + " (table)");
    var table = el("table", null, "data");
    table.appendChild(el("caption", caption, "sr-only"));
    var tr = el("tr");
    head.forEach(function (h, i) { var th = el("th", h, isText(i) ? "" : "num"); th.setAttribute("scope", "col"); tr.appendChild(th); });
    var thead = el("thead"); thead.appendChild(tr); table.appendChild(thead);
    var body = el("tbody");
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (v, i) {
        if (i === 0) { var th = el("th", v); th.setAttribute("scope", "row"); row.appendChild(th); }
        else { row.appendChild(el("td", v, isText(i) ? "" : "num")); }
      });
      body.appendChild(row);
    });
    table.appendChild(body);
    wrap.appendChild(table);
    return wrap;
  }

  function chart(id, title, config, table) {
    var figure = el("figure", null, "chart");
    figure.id = id;
    figure.appendChild(el("figcaption", title));
    var box = el("div", null, "canvas-box");
    var canvas = el("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", title + " (the same figures are in the table below)");
    box.appendChild(canvas);
    figure.appendChild(box);
    var details = el("details");
    details.appendChild(el("summary", "Table: " + title));
    details.appendChild(table);
    figure.appendChild(details);
    $("charts").appendChild(figure);
    if (window.Chart) {
      config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
      charts.push(new window.Chart(canvas, config));
      figure.setAttribute("data-drawn", "true");
    }
  }

  function perDayChart(id, title, perDay) {
    var labels = days(perDay);
    var keys = Object.keys(perDay).sort();
    var datasets = keys.map(function (k, i) {
      return { label: k, backgroundColor: PALETTE[i % PALETTE.length],
               data: labels.map(function (d) { return perDay[k][d] || 0; }) };
    });
    chart(id, title, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
                 plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } } }
    }, tableFor(title, ["Day"].concat(keys), labels.map(function (d) {
      return [d].concat(keys.map(function (k) { return perDay[k][d] || 0; }));
    })));
  }

  function loadAnalytics(event) {
    if (event) { event.preventDefault(); }
    return api("GET", "/analytics?days=" + encodeURIComponent($("analytics-days").value)).then(function (r) {
      if (!r.ok) { $("analytics-summary").textContent = r.data.error || "Analytics are not available."; return; }
      var a = r.data;
      charts.forEach(function (c) { c.destroy(); });
      charts = [];
      clear($("charts"));
      $("analytics-summary").textContent = a.questions + " questions since " + a.since + " · answer time median "
        + (a.answer_ms.median === null ? "–" : a.answer_ms.median + " ms") + ", p95 "
        + (a.answer_ms.p95 === null ? "–" : a.answer_ms.p95 + " ms");
      perDayChart("chart-topic", "Questions per day by topic", a.per_day.topic);
      perDayChart("chart-lang", "Questions per day by language", a.per_day.lang);
      perDayChart("chart-channel", "Questions per day by channel", a.per_day.channel);
      var outcomes = Object.keys(a.outcomes);
      chart("chart-outcomes", "What the desk did", {
        type: "doughnut",
        data: { labels: outcomes, datasets: [{ data: outcomes.map(function (o) { return a.outcomes[o].count; }),
                                              backgroundColor: PALETTE.slice(0, outcomes.length) }] },
        options: { plugins: { legend: { position: "bottom" } } }
      }, tableFor("What the desk did", ["Outcome", "Questions", "Share"], outcomes.map(function (o) {
        return [o, a.outcomes[o].count, (a.outcomes[o].share * 100).toFixed(1) + "%"];
      })));
      var fb = a.feedback;
      chart("chart-feedback", "Staff feedback: share marked right, per topic", {
        type: "bar",
        data: { labels: fb.map(function (f) { return f.topic; }),
                datasets: [{ label: "share right", backgroundColor: PALETTE[2],
                             data: fb.map(function (f) { return f.accuracy; }) }] },
        options: { indexAxis: "y", scales: { x: { min: 0, max: 1 } }, plugins: { legend: { display: false } } }
      }, tableFor("Staff feedback per topic", ["Topic", "Marked right", "Verdicts", "Share right"], fb.map(function (f) {
        return [f.topic, f.correct, f.count, f.accuracy === null ? "–" : (f.accuracy * 100).toFixed(0) + "%"];
      })));
      var body = $("unanswered").querySelector("tbody");
      clear(body);
      a.top_unanswered.forEach(function (u) {
        var row = el("tr");
        row.appendChild(el("td", u.question));
        row.appendChild(el("td", u.count, "num"));
        body.appendChild(row);
      });
    });
  }

  // ------------------------------------------------------------ start

  function start() {
    showConsole(true);
    loadTopics().then(function () { loadReview(); });
    loadPublished();
    loadStale();
    loadAnalytics();
  }

  document.addEventListener("DOMContentLoaded", function () {
    $("signin-form").addEventListener("submit", signIn);
    $("sign-out").addEventListener("click", function () { signOut(""); });
    $("publish-button").addEventListener("click", function () { startJob("/publish", { accept_coverage: false }); });
    $("accept-coverage").addEventListener("click", function () { startJob("/publish", { accept_coverage: true }); });
    $("rollback-button").addEventListener("click", function () { startJob("/rollback", {}); });
    $("diff-form").addEventListener("submit", showDiff);
    $("import-form").addEventListener("submit", importFile);
    $("analytics-form").addEventListener("submit", loadAnalytics);
    if (get()) { start(); }
  });
})();
