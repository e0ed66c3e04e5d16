// The client 360 page (templates/clients/detail.html): its parts arrive after the frame
// through HTMX (clients.views.ClientPartView). This draws the assets chart when its part
// is swapped in, and turns a part that failed to load into a message with its link.
(function () {
  "use strict";

  function drawChart(canvas) {
    if (canvas.dataset.drawn || typeof Chart === "undefined") return;
    var source = document.getElementById(canvas.dataset.assetChart);
    if (!source) return;
    var series = JSON.parse(source.textContent);
    canvas.dataset.drawn = "1";
    new Chart(canvas, {
      data: {
        labels: series.map(function (r) { return r.month; }),
        datasets: [
          {type: "line", label: canvas.dataset.labelAssets, yAxisID: "y", tension: 0.2,
           data: series.map(function (r) { return r.total_assets; })},
          {type: "bar", label: canvas.dataset.labelCommission, yAxisID: "y1",
           data: series.map(function (r) { return r.commission; })}
        ]
      },
      options: {
        aspectRatio: window.innerWidth < 576 ? 1.4 : 3,
        scales: {y: {position: "left"}, y1: {position: "right", grid: {drawOnChartArea: false}}}
      }
    });
  }

  function drawCharts(root) {
    if (root.matches && root.matches("[data-asset-chart]")) drawChart(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-asset-chart]").forEach(drawChart);
  }

  function failed(event) {
    var slot = event.detail && event.detail.elt;
    if (!slot || !slot.matches || !slot.matches("[data-part-slot]")) return;
    slot.removeAttribute("aria-busy");
    var spinner = slot.querySelector(".spinner-border");
    if (spinner) spinner.remove();
    var text = slot.querySelector(".client-slot-text");
    if (text) text.textContent = slot.dataset.failed;
  }

  // Chart.js and htmx are loaded with `defer` before this file, so both are there now.
  if (window.htmx) {
    window.htmx.onLoad(drawCharts);
  }
  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
})();
