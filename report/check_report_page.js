// Opens a training report (report.html) in headless Chromium and checks, from
// the rendered page, that it shows what its data holds:
//   - the page's script ran to its end, with no error;
//   - every chart holds exactly its run's values of its member, and each of
//     its series is drawn (pixels of the series' colour on the chart's canvas);
//   - every member the runs record that the page charts has a series per run;
//   - every sample grid loads, stepping through them with the viewer's buttons;
//   - each run's Table 1 rows (table1.json) are on the page;
//   - switching the x axis to wall time redraws every chart.
// Prints what it checked, or each problem; exits 1 on any problem.
//
//   node check_report_page.js PAGE.html [--screenshot=PAGE.png]
// playwright-core comes from NODE_PATH; Chromium is Debian's (/usr/bin/chromium,
// or $CHROMIUM).
"use strict";
const path = require("path");
const { chromium } = require("playwright-core");

const CHARTED_MEMBERS = ["d_loss", "g_loss", "mean_d_real", "mean_d_fake", "g_learning_rate", "d_learning_rate",
                         "g_momentum", "d_momentum", "parzen_valid", "parzen_test", "ema_parzen_valid", "ema_parzen_test"];

// In the page: each chart's series, the values uPlot holds for it, and how
// many canvas pixels have its colour when it is the only series shown (so a
// series another one covers is still seen).
async function inspectCharts() {
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const rgbOf = (colour) => {
    const probe = document.createElement("canvas").getContext("2d");
    probe.fillStyle = colour;
    probe.fillRect(0, 0, 1, 1);
    return Array.from(probe.getImageData(0, 0, 1, 1).data.slice(0, 3));
  };
  const countPixels = (canvas, [r, g, b]) => {
    const image = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < image.length; i += 4) {
      if (image[i + 3] > 200 && Math.abs(image[i] - r) <= 24 && Math.abs(image[i + 1] - g) <= 24 &&
          Math.abs(image[i + 2] - b) <= 24) ++n;
    }
    return n;
  };
  const result = [];
  for (const chart of window.reportCharts || []) {
    const canvas = document.querySelector(`#chart-${chart.id} canvas`);
    const pixels = [];
    if (canvas) {
      for (let i = 0; i < chart.series.length; ++i) {
        chart.series.forEach((_, j) => chart.plot.setSeries(j + 1, { show: j === i }));
        await frame();
        pixels.push(countPixels(canvas, rgbOf(chart.series[i].colour)));
      }
      chart.series.forEach((_, j) => chart.plot.setSeries(j + 1, { show: true }));
      await frame();
    }
    result.push({ id: chart.id, canvas: !!canvas, pixels,
                  series: chart.series.map((s, i) => ({ run: s.run, member: s.member, label: s.label,
                                                         values: chart.plot.data[i + 1].filter((v) => v !== null && v !== undefined) })) });
  }
  return result;
}

