// The service request intake: the subcategory list offers the chosen category's only.
(function () {
  "use strict";
  function filter(category, sub) {
    var chosen = category.value;
    Array.prototype.forEach.call(sub.options, function (option) {
      var parent = option.getAttribute("data-parent");
      var show = !parent || !chosen || parent === chosen;
      option.hidden = !show;
      option.disabled = !show;
      if (!show && option.selected) {
        sub.value = "";
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var category = document.getElementById("id_category");
    var sub = document.getElementById("id_subcategory");
    if (!category || !sub) {
      return;
    }
    category.addEventListener("change", function () { filter(category, sub); });
    filter(category, sub);
  });
})();
