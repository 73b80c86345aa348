/* The score sheet page (templates/sheet.html).
 *
 * - A score is saved when its input is left (change) or Enter is pressed, without reloading;
 *   the status under the input says "saving", "saved" or the server's reason, the input keeps
 *   what the user typed and turns red on error, and the totals are updated from the answer.
 * - Keyboard: Tab goes from score to score. The other controls of a row (explanation,
 *   not-applicable mark, evidence, history) live in a panel that is closed by default, so they
 *   are not in the tab order until the user opens it: Ctrl+Enter (or Alt+Enter) in a score
 *   opens the panel and moves into it, where the controls follow in the natural order; Esc
 *   closes it and returns to the score. Rows without a score input keep their panel button
 *   in the tab order. Enter never submits a form.
 * - Filters (my lines / missing / all) hide rows without a reload and keep the URL in step.
 * - Every save sends the version of the line its part was loaded at (the score input's
 *   data-version, the panel's when it was fetched); someone else's save in between answers 409
 *   with their value, shown under the part, which keeps what the user typed and takes the
 *   line's new version (saving again is then a choice made knowingly).
 * Requests, statuses, panels and filters come from CchcSheet (sheet_common.js).
 */
(function () {
  "use strict";

  var root = document.getElementById("sheet");
  if (!root || !window.CchcSheet) {
    return;
  }
  var sheet = window.CchcSheet.create(root);
  var csrf = sheet.csrf;
  var text = sheet.text;
  var post = sheet.post;
  var getJson = sheet.getJson;
  var setAll = sheet.setAll;
  var showStatus = sheet.showStatus;
  var markInvalid = sheet.markInvalid;
  var detailOf = sheet.detailOf;
  var setOpen = sheet.setOpen;
  var openAndEnter = sheet.openAndEnter;
  var closeAndReturn = sheet.closeAndReturn;
  var rowOf = sheet.rowOf;

  // --- totals and rows ---------------------------------------------------------------------

  function updateTotals(d) {
    if (d.total === undefined) {
      return;
    }
    setAll("[data-total]", d.total);
    setAll("[data-max]", d.max);
    setAll("[data-scored]", d.scored);
    setAll("[data-lines-total]", d.lines_total);
    setAll("[data-missing-evidence]", d.missing_evidence);
    var bar = root.querySelector("[data-progress-bar]");
    if (bar) {
      bar.style.width = (d.lines_total ? (100 * d.scored) / d.lines_total : 0) + "%";
    }
    Object.keys(d.fields || {}).forEach(function (code) {
      var key = window.CSS && CSS.escape ? CSS.escape(code) : code;
      setAll('[data-field-total="' + key + '"]', d.fields[code].total);
      setAll('[data-field-max="' + key + '"]', d.fields[code].max);
    });
    if (d.missing_lines) {
      root.querySelectorAll("tr.line-row").forEach(function (row) {
        setMissing(row, d.missing_lines[row.dataset.line] || "");
      });
    }
  }

  function setMissing(row, reason) {
    row.dataset.missing = reason ? "1" : "0";
    var badge = row.querySelector(".missing-badge");
    if (badge) {
      badge.textContent = reason;
      badge.classList.toggle("hidden", !reason);
    }
  }

  function updateRow(d) {
    var row = document.getElementById("line-" + d.line_id);
    if (!row) {
      return;
    }
    row.querySelector("[data-points]").textContent = d.points || "";
    refreshSoon();
  }

  // --- versions ------------------------------------------------------------------------------

  /* The parts of a row that carry the version they were loaded at: the score input and the
     panel (explanation, not-applicable mark), once fetched. */
  function versionHolders(row) {
    var holders = [];
    var input = row.querySelector(".score-input");
    if (input) {
      holders.push(input);
    }
    var detail = detailOf(row);
    var panel = detail && detail.querySelector(".line-panel");
    if (panel) {
      holders.push(panel);
    }
    return holders;
  }

  /* After the save of `part` sent at version `sent`: a saved part takes the line's new
     version, and so do the row's other parts loaded at the same version (the user's own save
     is the only change since). Parts loaded earlier keep theirs: someone else changed the line
     since they were loaded, and their next save meets the conflict. After a conflict only the
     part takes the new version. */
  function takeVersion(row, part, sent, d) {
    if (!d.version) {
      return;
    }
    if (!d.ok) {
      part.dataset.version = d.version;
      return;
    }
    versionHolders(row).forEach(function (holder) {
      if (holder === part || holder.dataset.version === String(sent)) {
        holder.dataset.version = d.version;
      }
    });
  }

  /* Totals and which lines still miss something, for the whole sheet. */
  function refreshTotals() {
    return getJson(text.totalsUrl).then(function (d) {
      if (d.ok) {
        updateTotals(d);
      }
    });
  }

  // A save answers with the totals; what is missing is asked once the user pauses typing.
  var refreshTimer = null;
  function refreshSoon() {
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(refreshTotals, 800);
  }

  // --- scores --------------------------------------------------------------------------------

  function scoreStatus(input) {
    return input.closest("td").querySelector(".save-status");
  }

  function saveScore(input) {
    var value = input.value;
    if (value === input.dataset.saved && !input.classList.contains("is-invalid")) {
      return Promise.resolve();
    }
    if (input.busy) {
      // A save is on its way: send the newest value once it is answered.
      input.again = true;
      return input.busy;
    }
    showStatus(scoreStatus(input), "saving", text.msgSaving);
    var sent = input.dataset.version;
    input.busy = post(input.dataset.url, { value: value, version: sent })
      .then(function (d) {
        takeVersion(rowOf(input), input, sent, d); // after a conflict too: Enter saves again
        if (d.ok) {
          if (input.value === value && input.tagName !== "SELECT" && d.input !== undefined) {
            input.value = d.input; // "8.50" comes back as "8,5"
          }
          input.dataset.saved = d.input !== undefined ? d.input : value;
          markInvalid(input, false);
          showStatus(scoreStatus(input), "saved", text.msgSaved);
          updateRow(d);
          updateTotals(d);
        } else {
          // Keep what the user typed; say why it was not saved.
          markInvalid(input, true);
          showStatus(scoreStatus(input), "failed", d.error);
        }
      })
      .then(function () {
        input.busy = null;
        if (input.again) {
          input.again = false;
          return saveScore(input);
        }
      });
    return input.busy;
  }

  // --- the line's panel ----------------------------------------------------------------------

  function saveExplanation(button) {
    var detail = button.closest(".line-detail");
    var area = detail.querySelector("textarea.explanation");
    var status = detail.querySelector(".explanation-status");
    var panel = button.closest(".line-panel");
    var sent = panel.dataset.version;
    var row = rowOf(button);
    showStatus(status, "saving", text.msgSaving);
    post(button.dataset.url, { explanation: area.value, version: sent }).then(function (d) {
      takeVersion(row, panel, sent, d);
      if (!d.ok) {
        showStatus(status, "failed", d.error); // the text typed stays in the box
        return;
      }
      showStatus(status, "saved", text.msgSaved);
      row.querySelector(".explanation-mark").classList.toggle("hidden", !area.value.trim());
      updateRow(d);
      updateTotals(d);
    });
  }

  function saveNotApplicable(button, flag) {
    var box = button.closest(".na-form");
    var reason = box.querySelector(".na-reason-input");
    var status = box.querySelector(".na-status");
    var panel = button.closest(".line-panel");
    var sent = panel.dataset.version;
    var body = { not_applicable: flag, reason: reason ? reason.value : "", version: sent };
    showStatus(status, "saving", text.msgSaving);
    post(box.dataset.url, body).then(function (d) {
      takeVersion(rowOf(button), panel, sent, d);
      if (!d.ok) {
        showStatus(status, "failed", d.error);
        return;
      }
      // The row changes shape (no input, other maximum): draw it again from the server.
      window.location.reload();
    });
  }

  // --- evidence ------------------------------------------------------------------------------

  function el(tag, attrs, content) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    if (content !== undefined) {
      node.textContent = content;
    }
    return node;
  }

  function sizeText(size) {
    if (!size && size !== 0) {
      return "";
    }
    var units = [
      [1048576, " MB", 1],
      [1024, " KB", 0],
    ];
    for (var i = 0; i < units.length; i++) {
      if (size >= units[i][0]) {
        return (size / units[i][0]).toFixed(units[i][2]).replace(".", ",") + units[i][1];
      }
    }
    return size + " B";
  }

  /* One item of the evidence list, as the server draws it (sheet_macros.html). */
  function evidenceItem(ev) {
    var li = el("li", { class: "evidence-item", "data-id": ev.id });
    var download = ev.download_url || text.evidenceBase + ev.id + "/download";
    if (ev.kind === "link") {
      li.appendChild(el("i", { class: "fa fa-link", "aria-hidden": "true" }));
      li.appendChild(document.createTextNode(" "));
      // The download URL sends the browser on to the link after checking it again.
      li.appendChild(el("a", { href: download, target: "_blank", rel: "noopener noreferrer" }, ev.name));
    } else {
      li.appendChild(el("i", { class: "fa fa-file-o", "aria-hidden": "true" }));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("a", { href: download }, ev.name));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", { class: "text-muted" }, sizeText(ev.size)));
      li.appendChild(document.createTextNode(" "));
      var sha = el("div", { class: "sha small" });
      sha.appendChild(el("span", { class: "text-muted" }, "SHA-256:"));
      sha.appendChild(document.createTextNode(" "));
      sha.appendChild(el("code", {}, ev.sha256 || ""));
      li.appendChild(sha);
    }
    if (ev.signed) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", { class: "label label-success" }, text.msgSigned));
    }
    var form = el("form", {
      class: "delete-evidence",
      method: "post",
      action: ev.delete_url || text.evidenceBase + ev.id + "/delete",
    });
    form.appendChild(el("input", { type: "hidden", name: "csrf_token", value: csrf }));
    var button = el("button", { type: "submit", class: "btn btn-link btn-xs text-danger", title: text.msgDelete });
    button.appendChild(el("i", { class: "fa fa-trash", "aria-hidden": "true" }));
    button.appendChild(el("span", { class: "sr-only" }, text.msgDelete));
    form.appendChild(button);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(form);
    return li;
  }

  function countEvidence(row, delta) {
    var count = row.querySelector(".evidence-count");
    var value = Math.max(0, parseInt(count.textContent, 10) + delta);
    count.textContent = value;
    var detail = detailOf(row);
    detail.querySelector(".no-evidence").classList.toggle("hidden", value > 0);
  }

  function upload(form) {
    var status = form.querySelector(".upload-status");
    var file = form.querySelector("input[type=file]");
    var link = form.querySelector("input[name=url]");
    if (!(file.files && file.files.length) && !link.value.trim()) {
      showStatus(status, "failed", text.msgChoose);
      return;
    }
    showStatus(status, "saving", text.msgSaving);
    post(form.action, new FormData(form)).then(function (d) {
      if (!d.ok) {
        showStatus(status, "failed", d.error);
        return;
      }
      showStatus(status, "saved", text.msgSaved);
      var row = rowOf(form);
      form.closest(".line-detail").querySelector(".evidence-list").appendChild(evidenceItem(d.evidence || {}));
      countEvidence(row, 1);
      file.value = "";
      link.value = "";
      refreshTotals();
    });
  }

  function deleteEvidence(form) {
    if (!window.confirm(text.msgConfirmDelete)) {
      return;
    }
    post(form.action, new FormData(form)).then(function (d) {
      var item = form.closest(".evidence-item");
      if (!d.ok) {
        item.appendChild(el("span", { class: "failed small" }, " " + d.error));
        return;
      }
      var row = rowOf(form);
      item.remove();
      countEvidence(row, -1);
      refreshTotals();
    });
  }

  // --- history -------------------------------------------------------------------------------

  function showHistory(button) {
    var box = button.parentNode.querySelector(".history");
    if (box.dataset.loaded) {
      box.classList.toggle("hidden");
      return;
    }
    sheet.loadInto(box, button.dataset.url).then(
      function () {
        box.dataset.loaded = "1";
      },
      function () {}
    );
  }

  // --- wiring --------------------------------------------------------------------------------

  root.addEventListener("change", function (e) {
    if (e.target.matches(".score-input")) {
      saveScore(e.target);
    }
  });

  root.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key === "Enter" && t.matches(".score-input")) {
      e.preventDefault();
      if (e.ctrlKey || e.altKey || e.metaKey) {
        openAndEnter(rowOf(t));
      } else {
        saveScore(t);
      }
      return;
    }
    if (e.key === "Enter" && t.matches("input:not([type=file]):not([type=submit]):not([type=button])")) {
      e.preventDefault(); // Enter never submits a form
      if (t.matches(".na-reason-input")) {
        saveNotApplicable(t.closest(".na-form").querySelector(".na-set"), true);
      }
      return;
    }
    if (e.key === "Escape" && t.closest(".line-detail")) {
      e.preventDefault();
      closeAndReturn(t.closest(".line-detail"));
    }
  });

  root.addEventListener("click", function (e) {
    var t = e.target.closest("button, a");
    if (!t) {
      return;
    }
    if (t.matches(".toggle-detail")) {
      var row = rowOf(t);
      setOpen(row, detailOf(row).classList.contains("hidden"));
    } else if (t.matches(".save-explanation")) {
      saveExplanation(t);
    } else if (t.matches(".na-set")) {
      saveNotApplicable(t, true);
    } else if (t.matches(".na-clear")) {
      saveNotApplicable(t, false);
    } else if (t.matches(".show-history")) {
      showHistory(t);
    } else if (t.matches("[data-filter]")) {
      e.preventDefault();
      sheet.applyFilter(t.dataset.filter);
    } else if (t.matches(".assign-here")) {
      var select = document.getElementById("assign-criterion");
      if (select) {
        select.value = t.dataset.criterion;
        select.scrollIntoView({ block: "center" });
        select.focus();
      }
    }
  });

  root.addEventListener("submit", function (e) {
    if (e.target.matches(".upload-evidence")) {
      e.preventDefault();
      upload(e.target);
    } else if (e.target.matches(".delete-evidence")) {
      e.preventDefault();
      deleteEvidence(e.target);
    }
  });
})();
