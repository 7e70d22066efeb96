// Browser benchmarks for `cargo xtask bench`: time to first QR (cold and warm cache), QR
// encoding speed, idle cost over many refresh cycles, and calls to Z-API per connection attempt,
// for <zapi-connect> and the baseline <baseline-connect>, in headless Chromium.
//
// Prints one `RESULT <key> <number>...` line per measurement; xtask turns them into tables.
// Environment: BENCH_BASE_URL (relay serving target/site), BENCH_SIM_URL, and optionally
// BENCH_LOADS, BENCH_CYCLES, BENCH_QR_RUNS, BENCH_QR_MS, BENCH_PUSH_RUNS, BENCH_ONLY (comma-separated sections).
import { chromium } from "playwright-core";
import { chromiumLaunchOptions } from "../../e2e/chromium.js";
import { watchFetches } from "../../e2e/watch-fetches.js";

const BASE = required("BENCH_BASE_URL");
const SIM = required("BENCH_SIM_URL");
const LOADS = Number(process.env.BENCH_LOADS ?? 20);
const CYCLES = Number(process.env.BENCH_CYCLES ?? 1000);
const QR_RUNS = Number(process.env.BENCH_QR_RUNS ?? 7);
const QR_MS = Number(process.env.BENCH_QR_MS ?? 1000);
const PUSH_RUNS = Number(process.env.BENCH_PUSH_RUNS ?? 20);
const ONLY = process.env.BENCH_ONLY?.split(",");
const INSTANCE = "demo-instance";
const PAGE = `${BASE}/bench/index.html`;
const TAGS = ["zapi-connect", "baseline-connect"];
const INTERVAL_MS = 15_000;
const POLL_MS = 5_000;
const CHECKPOINT = 100;

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run this through \`cargo xtask bench\``);
  return value;
}

function result(key, ...values) {
  console.log(`RESULT ${key} ${values.map((v) => +v.toFixed(4)).join(" ")}`);
}

async function sim(path, method = "GET") {
  const response = await fetch(`${SIM}/__sim${path}`, { method });
  if (!response.ok) throw new Error(`${method} /__sim${path}: ${response.status}`);
  return response.json();
}
const resetSim = () => sim("/reset", "POST");
const calls = async () => (await sim(`/instances/${INSTANCE}`)).calls;

const browser = await chromium.launch(chromiumLaunchOptions);

// 2. Inserting the element to its QR in the DOM, through relay and simulator on loopback.
async function timeToQr() {
  const report = (key, { total, ...parts }) => {
    result(key, total);
    for (const [part, ms] of Object.entries(parts)) result(`${key}.${part}`, ms);
  };
  // Cold: a fresh context per load, so nothing is cached. Elements alternate to share drift.
  for (let i = 0; i < LOADS; i++) {
    for (const tag of TAGS) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(PAGE);
      await resetSim();
      report(`ttq.cold.${tag}`, await page.evaluate((tag) => window.timeToQr(tag), tag));
      await context.close();
    }
  }
  // Warm: one context per element; the first load fills the cache and is not counted.
  const pages = {};
  for (const tag of TAGS) {
    const context = await browser.newContext();
    pages[tag] = await context.newPage();
  }
  for (let i = -1; i < LOADS; i++) {
    for (const tag of TAGS) {
      const page = pages[tag];
      await page.goto(PAGE);
      await resetSim();
      const times = await page.evaluate((tag) => window.timeToQr(tag), tag);
      if (i >= 0) report(`ttq.warm.${tag}`, times);
    }
  }
  for (const page of Object.values(pages)) await page.context().close();
}

