/* The appraisal sheet (templates/appraisal_sheet.html), on CchcSheet (sheet_common.js).
 *
 * - Support member: the score and its comment are saved when a field is left (change) or
 *   Enter is pressed (Shift+Enter: a new line in the comment); "saving", "saved" or the
 *   server's reason shows under them; a conflict says what the other person saved.
 * - Appraiser: "Accept" takes the support score in one click; typing another score (with
 *   the comment it requires) saves it like the support score.
 * - Team leader: approve a line, a field or the whole unit; return a line from its panel with
 *   a comment. These change the row's shape: the page is drawn again from the server.
 * - Ctrl+Enter (or Alt+Enter) opens the line's panel (explanation, evidence, timeline) and
 *   moves into it; Esc closes it. PDFs and images open inside the panel.
 * - Filters (my lines / to do / all) hide rows without a reload.
 */
(function () {
  "use strict";

  var root = document.getElementById("sheet");
  if (!root || !window.CchcSheet) {
    return;
  }
  var s = window.CchcSheet.create(root);
  var text = s.text;

  // --- totals ---------------------------------------------------------------------------------

  function updateTotals(d) {
    if (!d.total) {
      return;
    }
    Object.keys(d.total).forEach(function (col) {
      s.setAll('[data-total-col="' + col + '"]', d.total[col]);
    });
    Object.keys(d.fields || {}).forEach(function (code) {
      Object.keys(d.fields[code]).forEach(function (col) {
        var key = window.CSS && CSS.escape ? CSS.escape(code + ":" + col) : code + ":" + col;
        s.setAll('[data-field-col="' + key + '"]', d.fields[code][col]);
      });
    });
    Object.keys(d.progress || {}).forEach(function (key) {
      s.setAll('[data-progress="' + key + '"]', d.progress[key]);
    });
    if (d.mine) {
      s.setAll('[data-mine="todo"]', d.mine.todo);
    }
  }

  function updateRow(row, d) {
    if (d.version) {
      row.dataset.version = d.version; // also after a conflict, so Enter saves again
    }
    var state = row.querySelector("[data-state]");
    if (state && d.state_label) {
      state.textContent = d.state_label;
    }
  }

  // --- steps 2 and 3: a score and its comment -----------------------------------------------

  function partsOf(row, kind) {
    var cell = row.querySelector(kind === "support" ? "td.support" : "td.appraised");
    return {
      cell: cell,
      input: cell.querySelector(".score-input"),
      comment: cell.querySelector(".comment-input"),
      status: cell.querySelector(".save-status"),
    };
  }

  function changed(parts) {
    return (
      parts.input.value !== parts.input.dataset.saved ||
      parts.comment.value !== parts.comment.dataset.saved ||
      parts.input.classList.contains("is-invalid")
    );
  }

  function save(row, kind, body) {
    var parts = partsOf(row, kind);
    if (!body && !changed(parts)) {
      return Promise.resolve();
    }
    if (parts.cell.busy) {
      parts.cell.again = true; // send the newest values once the save on its way is answered
      return parts.cell.busy;
    }
    body = body || { value: parts.input.value, comment: parts.comment.value };
    body.version = row.dataset.version;
    var sent = { value: parts.input.value, comment: parts.comment.value };
    s.showStatus(parts.status, "saving", text.msgSaving);
    parts.cell.busy = s
      .post(parts.input.dataset.url, body)
      .then(function (d) {
        updateRow(row, d);
        if (!d.ok) {
          s.markInvalid(parts.input, true);
          s.showStatus(parts.status, "failed", d.error);
          return;
        }
        if (parts.input.value === sent.value && (parts.input.tagName !== "SELECT" || body.accept)) {
          parts.input.value = d.input; // "8.50" comes back as "8,5"; "Accept" shows the option
        }
        parts.input.dataset.saved = d.input;
        parts.comment.dataset.saved = d.comment;
        s.markInvalid(parts.input, false);
        s.showStatus(parts.status, "saved", text.msgSaved);
        updateTotals(d);
      })
      .then(function () {
        parts.cell.busy = null;
        if (parts.cell.again) {
          parts.cell.again = false;
          return save(row, kind);
        }
      });
    return parts.cell.busy;
  }

  function kindOf(el) {
    return el.closest("td.support") ? "support" : "appraised";
  }

  // --- step 4 and other changes of shape --------------------------------------------------------

  function postThenReload(url, body, status) {
    s.showStatus(status, "saving", text.msgSaving);
    return s.post(url, body).then(function (d) {
      if (!d.ok) {
        var more = (d.skipped || []).slice(0, 5).join(" · ");
        s.showStatus(status, "failed", d.error + (more ? " " + more : ""));
        return;
      }
      s.showStatus(status, "saved", d.message || text.msgSaved);
      window.location.reload();
    });
  }

  // --- evidence viewer ------------------------------------------------------------------------

  function viewEvidence(button) {
    var box = button.closest(".detail-body").querySelector(".evidence-viewer");
    box.textContent = "";
    var item;
    if (button.dataset.viewer === "pdf") {
      item = document.createElement("iframe");
      item.className = "evidence-frame";
    } else {
      item = document.createElement("img");
      item.className = "evidence-image";
      item.alt = button.dataset.name;
    }
    item.title = button.dataset.name;
    item.src = button.dataset.src;
    box.appendChild(item);
    box.classList.remove("hidden");
  }

  // --- wiring ---------------------------------------------------------------------------------

  root.addEventListener("change", function (e) {
    if (e.target.matches(".score-input, .comment-input")) {
      save(s.rowOf(e.target), kindOf(e.target));
    }
  });

  root.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key === "Enter" && t.matches(".score-input, .comment-input")) {
      if (e.ctrlKey || e.altKey || e.metaKey) {
        e.preventDefault();
        s.openAndEnter(s.rowOf(t));
      } else if (!(e.shiftKey && t.tagName === "TEXTAREA")) {
        e.preventDefault();
        save(s.rowOf(t), kindOf(t));
      }
      return;
    }
    if (e.key === "Escape" && t.closest(".line-detail")) {
      e.preventDefault();
      s.closeAndReturn(t.closest(".line-detail"));
    }
  });

  root.addEventListener("click", function (e) {
    var t = e.target.closest("button, a");
    if (!t) {
      return;
    }
    var row = s.rowOf(t);
    if (t.matches(".toggle-detail")) {
      s.setOpen(row, s.detailOf(row).classList.contains("hidden"));
    } else if (t.matches(".accept-score")) {
      var parts = partsOf(row, "appraised");
      save(row, "appraised", { accept: true, comment: parts.comment.value });
    } else if (t.matches(".approve-line")) {
      postThenReload(t.dataset.url, { version: row.dataset.version }, row.querySelector(".approve-status"));
    } else if (t.matches(".return-here")) {
      s.openAndEnter(row, ".return-comment");
    } else if (t.matches(".return-line")) {
      var box = t.closest(".return-form");
      var comment = box.querySelector(".return-comment").value;
      var body = { comment: comment, version: row.dataset.version };
      postThenReload(box.dataset.url, body, box.querySelector(".return-status"));
    } else if (t.matches(".approve-field")) {
      if (window.confirm(text.msgConfirmField)) {
        var status = root.querySelector(".bulk-status");
        postThenReload(t.dataset.url, { criterion_id: t.dataset.criterion }, status);
      }
    } else if (t.matches(".approve-unit")) {
      if (window.confirm(text.msgConfirmUnit)) {
        postThenReload(t.dataset.url, {}, root.querySelector(".bulk-status"));
      }
    } else if (t.matches(".view-evidence")) {
      viewEvidence(t);
    } else if (t.matches("[data-filter]")) {
      e.preventDefault();
      s.applyFilter(t.dataset.filter);
    }
  });
})();
