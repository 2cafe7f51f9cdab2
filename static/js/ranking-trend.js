// Draws the ranking trend (scores by month, one line per region) from the JSON the page embeds.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("ranking-trend");
  var canvas = document.getElementById("chart-trend");
  if (!source || !canvas || typeof Chart === "undefined") return;
  var trend = JSON.parse(source.textContent);
  var palette = ["#0b3d91", "#1f7a3a", "#b45309", "#9d174d", "#0e7490", "#6d28d9", "#a16207", "#374151"];
  new Chart(canvas, {
    type: "line",
    data: {
      labels: trend.labels,
      datasets: trend.series.map(function (series, index) {
        var colour = palette[index % palette.length];
        return { label: series.label, data: series.data, borderColor: colour, backgroundColor: colour, spanGaps: true };
      }),
    },
    options: { animation: false, responsive: true, scales: { y: { min: 0, max: 100 } } },
  });
});
