// PayTrust risk pages: progressive enhancement. Every form works without this file; the
// live decision stream needs it to refresh.
(function () {
  "use strict";

  // Forms that change what the scorers run ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // Rule editor: a line-number gutter that marks the lines with errors, and error links
  // that put the cursor on their line and column.
  var editor = document.querySelector("[data-code-editor]");
  var gutter = document.querySelector("[data-gutter]");
  if (editor && gutter) {
    var errorLines = new Set((editor.dataset.errorLines || "").split(" ").filter(Boolean).map(Number));
    var drawGutter = function () {
      var count = editor.value.split("\n").length;
      var fragment = document.createDocumentFragment();
      for (var n = 1; n <= count; n++) {
        var line = document.createElement("span");
        line.textContent = String(n);
        if (errorLines.has(n)) line.className = "code-editor__error";
        fragment.appendChild(line);
        fragment.appendChild(document.createTextNode("\n"));
      }
      gutter.replaceChildren(fragment);
      gutter.scrollTop = editor.scrollTop;
    };
    editor.addEventListener("input", drawGutter);
    editor.addEventListener("scroll", function () { gutter.scrollTop = editor.scrollTop; });
    drawGutter();
    document.querySelectorAll("[data-line]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var lines = editor.value.split("\n");
        var line = Math.min(Number(link.dataset.line), lines.length);
        var offset = 0;
        for (var i = 0; i < line - 1; i++) offset += lines[i].length + 1;
        offset += Math.max(0, Number(link.dataset.column || 1) - 1);
        editor.focus();
        editor.setSelectionRange(offset, offset);
        var lineHeight = editor.scrollHeight / Math.max(lines.length, 1);
        editor.scrollTop = Math.max(0, (line - 3) * lineHeight);
      });
    });
  }

  // Live decision stream: ask for decisions newer than the newest row every 2 seconds.
  var stream = document.querySelector("[data-decision-stream]");
  var labels = document.querySelector("[data-stream-labels]");
  var status = document.querySelector("[data-stream-status]");
  if (!stream || !labels) return;
  var MAX_ROWS = 200;
  var POLL_MS = 2000;

  function cell(text, className) {
    var td = document.createElement("td");
    if (text !== null) td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function row(decision) {
    var tr = document.createElement("tr");
    tr.dataset.at = decision.scored_at;
    var badge = document.createElement("span");
    badge.className = "badge badge--" + decision.decision;
    badge.textContent = labels.dataset[decision.decision] || decision.decision;
    var badgeCell = cell(null);
    badgeCell.appendChild(badge);
    var reasons = cell(null);
    decision.reasons.forEach(function (reason) {
      var span = document.createElement("span");
      span.className = "reason";
      span.title = reason.code;
      span.textContent = reason.message;
      reasons.appendChild(span);
    });
    var code = document.createElement("code");
    code.textContent = decision.transaction_id;
    var txn = cell(null);
    txn.appendChild(code);
    tr.append(cell(new Date(decision.scored_at).toLocaleString()), txn, cell(decision.customer_id),
      cell(decision.amount_minor + " " + decision.currency, "num"), badgeCell,
      cell(decision.score.toFixed(3), "num"), reasons,
      cell(decision.latency_ms.toFixed(1) + " ms", "num"));
    return tr;
  }

  function poll() {
    var newest = stream.firstElementChild ? stream.firstElementChild.dataset.at : null;
    var url = stream.dataset.source + (newest ? "?after=" + encodeURIComponent(newest) : "");
    fetch(url, {credentials: "same-origin", headers: {accept: "application/json"}})
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (decisions) {
        decisions.reverse().forEach(function (d) { stream.prepend(row(d)); });
        while (stream.children.length > MAX_ROWS) stream.lastElementChild.remove();
        if (status) status.textContent = labels.dataset.live;
      })
      .catch(function () { if (status) status.textContent = labels.dataset.paused; })
      .finally(function () { window.setTimeout(poll, POLL_MS); });
  }
  window.setTimeout(poll, POLL_MS);
})();
