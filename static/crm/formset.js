/* Formset tables (templates/visits/partials/product_row.html): "add" clones the empty
   form of <template data-formset-empty> (its __prefix__ numbered) up to the formset's
   maximum; "remove" empties a row and hides it (empty rows are ignored on the server).
   Without JavaScript the extra rows of the formset are there to fill. */
(function () {
  "use strict";

  function setup(box) {
    var prefix = box.dataset.formset;
    var total = box.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var rows = box.querySelector("[data-formset-rows]");
    var empty = box.querySelector("template[data-formset-empty]");
    var add = box.querySelector("[data-formset-add]");
    var max = parseInt(box.dataset.formsetMax || "1000", 10);

    function refresh() {
      add.disabled = parseInt(total.value, 10) >= max;
    }

    add.addEventListener("click", function () {
      var n = parseInt(total.value, 10);
      if (n >= max) return;
      var html = empty.innerHTML.replace(/__prefix__/g, String(n));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(n + 1);
      // the new row's pickers (static/crm/picker.js starts those of loaded content)
      rows.lastElementChild.dispatchEvent(
        new CustomEvent("htmx:load", { bubbles: true, detail: { elt: rows.lastElementChild } })
      );
      var first = rows.lastElementChild.querySelector("input[type=text]");
      if (first) first.focus();
      refresh();
    });

    rows.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-formset-remove]");
      if (!remove) return;
      var row = remove.closest("[data-formset-row]");
      row.querySelectorAll("input, select").forEach(function (el) {
        if (el.type === "checkbox") el.checked = false;
        else el.value = "";
      });
      row.classList.add("d-none");
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-formset]").forEach(setup);
  });
})();
