/* The dashboard's charts (Chart.js, vendored): 12-month trends, the tier mix and the
   Pareto curve of assets. Each chart has a table beside it with every figure, and an
   aria-label; the data comes from <script type="application/json"> elements (the CSP
   forbids inline scripts). */
(function () {
  "use strict";

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function percentTick(value) {
    return value + "%";
  }

  var COLOURS = ["#0d6efd", "#d63384", "#198754", "#fd7e14", "#6f42c1", "#20c997"];
  var DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];

  function trendCharts() {
    var data = read("trend-data");
    if (!data) return;
    [["trend-counts", "count"], ["trend-rates", "percent"]].forEach(function (pair) {
      var canvas = document.getElementById(pair[0]);
      var series = data.series.filter(function (s) { return s.unit === pair[1]; });
      if (!canvas || !series.length) return;
      var scale = {beginAtZero: true};
      if (pair[1] === "percent") {
        scale = {min: 0, max: 100, ticks: {callback: percentTick}};
      }
      new Chart(canvas, {
        type: "line",
        data: {
          labels: data.months,
          datasets: series.map(function (s, i) {
            return {label: s.label, data: s.values, borderColor: COLOURS[i % COLOURS.length],
                    backgroundColor: COLOURS[i % COLOURS.length], borderDash: DASHES[i % DASHES.length],
                    spanGaps: true, tension: 0.2, pointRadius: 3};
          })
        },
        options: {maintainAspectRatio: false, scales: {y: scale},
                  plugins: {legend: {position: "bottom"}}}
      });
    });
  }

  function tierChart(canvas, data) {
    // the share of each tier in clients, assets and commission: a few horizontal bars that
    // read at a glance, with a title and a legend
    var totals = data.columns.slice(1).map(function (_c, i) {
      return data.lines.reduce(function (sum, l) { return sum + (Number(l[i + 1]) || 0); }, 0);
    });
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.lines.map(function (l) { return l[0]; }),
        datasets: data.columns.slice(1).map(function (column, i) {
          return {label: column, backgroundColor: COLOURS[i % COLOURS.length],
                  data: data.lines.map(function (l) {
                    return totals[i] ? Math.round(1000 * (Number(l[i + 1]) || 0) / totals[i]) / 10 : 0;
                  })};
        })
      },
      options: {indexAxis: "y", maintainAspectRatio: false,
                scales: {x: {min: 0, max: 100, ticks: {callback: percentTick}}},
                plugins: {title: {display: true, text: canvas.dataset.title || data.title},
                          legend: {position: "bottom"}}}
    });
  }

  function paretoChart(canvas, data) {
    new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {label: data.columns[1], data: data.lines.map(function (l) { return {x: l[0], y: l[1]}; }),
           borderColor: COLOURS[0], backgroundColor: COLOURS[0], pointRadius: 2, tension: 0.1},
          {label: canvas.dataset.equal || "", data: [{x: 0, y: 0}, {x: 100, y: 100}],
           borderColor: "#6c757d", borderDash: [4, 4], pointRadius: 0}
        ]
      },
      options: {maintainAspectRatio: false,
                scales: {x: {type: "linear", min: 0, max: 100, ticks: {callback: percentTick},
                             title: {display: true, text: data.columns[0]}},
                         y: {min: 0, max: 100, ticks: {callback: percentTick},
                             title: {display: true, text: data.columns[1]}}},
                plugins: {title: {display: true, text: data.title}, legend: {position: "bottom"}}}
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Chart === "undefined") return;
    Chart.defaults.animation = false;  // figures read at once, and no motion for those who mind it
    trendCharts();
    document.querySelectorAll(".breakdown-chart").forEach(function (canvas) {
      var data = read(canvas.dataset.source);
      if (!data || !data.lines.length) return;
      if (canvas.dataset.chart === "pareto") {
        paretoChart(canvas, data);
      } else {
        tierChart(canvas, data);
      }
    });
  });
})();
