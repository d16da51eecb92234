/* The chat page inside the widget's panel (web/widget.js frames it as /?embed=1&host=ORIGIN):
 * tells the host page's widget when a reply arrives (for its unread badge) and when Escape
 * asks to close the panel, and takes the focus when the widget opens the panel. Messages go
 * only to the host origin named in the URL and are taken only from the parent window at that
 * origin; they carry no conversation text. Without ?embed=1 this file does nothing. */
(function () {
  "use strict";

  var MESSAGE_SOURCE = "pudong-desk";
  var params = new URLSearchParams(window.location.search);
  if (params.get("embed") !== "1" || window.parent === window) return;

  var hostOrigin = null;
  try {
    var url = new URL(params.get("host") || "");
    if (url.protocol === "https:" || url.protocol === "http:") hostOrigin = url.origin;
  } catch (e) { /* no or bad host: stay silent */ }
  if (!hostOrigin) return;

  document.body.classList.add("embedded");

  function tell(type) {
    window.parent.postMessage({ source: MESSAGE_SOURCE, type: type }, hostOrigin);
  }

  function takeFocus() {
    var input = document.getElementById("message");
    var log = document.getElementById("log");
    // where there is a keyboard anyway; on phones focusing the input would pop the keyboard up
    var fine = window.matchMedia && window.matchMedia("(pointer: fine)").matches;
    var target = fine ? input : log;
    if (target) target.focus();
  }

  document.addEventListener("desk:reply", function () { tell("reply"); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") tell("close");
  });
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== hostOrigin) return;
    var data = event.data;
    if (data && data.source === MESSAGE_SOURCE && data.type === "focus") takeFocus();
  });
  tell("ready");
})();
