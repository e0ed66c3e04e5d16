// Keyboard shortcuts on every page (CSP: no inline script, so they live here):
// "/" focuses the navbar's client search, "?" opens the shortcuts dialog, Esc closes it
// (Bootstrap's modal) or leaves the search box. Nothing happens while typing in a field.
(function () {
  "use strict";

  function typing(el) {
    if (!el || el === document.body) {
      return false;
    }
    if (el.isContentEditable) {
      return true;
    }
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function openDialog() {
    var el = document.getElementById("shortcuts-modal");
    if (el && window.bootstrap) {
      window.bootstrap.Modal.getOrCreateInstance(el).show();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var search = document.getElementById("global-search");
    if (typing(event.target)) {
      if (event.key === "Escape" && event.target === search) {
        search.blur();
      }
      return;
    }
    if (document.querySelector(".modal.show")) {
      return; // a dialog is open: Esc is Bootstrap's
    }
    if (event.key === "/" && search) {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === "?") {
      event.preventDefault();
      openDialog();
    }
  });
})();