async function main() {
  const page_path = process.argv[2];
  const screenshot = (process.argv.find((a) => a.startsWith("--screenshot=")) || "").slice("--screenshot=".length);
  if (!page_path) throw new Error("usage: node check_report_page.js PAGE.html [--screenshot=PAGE.png]");
  const problems = [];
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
           "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => { if (message.type() === "error") problems.push(`console error: ${message.text()}`); });
    page.on("request", (request) => {
      if (!request.url().startsWith("file:") && !request.url().startsWith("data:")) problems.push(`network request: ${request.url()}`);
    });
    await page.goto("file://" + path.resolve(page_path));
    const rendered = await page.waitForFunction(() => document.body.dataset.rendered === "true", null, { timeout: 20000 })
      .then(() => true, () => false);
    if (!rendered) {
      problems.push("the page's script did not finish (no data-rendered on <body>)");
      return report(problems);
    }
    const data = await page.evaluate(() => JSON.parse(document.getElementById("report-data").textContent));

    // Charts, against the data the page carries.
    const checkCharts = async (axis) => {
      const charts = await page.evaluate(inspectCharts);
      if (charts.length === 0) problems.push(`${axis}: no charts`);
      let series = 0;
      for (const chart of charts) {
        if (!chart.canvas) { problems.push(`${axis}: chart ${chart.id} has no canvas`); continue; }
        chart.series.forEach((s, i) => {
          ++series;
          const run = data.runs.find((r) => r.label === s.run);
          const expected = run ? (run.columns[s.member] || []).filter((v) => v !== null && !(chart.id === "learning_rate" && v <= 0)) : [];
          if (expected.length === 0) problems.push(`${axis}: chart ${chart.id}, series ${s.label}: the run has no values of ${s.member}`);
          if (JSON.stringify(s.values) !== JSON.stringify(expected)) {
            problems.push(`${axis}: chart ${chart.id}, series ${s.label}: holds ${s.values.length} values, the run has ${expected.length} (or they differ)`);
          }
          if (chart.pixels[i] < 3) problems.push(`${axis}: chart ${chart.id}, series ${s.label}: not drawn (${chart.pixels[i]} pixels of its colour)`);
        });
      }
      for (const run of data.runs) {
        for (const member of CHARTED_MEMBERS) {
          if (!(run.columns[member] || []).some((v) => v !== null)) continue;
          if (!charts.some((c) => c.series.some((s) => s.run === run.label && s.member === member))) {
            problems.push(`${axis}: run ${run.label} records ${member}, but no chart shows it`);
          }
        }
      }
      return { charts: charts.length, series };
    };
    const byEpoch = await checkCharts("epoch axis");
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });

    // Grids: every one loads, stepping back from the last with the viewer's button.
    const viewers = await page.$$(".grid-viewer");
    let grids = 0;
    for (const [v, run] of data.runs.entries()) {
      const viewer = viewers[v];
      if (!viewer) { problems.push(`run ${run.label}: no grid viewer`); continue; }
      for (let i = run.grids.length - 1; i >= 0; --i) {
        const shown = await viewer.$eval("img.grid", async (img) => {
          try { await img.decode(); } catch (e) { /* measured below */ }
          return { epoch: Number(img.dataset.epoch), loaded: img.complete && img.naturalWidth > 0, width: img.naturalWidth };
        });
        if (shown.epoch !== run.grids[i].epoch) problems.push(`run ${run.label}: the viewer shows epoch ${shown.epoch}, expected ${run.grids[i].epoch}`);
        if (!shown.loaded) problems.push(`run ${run.label}: the grid of epoch ${run.grids[i].epoch} did not load`);
        else ++grids;
        if (i > 0) await (await viewer.$("button.previous")).click();
      }
    }

    // Table 1: a row on the page for each row of a run's table1.json.
    const tableRows = await page.$$eval("#table1 table", (tables) => tables.map((t) => t.rows.length - 1));
    const withTable = data.runs.filter((r) => r.table1);
    withTable.forEach((run, i) => {
      if (tableRows[i] !== run.table1.length) problems.push(`run ${run.label}: Table 1 shows ${tableRows[i]} rows, table1.json has ${run.table1.length}`);
    });

    // The other x axis.
    await page.click('input[name="x-axis"][value="hours"]');
    const byHours = await checkCharts("wall-time axis");

    console.log(`checked ${data.runs.length} run(s): ${byEpoch.charts} charts with ${byEpoch.series} series by epoch, ` +
                `${byHours.charts} charts with ${byHours.series} series by wall time, ${grids} grids loaded, ` +
                `Table 1 of ${withTable.length} run(s)` +
                (screenshot ? `; screenshot ${screenshot}` : ""));
  } finally {
    await browser.close();
  }
  return report(problems);
}

function report(problems) {
  for (const p of problems) console.log("PROBLEM: " + p);
  return problems.length === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (error) => { console.log("PROBLEM: " + error.message); process.exit(1); });
