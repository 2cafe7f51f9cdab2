/*
 * Campaign dashboard charts (Chart.js, vendored under static/vendor/chartjs/).
 * The data comes from {{ series|json_script:"campaign-series" }}; each chart's numbers are also in a
 * table next to its canvas, which stays visible when this script or Chart.js does not run and is kept
 * for screen readers (visually hidden) once the chart is drawn. Labels that people read come from the
 * page (data-label-* attributes), so they are translated with the rest of the template.
 * No inline code, no eval, no external resources: fits a strict Content-Security-Policy.
 */
(function () {
  "use strict";

  // Calm colours with enough contrast on white; the first two match the site's blue and green.
  var PALETTE = ["#0b3d91", "#1e6b32", "#b3261e", "#7a4f00", "#4a2c86", "#00544c", "#85194f", "#465511", "#4d5562"];

  function colours(count) {
    var list = [];
    for (var i = 0; i < count; i += 1) {
      list.push(PALETTE[i % PALETTE.length]);
    }
    return list;
  }

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return;
    }
    var figure = canvas.closest("figure");
    if (figure) {
      figure.classList.add("chart-drawn"); // shows the canvas box, hides the table visually
    }
    config.options = Object.assign(
      { responsive: true, maintainAspectRatio: false, animation: false },
      config.options || {}
    );
    return new window.Chart(canvas, config);
  }

  function integerAxis() {
    return { beginAtZero: true, ticks: { precision: 0 } };
  }

  // Long category names (on the side of a horizontal bar chart) are shortened; tooltips and the table keep them whole.
  function shortLabel(value) {
    var label = String(this.getLabelForValue(value));
    return label.length > 16 ? label.slice(0, 15) + "\u2026" : label;
  }

  function singleSeries(id, numbers, horizontal) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return;
    }
    var labels = Object.keys(numbers);
    var valueAxis = horizontal ? "x" : "y";
    var scales = {};
    scales[valueAxis] = integerAxis();
    scales[horizontal ? "y" : "x"] = { ticks: { callback: shortLabel } };
    draw(id, {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          {
            label: canvas.dataset.label || "",
            data: labels.map(function (label) { return numbers[label]; }),
            backgroundColor: PALETTE[0]
          }
        ]
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        scales: scales,
        plugins: { legend: { display: false } }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("campaign-series");
    if (!source || typeof window.Chart === "undefined") {
      return; // the tables already show the numbers
    }
    var series = JSON.parse(source.textContent);
    var Chart = window.Chart;
    Chart.defaults.color = "#4d5562";
    Chart.defaults.font.family = window.getComputedStyle(document.body).fontFamily;

    var weekly = document.getElementById("chart-weekly");
    if (weekly) {
      draw("chart-weekly", {
        type: "line",
        data: {
          labels: series.weekly.labels,
          datasets: [
            {
              label: weekly.dataset.labelFound || "",
              data: series.weekly.found,
              borderColor: PALETTE[0],
              backgroundColor: PALETTE[0],
              pointStyle: "circle"
            },
            {
              label: weekly.dataset.labelClosed || "",
              data: series.weekly.closed,
              borderColor: PALETTE[1],
              backgroundColor: PALETTE[1],
              borderDash: [6, 4], // told apart by line style too, not by colour alone
              pointStyle: "rect"
            }
          ]
        },
        options: {
          scales: { y: integerAxis() },
          plugins: { legend: { labels: { usePointStyle: true } } }
        }
      });
    }

    var sources = Object.keys(series.by_source);
    draw("chart-source", {
      type: "doughnut",
      data: {
        labels: sources,
        datasets: [
          {
            data: sources.map(function (label) { return series.by_source[label]; }),
            backgroundColor: colours(sources.length),
            borderColor: "#ffffff",
            borderWidth: 2
          }
        ]
      },
      options: { plugins: { legend: { position: "bottom" } } }
    });

    singleSeries("chart-category", series.by_category, true);
    singleSeries("chart-industry", series.by_industry, true);
    singleSeries("chart-stage", series.by_stage, false);
  });
})();
