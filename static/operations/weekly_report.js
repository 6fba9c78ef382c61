/* Draws the weekly report's charts (P2.1) from the figures the page embeds with
   json_script; Chart.js is vendored (static/vendor/chartjs), no build step. */
(function () {
  "use strict";
  var source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#e8612c", "#2c7be8", "#2ca05a", "#a05ae8", "#e8b92c", "#2cc4c4", "#e82c7b", "#7b8a99", "#5a3c2c"];
  var common = { responsive: true, maintainAspectRatio: false, animation: false };

  function draw(id, type, chart, extra) {
    var canvas = document.getElementById(id);
    if (!canvas || !chart) { return; }
    var colours = chart.labels.map(function (_, i) { return palette[i % palette.length]; });
    new Chart(canvas, {
      type: type,
      data: { labels: chart.labels, datasets: [{ label: chart.title, data: chart.values, backgroundColor: colours }] },
      options: Object.assign({}, common, {
        plugins: { title: { display: true, text: chart.title }, legend: { display: type === "doughnut" } }
      }, extra || {})
    });
    canvas.dataset.drawn = "true";
  }

  var wholeNumbers = function (axis) {
    var scales = {};
    scales[axis] = { beginAtZero: true, ticks: { precision: 0 } };
    return scales;
  };
  draw("chart-jobs-by-category", "bar", data.jobs_by_category, { scales: wholeNumbers("y") });
  draw("chart-median-pay", "bar", data.median_pay);
  draw("chart-tickets", "bar", data.tickets, { indexAxis: "y", scales: wholeNumbers("x") });
  draw("chart-fill-rate", "doughnut", data.fill_rate);
}());