// 3. Encode + render the simulator's payload to an SVG string: the widget's Rust code in wasm
// against the qrcode npm package, in the same page, runs interleaved.
async function qrEncode() {
  await resetSim();
  const { qr: payload } = await sim(`/instances/${INSTANCE}`);
  result("qr.payload-length", payload.length);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(PAGE);
  for (let run = 0; run < QR_RUNS; run++) {
    for (const which of ["wasm", "qrcode"]) {
      const { opsPerSecond, svgLength } = await page.evaluate(
        ([which, payload, ms]) => window.qrEncode(which, payload, ms),
        [which, payload, QR_MS],
      );
      if (svgLength < 1000) throw new Error(`${which} produced a ${svgLength}-byte SVG`);
      result(`qr.ops.${which}`, opsPerSecond);
    }
  }
  await context.close();
}

/**
 * A page with Playwright's clock paused, and the page's fetches counted so that every step can
 * wait until the element's requests are answered: the counts then depend on the element alone.
 */
async function clockPage(tag) {
  const context = await browser.newContext();
  await context.addInitScript(watchFetches);
  const page = await context.newPage();
  const start = new Date("2030-01-01T00:00:00Z").getTime();
  await page.clock.install({ time: start });
  await page.goto(PAGE);
  await page.clock.pauseAt(start + 60_000);
  await resetSim();
  await page.evaluate((tag) => window.mount(tag), tag);
  await waitFor(page, tag, "qr");
  return page;
}

