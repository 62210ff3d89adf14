// Charts on the public transparency page: an extra over the tables, which hold every figure.
// Reads the figures the page embeds (#transparency-data); counts withheld ("fewer than 10") are gaps.
(function () {
  "use strict";
  var data = document.getElementById("transparency-data");
  var box = document.getElementById("charts");
  if (!data || !box || typeof window.Chart === "undefined") return;
  var d = JSON.parse(data.textContent);
  box.hidden = false;
  var ink = "#1b2430", accent = "#1f4e8c", green = "#1d6b3a", amber = "#8a5a00";
  window.Chart.defaults.color = ink;
  window.Chart.defaults.animation = false;
  function make(id, config) {
    var el = document.getElementById(id);
    if (el) new window.Chart(el, config);
  }
  make("chart-recordings", {
    type: "bar",
    data: {
      labels: d.months,
      datasets: [
        { label: "Recordings", data: d.recordings, backgroundColor: accent, yAxisID: "y" },
        { label: "Hours recorded", data: d.hours, backgroundColor: green, yAxisID: "y1" }
      ]
    },
    options: { scales: { y: { beginAtZero: true, position: "left" }, y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } } } }
  });
  make("chart-compliance", {
    type: "line",
    data: { labels: d.months, datasets: [{ label: "Activation compliance (%)", data: d.compliance, borderColor: accent, backgroundColor: accent, spanGaps: false }] },
    options: { scales: { y: { min: 0, max: 100 } } }
  });
  make("chart-requests", {
    type: "bar",
    data: {
      labels: d.months,
      datasets: [
        { label: "Received", data: d.received, backgroundColor: accent },
        { label: "Fulfilled", data: d.fulfilled, backgroundColor: amber }
      ]
    },
    options: { scales: { y: { beginAtZero: true } } }
  });
})();
