// 心育驿站 statistics: draws the charts of /admin/stats/ and its report with ECharts.
// The figures come from <script type="application/json" id="stats-data"> (data, not code: the
// CSP allows no inline script); every chart has its table beside it, so nothing here is the
// only way to read a number. Served as a file, like admin.js.
(function () {
  "use strict";

  var TEAL = "#00796b", TEAL_DARK = "#004d40", ORANGE = "#e65100", PURPLE = "#5e35b1";
  var TEXT = "#1f2328", MUTED = "#5f6b76", LINE = "#d9dee3";
  var FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
  var charts = [];

  function percent(part, whole) {
    return whole ? Math.round(part * 1000 / whole) / 10 : 0;
  }

  function monthLabel(month) {
    return parseInt(month.slice(5), 10) + "月";
  }

  function gauge(figures) {
    var c = figures.coverage;
    var value = percent(c.covered, c.total);
    var target = c.target;
    var band = [[1, LINE]];
    if (target !== null && target !== undefined) {
      band = [[target / 100, LINE], [1, "#b2dfdb"]];
    }
    return {
      animation: false,
      textStyle: { fontFamily: FONT },
      series: [{
        type: "gauge", min: 0, max: 100, startAngle: 210, endAngle: -30, radius: "92%",
        progress: { show: true, width: 18, itemStyle: { color: TEAL } },
        axisLine: { lineStyle: { width: 18, color: band } },
        axisTick: { show: false }, splitLine: { length: 8, lineStyle: { color: MUTED } },
        axisLabel: { color: MUTED, distance: 24, fontSize: 12 },
        pointer: { show: false }, anchor: { show: false },
        title: { show: true, offsetCenter: [0, "42%"], color: MUTED, fontSize: 14 },
        detail: {
          valueAnimation: false, offsetCenter: [0, "5%"], color: TEAL_DARK, fontSize: 30,
          fontWeight: "bold",
          formatter: function (v) {
            return v.toFixed(1) + "%\n{frac|" + c.covered + "/" + c.total + " 所}";
          },
          rich: { frac: { fontSize: 15, color: TEXT, padding: [8, 0, 0, 0] } }
        },
        data: [{
          value: value,
          name: target !== null && target !== undefined ? "目标 " + target + "%" : "未设目标"
        }]
      }]
    };
  }

  function districts(figures) {
    var rows = figures.districts.slice().reverse();  // the first district on top
    var target = figures.coverage.target;
    var series = {
      type: "bar", barMaxWidth: 26, itemStyle: { color: TEAL },
      data: rows.map(function (r) { return percent(r.covered, r.schools); }),
      label: {
        show: true, position: "right", color: TEXT,
        formatter: function (p) {
          var r = rows[p.dataIndex];
          return p.value.toFixed(1) + "%（" + r.covered + "/" + r.schools + "）";
        }
      }
    };
    if (target !== null && target !== undefined) {
      series.markLine = {
        symbol: "none", silent: true, lineStyle: { color: ORANGE, type: "dashed", width: 2 },
        label: { formatter: "目标 " + target + "%", color: ORANGE, position: "end" },
        data: [{ xAxis: target }]
      };
    }
    return {
      animation: false,
      textStyle: { fontFamily: FONT },
      grid: { left: 8, right: 96, top: 28, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%", color: MUTED },
               splitLine: { lineStyle: { color: LINE } } },
      yAxis: { type: "category", data: rows.map(function (r) { return r.district; }),
               axisLabel: { color: TEXT }, axisTick: { show: false } },
      series: [series]
    };
  }

  function trend(figures) {
    var months = figures.trend;
    function values(key) {
      return months.map(function (m) { return m[key]; });
    }
    function line(name, key, color) {
      return { name: name, type: "line", symbolSize: 7, itemStyle: { color: color },
               lineStyle: { width: 2, color: color }, data: values(key) };
    }
    return {
      animation: false,
      textStyle: { fontFamily: FONT },
      legend: { top: 0, textStyle: { color: TEXT } },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: months.map(function (m) { return monthLabel(m.month); }),
               axisLabel: { color: MUTED } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: MUTED },
               splitLine: { lineStyle: { color: LINE } } },
      // Check-ins as bars, so the teachers' line stays visible where the two are equal.
      series: [{ name: "签到人次", type: "bar", barMaxWidth: 22, itemStyle: { color: "#80cbc4" },
                 data: values("checkins") },
               line("参训教师", "teachers", PURPLE),
               line("完成进校", "visits", ORANGE)]
    };
  }

  var OPTIONS = { gauge: gauge, districts: districts, trend: trend };

  function draw() {
    var source = document.getElementById("stats-data");
    if (!source || typeof window.echarts !== "object") {
      return;
    }
    var figures = JSON.parse(source.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var make = OPTIONS[el.getAttribute("data-chart")];
      if (!make) {
        return;
      }
      var height = el.getAttribute("data-height");
      if (height) {
        el.style.height = Math.max(parseInt(height, 10), 160) + "px";
      }
      // SVG: sharp when printed, and text the browser can zoom.
      var chart = window.echarts.init(el, null, { renderer: "svg", locale: "ZH" });
      chart.setOption(make(figures));
      el.setAttribute("data-drawn", "");
      charts.push(chart);
    });
  }

  function resize() {
    charts.forEach(function (chart) { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw();
    window.addEventListener("resize", resize);
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
  });
})();