async function settle(page) {
  for (let i = 0; ; i++) {
    if ((await page.evaluate(() => window.inflight)) === 0) break;
    if (i > 2000) throw new Error("requests never finished");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  // One more round trip: the element reads the answer a task after the body arrived.
  await page.evaluate(() => new Promise((resolve) => queueMicrotask(resolve)));
  await new Promise((resolve) => setTimeout(resolve, 2));
}

async function waitFor(page, tag, state) {
  const deadline = Date.now() + 15_000;
  while ((await page.evaluate((tag) => window.widgetState(tag), tag)) !== state) {
    if (Date.now() > deadline) throw new Error(`${tag} never reached state ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await settle(page);
}

/** Runs the clock for `ms` in poll-sized steps, letting requests finish after each step. */
async function run(page, ms) {
  for (let t = 0; t < ms; t += POLL_MS) {
    await page.clock.runFor(Math.min(POLL_MS, ms - t));
    await settle(page);
  }
}

const delta = (after, before) =>
  Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - (before[k] ?? 0)]));

// 5. Calls to Z-API per connection attempt, from the simulator's counters.
async function callEconomy() {
  for (const tag of TAGS) {
    const page = await clockPage(tag);
    const atFirstQr = await calls();
    result(`calls.${tag}.status-at-start`, atFirstQr.status);
    result(`calls.${tag}.qr-at-start`, atFirstQr["qr-code"]);
    // Polls while a code is shown: the first two codes' 30 s, scaled to a minute.
    await run(page, 2 * INTERVAL_MS);
    const polls = (await calls()).status - atFirstQr.status;
    result(`calls.${tag}.status-polls-per-min`, (polls * 60_000) / (2 * INTERVAL_MS));
    // The third code, then the pause: one cycle.
    await run(page, INTERVAL_MS);
    const cycle = await calls();
    result(`calls.${tag}.qr-per-cycle`, cycle["qr-code"]);
    result(`calls.${tag}.state-after-cycle`, (await page.evaluate((t) => window.widgetState(t), tag)) === "paused" ? 1 : 0);
    await run(page, 120_000);
    const paused = delta(await calls(), cycle);
    result(`calls.${tag}.calls-per-min-paused`, (sum(paused) * 60_000) / 120_000);
    // Hidden tab while a QR is shown.
    await page.evaluate((t) => window.clickNewCode(t), tag);
    await waitFor(page, tag, "qr");
    await page.evaluate(() => window.setHidden(true));
    const hiddenFrom = await calls();
    await run(page, 60_000);
    const hidden = delta(await calls(), hiddenFrom);
    result(`calls.${tag}.calls-per-min-hidden`, sum(hidden));
    result(`calls.${tag}.qr-per-min-hidden`, hidden["qr-code"]);
    result(`calls.${tag}.status-per-min-hidden`, hidden.status);
    await page.context().close();
  }
}

function sum(counts) {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

// 4. Idle cost: CPU and memory while the element waits through many refresh cycles (one cycle
// is one code shown for the interval); "Get new code" after every pause.
//
// ScriptDuration counts only script run from a task: what a promise callback or an `await`
// continuation runs (lit's renders, an async function after its fetch) is not in it. The
// sampling profiler sees every frame, so each block is also profiled and the samples whose stack
// holds a frame of the element's own module (its wasm included) are added up.
const ELEMENT_CODE = {
  "zapi-connect": (url) => url.endsWith("/vendor/zapi-connect/index.js") || url.startsWith("wasm://"),
  "baseline-connect": (url) => url.endsWith("/vendor/baseline/baseline-connect.js"),
};

/** Milliseconds of `profile` spent in frames of `ours` and in what they called. */
function timeInCode(profile, ours) {
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const inside = new Map();
  const isInside = (id) => {
    if (!inside.has(id)) {
      const up = parent.get(id);
      inside.set(id, ours(byId.get(id).callFrame.url) || (up !== undefined && isInside(up)));
    }
    return inside.get(id);
  };
  let us = 0;
  // A sample's time is the gap to the next one.
  for (let i = 0; i + 1 < profile.samples.length; i++) {
    if (isInside(profile.samples[i])) us += profile.timeDeltas[i + 1];
  }
  return us / 1000;
}

/** ScriptDuration for the same 200 ms of work run from timer tasks and from promise callbacks. */
async function scriptDurationCheck() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(PAGE);
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  const script = async () =>
    (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "ScriptDuration").value * 1000;
  for (const how of ["timer", "promise"]) {
    const before = await script();
    const worked = await page.evaluate(async (how) => {
      const busy = () => {
        const end = performance.now() + 20;
        while (performance.now() < end);
      };
      const start = performance.now();
      for (let i = 0; i < 10; i++) {
        await new Promise((done) =>
          setTimeout(() => (how === "timer" ? (busy(), done()) : Promise.resolve().then(() => (busy(), done())))),
        );
      }
      return performance.now() - start;
    }, how);
    result(`idle.check.${how}-script-ms`, (await script()) - before);
    result(`idle.check.${how}-wall-ms`, worked);
  }
  await context.close();
}

async function idleCost() {
  await scriptDurationCheck();
  for (const tag of TAGS) {
    const page = await clockPage(tag);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
    const profiled = [];
    const profileBlock = async () => {
      const { profile } = await cdp.send("Profiler.stop");
      profiled.push(timeInCode(profile, ELEMENT_CODE[tag]));
      await cdp.send("Profiler.start");
    };
    const memoryProto = await cdp.send("Runtime.evaluate", {
      expression: "WebAssembly.Memory.prototype",
    });
    const sample = async () => {
      await cdp.send("HeapProfiler.collectGarbage");
      const { metrics } = await cdp.send("Performance.getMetrics");
      const metric = (name) => metrics.find((m) => m.name === name)?.value ?? 0;
      const heap = await cdp.send("Runtime.getHeapUsage");
      const memories = await cdp.send("Runtime.queryObjects", {
        prototypeObjectId: memoryProto.result.objectId,
      });
      const wasm = await cdp.send("Runtime.callFunctionOn", {
        objectId: memories.objects.objectId,
        functionDeclaration: "function () { return this.reduce((s, m) => s + m.buffer.byteLength, 0); }",
        returnByValue: true,
      });
      await cdp.send("Runtime.releaseObject", { objectId: memories.objects.objectId });
      return {
        task: metric("TaskDuration") * 1000,
        script: metric("ScriptDuration") * 1000,
        heap: heap.usedSize,
        wasm: wasm.result.value,
      };
    };
    const samples = [await sample()];
    await cdp.send("Profiler.start");
    const before = await calls();
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      await run(page, INTERVAL_MS);
      if ((await page.evaluate((t) => window.widgetState(t), tag)) === "paused") {
        await page.evaluate((t) => window.clickNewCode(t), tag);
        await waitFor(page, tag, "qr");
      }
      if (cycle % CHECKPOINT === 0) {
        samples.push(await sample());
        await profileBlock();
      }
    }
    await cdp.send("Profiler.stop");
    for (const ms of profiled) result(`idle.${tag}.profiled-ms-per-cycle`, ms / CHECKPOINT);
    const after = delta(await calls(), before);
    result(`idle.${tag}.cycles`, CYCLES);
    result(`idle.${tag}.qr-calls`, after["qr-code"]);
    for (let i = 1; i < samples.length; i++) {
      const [a, b] = [samples[i - 1], samples[i]];
      result(`idle.${tag}.task-ms-per-cycle`, (b.task - a.task) / CHECKPOINT);
      result(`idle.${tag}.script-ms-per-cycle`, (b.script - a.script) / CHECKPOINT);
    }
    const first = samples[1];
    const last = samples[samples.length - 1];
    result(`idle.${tag}.heap-at-start`, samples[0].heap);
    result(`idle.${tag}.heap-after-first`, first.heap);
    result(`idle.${tag}.heap-at-end`, last.heap);
    result(`idle.${tag}.wasm-at-start`, samples[0].wasm);
    result(`idle.${tag}.wasm-after-first`, first.wasm);
    result(`idle.${tag}.wasm-at-end`, last.wasm);
    await page.context().close();
  }
}

// 6. A scan to `zapi-connected` in the page, in real time: pushed by the relay's event stream
// (the simulator posts its callback to the relay), against found by polling alone (the
// simulator's callbacks lost, so the widget's fallback poll finds the link).
async function pushLatency() {
  const context = await browser.newContext();
  await context.addInitScript(watchFetches);
  const page = await context.newPage();
  for (let run = 0; run < PUSH_RUNS; run++) {
    for (const mode of ["push", "polling"]) {
      await page.goto(PAGE);
      await resetSim();
      await control(`/instances/${INSTANCE}/mode`, { webhooksLost: mode === "polling" });
      await page.evaluate(() => {
        window.connectedAt = null;
        window.mount("zapi-connect");
        document.querySelector("zapi-connect").addEventListener("zapi-connected", () => {
          window.connectedAt ??= Date.now();
        });
      });
      await waitFor(page, "zapi-connect", "qr");
      // The stream's first heartbeat: the widget listens before the phone scans.
      const heard = Date.now() + 20_000;
      while ((await page.evaluate(() => window.streamChunks)) < 1) {
        if (Date.now() > heard) throw new Error("the widget's event stream said nothing in 20 s");
        await new Promise((r) => setTimeout(r, 20));
      }
      const scanned = Date.now();
      await sim(`/instances/${INSTANCE}/scan`, "POST");
      const deadline = scanned + 45_000;
      let connectedAt = null;
      while ((connectedAt = await page.evaluate(() => window.connectedAt)) === null) {
        if (Date.now() > deadline) throw new Error(`${mode}: no zapi-connected within 45 s of the scan`);
        await new Promise((r) => setTimeout(r, mode === "push" ? 2 : 50));
      }
      result(`push.${mode}.scan-to-connected-ms`, connectedAt - scanned);
    }
  }
  await context.close();
}

async function control(path, body) {
  const response = await fetch(`${SIM}/__sim${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST /__sim${path}: ${response.status}`);
}

const sections = {
  "time-to-qr": timeToQr,
  "qr-encode": qrEncode,
  calls: callEconomy,
  idle: idleCost,
  push: pushLatency,
};
try {
  for (const [name, measure] of Object.entries(sections)) {
    if (ONLY && !ONLY.includes(name)) continue;
    const started = Date.now();
    await measure();
    console.error(`bench: ${name} took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  await browser.close();
}
