// Draws the dashboard chart from the JSON the page embeds (#chart-data); ECharts is served
// from /static (no CDN). Two series: sessions (场次, left axis) and participant-times (人次).
(function () {
  "use strict";
  var holder = document.getElementById("chart");
  var source = document.getElementById("chart-data");
  if (!holder || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(holder, null, { renderer: "svg" });
  var kind = data.line ? "line" : "bar";
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { data: data.names, top: 4 },
    grid: { left: 56, right: 64, top: 40, bottom: 72 },
    xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 8 ? 35 : 0 } },
    yAxis: [
      { type: "value", name: data.names[0], minInterval: 1 },
      { type: "value", name: data.names[1], minInterval: 1 }
    ],
    series: [
      { name: data.names[0], type: kind, data: data.sessions, itemStyle: { color: "#b71c1c" } },
      { name: data.names[1], type: kind, yAxisIndex: 1, data: data.participant_times, itemStyle: { color: "#1f5fa8" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
  holder.setAttribute("data-ready", "1");
})();
