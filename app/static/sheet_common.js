/* What the score sheets share (sheet.js: self-assessment; appraisal.js: appraisal).
 *
 * CchcSheet.create(root) returns helpers bound to the page's root element (#sheet), whose
 * data-msg-* attributes carry the translated texts and whose <meta name="csrf-token"> the
 * requests send as X-CSRFToken:
 * - post(url, body) / getJson(url): JSON answers, never a thrown error: a failed request
 *   answers {ok: false, error: "<a Vietnamese sentence>"};
 * - showStatus(el, state, message), markInvalid(input, invalid), setAll(selector, value);
 * - line panels: the row "#line-N" has a closed "#detail-N" row fetched from its data-panel
 *   URL when first opened (setOpen, openAndEnter, closeAndReturn, rowOf, detailOf);
 * - applyFilter(show): rows whose data-<show> is "1" stay ("all" keeps every row), with their
 *   headings; the URL's ?show= follows.
 */
window.CchcSheet = (function () {
  "use strict";

  function create(root) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    var csrf = meta ? meta.getAttribute("content") : "";
    var text = root.dataset;

    function readAnswer(response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          data = data && typeof data === "object" ? data : {};
          data.status = response.status;
          if (!response.ok) {
            data.ok = false;
          }
          if (!data.ok && !data.error) {
            // 400 without our JSON: the CSRF token expired; 401: the login expired.
            var expired = response.status === 400 || response.status === 401;
            data.error = expired
              ? text.msgExpired
              : response.status === 403
                ? text.msgForbidden
                : text.msgFailed;
          }
          return data;
        });
    }

    function offline() {
      return { ok: false, error: text.msgFailed };
    }

    /* POST a JSON object, or a FormData (files), with the CSRF token Flask-WTF expects. */
    function post(url, body) {
      var isForm = body instanceof FormData;
      var headers = { "X-CSRFToken": csrf, Accept: "application/json" };
      if (!isForm) {
        headers["Content-Type"] = "application/json";
      }
      return fetch(url, {
        method: "POST",
        headers: headers,
        credentials: "same-origin",
        body: isForm ? body : JSON.stringify(body),
      }).then(readAnswer, offline);
    }

    function getJson(url) {
      return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(
        readAnswer,
        offline
      );
    }

    function setAll(selector, value) {
      root.querySelectorAll(selector).forEach(function (el) {
        el.textContent = value;
      });
    }

    function showStatus(el, state, message) {
      if (el) {
        el.className = el.className.replace(/\b(saving|saved|failed)\b/g, "").trim() + " " + state;
        el.textContent = message;
      }
    }

    function markInvalid(input, invalid) {
      input.classList.toggle("is-invalid", invalid);
      if (invalid) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    }

    // --- the line's panel --------------------------------------------------------------------

    function detailOf(row) {
      return document.getElementById("detail-" + row.dataset.line);
    }

    /* Fetch an HTML fragment (rendered and escaped by the server) into `box`. */
    function loadInto(box, url) {
      box.textContent = text.msgLoading;
      return fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
        .then(function (response) {
          return response.ok ? response.text() : Promise.reject(response.status);
        })
        .then(function (html) {
          box.innerHTML = html;
        })
        .catch(function (reason) {
          box.textContent = text.msgFailed;
          return Promise.reject(reason);
        });
    }

    /* The panel's content comes from the server the first time it is opened. */
    function loadPanel(detail) {
      if (!detail.loading) {
        detail.loading = loadInto(detail.querySelector(".detail-body"), detail.dataset.panel).catch(
          function () {
            detail.loading = null; // try again next time
          }
        );
      }
      return detail.loading;
    }

    function setOpen(row, open) {
      var detail = detailOf(row);
      if (!detail) {
        return Promise.resolve();
      }
      detail.classList.toggle("hidden", !open);
      var button = row.querySelector(".toggle-detail");
      if (button) {
        button.setAttribute("aria-expanded", open ? "true" : "false");
      }
      return open ? loadPanel(detail) : Promise.resolve();
    }

    function openAndEnter(row, selector) {
      return setOpen(row, true).then(function () {
        var detail = detailOf(row);
        var first =
          (selector && detail.querySelector(selector)) ||
          detail.querySelector("textarea:not([readonly])") ||
          detail.querySelector("input:not([type=hidden]), button, a[href], summary");
        if (first) {
          first.focus();
        }
      });
    }

    function closeAndReturn(detail) {
      var row = document.getElementById("line-" + detail.dataset.line);
      setOpen(row, false);
      var target = row.querySelector(".score-input") || row.querySelector(".toggle-detail");
      if (target) {
        target.focus();
      }
    }

    function rowOf(el) {
      var tr = el.closest("tr");
      if (tr && tr.classList.contains("line-detail")) {
        return document.getElementById("line-" + tr.dataset.line);
      }
      return tr;
    }

    // --- filters -------------------------------------------------------------------------------

    function ancestors(code) {
      var parts = code.split(".");
      var found = [];
      for (var i = 1; i < parts.length; i++) {
        found.push(parts.slice(0, i).join("."));
      }
      return found;
    }

    function applyFilter(show) {
      var shown = new Set();
      var any = false;
      root.querySelectorAll("tr.line-row").forEach(function (row) {
        var visible = show === "all" || row.dataset[show] === "1";
        row.classList.toggle("hidden", !visible);
        if (!visible) {
          setOpen(row, false);
          return;
        }
        any = true;
        ancestors(row.dataset.code).forEach(function (code) {
          shown.add(code);
        });
      });
      root.querySelectorAll("tr.heading-row").forEach(function (row) {
        row.classList.toggle("hidden", !shown.has(row.dataset.code));
      });
      root.querySelector(".empty-filter").classList.toggle("hidden", any);
      root.querySelectorAll("[data-filter]").forEach(function (button) {
        var active = button.dataset.filter === show;
        button.classList.toggle("active", active);
        button.setAttribute("aria-pressed", active ? "true" : "false");
      });
      if (window.history && window.history.replaceState) {
        var url = new URL(window.location.href);
        url.searchParams.set("show", show);
        window.history.replaceState(null, "", url.toString());
      }
    }

    return {
      csrf: csrf,
      text: text,
      post: post,
      getJson: getJson,
      setAll: setAll,
      showStatus: showStatus,
      markInvalid: markInvalid,
      loadInto: loadInto,
      detailOf: detailOf,
      setOpen: setOpen,
      openAndEnter: openAndEnter,
      closeAndReturn: closeAndReturn,
      rowOf: rowOf,
      applyFilter: applyFilter,
    };
  }

  return { create: create };
})();
