/* The type-ahead picker of crm.widgets.PickerInput (Tom Select, static/vendor/tom-select).
   The input's data-picker-url answers ?q= with {"results": [{"value", "text"}]} from the
   user's scope; the server has already matched names, pinyin initials and phone digits,
   so every result is shown as it came. Without JavaScript the input stays a text box. */
(function () {
  "use strict";

  var CJK = /[\u4e00-\u9fff]/;

  function longEnough(text) {
    text = (text || "").trim();
    return text.length >= 2 || CJK.test(text);
  }

  function picker(input) {
    var url = input.dataset.pickerUrl;
    var label = input.dataset.pickerLabel;
    var options = [];
    if (input.value.indexOf("id:") === 0 && label) {
      options.push({ value: input.value, text: label });
    } else {
      input.value = ""; // typed text of a page without the picker: choose again
    }
    var select = new TomSelect(input, {
      maxItems: 1,
      create: false,
      persist: false,
      valueField: "value",
      labelField: "text",
      searchField: ["text"],
      options: options,
      items: options.map(function (o) { return o.value; }),
      closeAfterSelect: true,
      // inside a scrolling table (the advice's product rows) the list would be clipped
      dropdownParent: input.closest(".table-responsive") ? "body" : null,
      loadThrottle: 250,
      score: function () { return function () { return 1; }; },
      shouldLoad: longEnough,
      load: function (query, callback) {
        var self = this;
        self.clearOptions(); // no stale results of an earlier text while this one loads
        fetch(url + "?q=" + encodeURIComponent(query), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            self.clearOptions();
            callback(data.results);
          })
          .catch(function () { callback(); });
      },
      render: {
        no_results: function (data, escape) {
          return '<div class="no-results">' + escape(input.dataset.pickerEmpty || "") + "</div>";
        },
        not_loading: function (data, escape) {
          return '<div class="no-results">' + escape(input.dataset.pickerMore || "") + "</div>";
        },
      },
    });
    select.wrapper.classList.add("crm-picker");
    return select;
  }

  function init(root) {
    if (typeof TomSelect === "undefined" || !root.querySelectorAll) return;
    root.querySelectorAll("input.js-picker:not(.tomselected)").forEach(picker);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (e) { init(e.detail.elt); });
})();
