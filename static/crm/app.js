/* Behaviour that would otherwise sit in inline handlers, which the Content-Security-Policy
   forbids. Delegated on the document, so it also works in fragments swapped in by htmx. */
(function () {
  "use strict";

  // <select data-autosubmit>: submit the form on change (requestSubmit lets htmx see it).
  document.addEventListener("change", function (event) {
    var el = event.target.closest("[data-autosubmit]");
    if (el && el.form) {
      el.form.requestSubmit();
    }
  });

  document.addEventListener("click", function (event) {
    // <button data-print>: the browser's print dialog.
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // data-width="42": a percentage width (progress bars), set through the DOM because
  // style attributes are refused by the policy.
  function applyWidths(root) {
    if (root.matches && root.matches("[data-width]")) {
      root.style.width = root.dataset.width + "%";
    }
    root.querySelectorAll("[data-width]").forEach(function (el) {
      el.style.width = el.dataset.width + "%";
    });
  }
  if (window.htmx) {
    window.htmx.onLoad(applyWidths);
  } else {
    document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
  }
})();

/* --- browser --- */
/* A table wider than the screen (a phone at 390 px) scrolls inside its own box instead
   of widening the whole page: every .table not already in a .table-responsive is wrapped
   in one, also in fragments swapped in by htmx. */
(function () {
  "use strict";

  function wrapTables(root) {
    var tables = [];
    if (root.matches && root.matches("table.table")) {
      tables.push(root);
    }
    if (root.querySelectorAll) {
      root.querySelectorAll("table.table").forEach(function (t) { tables.push(t); });
    }
    tables.forEach(function (table) {
      var parent = table.parentElement;
      if (!parent || parent.closest(".table-responsive")) {
        return;
      }
      var box = document.createElement("div");
      box.className = "table-responsive";
      parent.insertBefore(box, table);
      box.appendChild(table);
    });
  }
  if (window.htmx) {
    window.htmx.onLoad(wrapTables);
  } else {
    document.addEventListener("DOMContentLoaded", function () { wrapTables(document.body); });
  }
})();

/* --- queues_filters: a saved client list takes the filters the address bar shows now
   (the filter bar changes them over HTMX after the page loaded) --- */
(function () {
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.id !== "save-list-form") {
      return;
    }
    var query = form.querySelector("input[name=query]");
    var next = form.querySelector("input[name=next]");
    if (query && window.location.search) {
      query.value = window.location.search.replace(/^\?/, "");
    }
    if (next) {
      next.value = window.location.pathname + window.location.search;
    }
  }, true);
})();
