// The simulator's control API and a page object for one `<zapi-connect>`, over WebDriver.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Key } from "selenium-webdriver";
import { decodeQrPng } from "../qr-decode.js";
import { PAGES } from "./page.js";

export const INSTANCE = "demo-instance";
const EVENTS = ["zapi-state", "zapi-code", "zapi-expired", "zapi-connected", "zapi-error"];
/** How long a wait for the page may take before the test fails (a safety net, not a goal). */
const WAIT_MS = 10_000;

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export class Simulator {
  constructor(url = process.env.ZAPI_E2E_SIM_URL) {
    this.url = url;
  }
  async post(path, body) {
    const response = await fetch(`${this.url}/__sim${path}`, {
      method: "POST",
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    assert.ok(response.ok, `POST /__sim${path}: ${response.status}`);
  }
  reset() {
    return this.post("/reset");
  }
  scan() {
    return this.post(`/instances/${INSTANCE}/scan`);
  }
  failure(mode, extra = {}) {
    return this.post(`/instances/${INSTANCE}/failure`, { mode, ...extra });
  }
  advance(ms) {
    return this.post("/clock/advance", { ms });
  }
  /** WhatsApp asks for a passkey: neither a scan nor a pairing code links, the extension does. */
  requirePasskey() {
    return this.post(`/instances/${INSTANCE}/mode`, { passkeyRequired: true });
  }
  /** The user types `code` into the simulated Z-API Conector extension and confirms. */
  typeIntoExtension(code) {
    return this.post(`/instances/${INSTANCE}/extension`, { code });
  }
  async instance() {
    const response = await fetch(`${this.url}/__sim/instances/${INSTANCE}`);
    assert.ok(response.ok, `GET /__sim/instances/${INSTANCE}: ${response.status}`);
    return response.json();
  }
  async calls() {
    return (await this.instance()).calls;
  }
}

/** Polls `read` until `accept` takes its value; fails with the last value or error seen. */
export async function eventually(read, accept, what) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    let last;
    try {
      last = { value: await read() };
      if (accept(last.value)) return last.value;
    } catch (error) {
      last = { error: String(error) };
    }
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(last)} after ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Counts the relay's event streams the page opened, in `window.streamsOpened`. */
const WATCH_STREAM = `{
  const fetch = window.fetch;
  window.streamsOpened = 0;
  window.fetch = function (...args) {
    const promise = fetch.apply(this, args);
    const url = args[0] instanceof Request ? args[0].url : String(args[0]);
    if (new URL(url, location.href).pathname.endsWith("/events")) {
      promise.then((response) => response.ok && window.streamsOpened++, () => {});
    }
    return promise;
  };
}`;

export class Widget {
  constructor(driver, sim, baseUrl = process.env.ZAPI_E2E_BASE_URL) {
    this.driver = driver;
    this.sim = sim;
    this.baseUrl = baseUrl;
    this.pageCalls = 0;
  }

  /**
   * Opens the test page (a fresh document and clock) and inserts the element with `attributes`.
   * With `watchStream`, `window.streamsOpened` counts the relay's event streams the page opened.
   */
  async mount(attributes = {}, { watchStream = false } = {}) {
    await this.open(PAGES.fixture);
    await this.awaitInPage(
      "inserting <zapi-connect>",
      async (attributes, names, watchStream) => {
        await customElements.whenDefined("zapi-connect");
        // In the page's own script: a function set from here is one the page may not call.
        if (watchStream) {
          const script = document.createElement("script");
          script.textContent = watchStream;
          document.head.append(script);
        }
        window.zapiEvents = [];
        for (const name of names) {
          document.addEventListener(name, (e) => window.zapiEvents.push({ type: e.type, detail: e.detail }));
        }
        const element = document.createElement("zapi-connect");
        for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
        document.body.append(element);
      },
      { relay: "/zapi", ...attributes },
      EVENTS,
      watchStream && WATCH_STREAM,
    );
  }

  open(path) {
    return this.driver.get(`${this.baseUrl}${path}`);
  }

  /** What the widget's stylesheet decides: the base's box and the QR's width. */
  looks() {
    return this.driver.executeScript(
      `const root = document.querySelector("zapi-connect").shadowRoot;
       const base = getComputedStyle(root.querySelector("[part=base]"));
       return {
         display: base.display,
         radius: base.borderTopLeftRadius,
         padding: base.paddingTop,
         qrWidth: root.querySelector("[part=qr]").getBoundingClientRect().width,
       };`,
    );
  }

  /** How the stylesheet reached the shadow root: adopted sheets and `<style>` elements. */
  styleSources() {
    return this.driver.executeScript(
      `const root = document.querySelector("zapi-connect").shadowRoot;
       return { adopted: root.adoptedStyleSheets?.length ?? null, styleElements: root.querySelectorAll("style").length };`,
    );
  }

  /**
   * Runs the async function `run` in the page and returns what it resolves to, polling for
   * the result: the page's clock moves while it runs, and WebKitWebDriver times a script out
   * with the page's timers (see SCRIPT_TIMEOUT_MS in flows.test.js).
   */
  async awaitInPage(what, run, ...args) {
    const id = ++this.pageCalls;
    await this.driver.executeScript(
      `const [id, source, ...args] = arguments;
       window.zapiSettled ??= new Map();
       new Function("return " + source)()(...args).then(
         (value) => window.zapiSettled.set(id, { value }),
         (error) => window.zapiSettled.set(id, { error: String(error) }),
       );`,
      id,
      run.toString(),
      ...args,
    );
    const settled = await eventually(
      () =>
        this.driver.executeScript(
          `const settled = window.zapiSettled.get(arguments[0]);
           window.zapiSettled.delete(arguments[0]);
           return settled ?? null;`,
          id,
        ),
      (settled) => settled !== null,
      what,
    );
    if ("error" in settled) throw new Error(`${what}: ${settled.error}`);
    return settled.value;
  }

  /** The element's inner part `name` (in its open shadow root), or `null`. */
  part(name, extra = "") {
    return this.driver.executeScript(
      `return document.querySelector("zapi-connect")?.shadowRoot?.querySelector(arguments[0]) ?? null;`,
      `[part=${name}]${extra}`,
    );
  }

  async partCount(name) {
    return this.driver.executeScript(
      `return document.querySelector("zapi-connect").shadowRoot.querySelectorAll(arguments[0]).length;`,
      `[part=${name}]`,
    );
  }

  /** Waits for part `name` to be on screen and returns it. */
  async visiblePart(name, extra = "") {
    return eventually(
      async () => {
        const element = await this.part(name, extra);
        return element && (await element.isDisplayed()) ? element : null;
      },
      (element) => element !== null,
      `part ${name}${extra} visible`,
    );
  }

  async click(name, extra = "") {
    await (await this.visiblePart(name, extra)).click();
  }

  async attribute(name, attribute) {
    const element = await this.part(name);
    return element ? element.getAttribute(attribute) : null;
  }

  async text(name) {
    const element = await this.part(name);
    return element ? (await this.driver.executeScript("return arguments[0].textContent", element)) : null;
  }

  /** The part that has focus inside the element, or `null`. */
  focusedPart() {
    return this.driver.executeScript(
      `const focused = document.querySelector("zapi-connect").shadowRoot.activeElement;
       return focused ? focused.getAttribute("part") : null;`,
    );
  }

  /** Presses `key` wherever focus is, as a keyboard does. */
  press(key) {
    return this.driver.actions().sendKeys(key).perform();
  }

  state() {
    return this.attribute("base", "data-state");
  }

  expectState(state) {
    return eventually(
      () => this.state(),
      (shown) => shown === state,
      `data-state ${state}`,
    );
  }

  async countdownSeconds() {
    const text = await this.text("countdown");
    const match = text?.match(/\d+/);
    assert.ok(match, `countdown text "${text}"`);
    return Number(match[0]);
  }

  /** Moves the page's clock and the simulator's clock forward together. */
  async advance(ms) {
    await this.sim.advance(ms);
    await this.awaitInPage(`moving the clock ${ms} ms`, (ms) => window.zapiClock.tickAsync(ms), ms);
  }

  /**
   * The QR as the engine draws it, read from a few frames as a phone camera would. The frames
   * are the window's, cut to the QR: WebKitGTK returns element screenshots of a shadow root's
   * content all black.
   */
  async decodeQr() {
    for (let frame = 0; frame < 4; frame++) {
      const qr = await this.visiblePart("qr");
      let region;
      try {
        region = await this.driver.executeScript(
          `const element = arguments[0];
           element.scrollIntoView({ block: "center" });
           const box = element.getBoundingClientRect();
           const scale = devicePixelRatio;
           return { x: Math.round(box.x * scale), y: Math.round(box.y * scale),
                    width: Math.round(box.width * scale), height: Math.round(box.height * scale) };`,
          qr,
        );
      } catch (error) {
        // A refresh may replace the code while it is being captured; capture the new one then.
        if (!/stale|detached|no such element/i.test(String(error))) throw error;
        continue;
      }
      const shot = Buffer.from(await this.driver.takeScreenshot(), "base64");
      const text = decodeQrPng(shot, region);
      if (text !== null) return text;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("the QR on screen does not decode");
  }

  /**
   * Hides the page as the engine itself does when its window is minimized, or shows it again:
   * the engine fires visibilitychange, and scripts keep running while hidden.
   */
  async setHidden(hidden) {
    const window = this.driver.manage().window();
    if (hidden) await window.minimize();
    else await window.setRect({ width: 1024, height: 900 });
    await eventually(
      () => this.driver.executeScript("return document.visibilityState"),
      (state) => state === (hidden ? "hidden" : "visible"),
      "document.visibilityState",
    );
  }

  /** What a paste (Ctrl+V) into a text box of the page gets from the clipboard. */
  async paste() {
    const box = await this.driver.executeScript(
      `const box = document.createElement("textarea");
       box.setAttribute("aria-label", "paste here");
       document.body.append(box);
       return box;`,
    );
    await box.click();
    await box.sendKeys(Key.CONTROL, "v");
    return box.getAttribute("value");
  }

  events(type) {
    return this.driver.executeScript(`return window.zapiEvents.filter((e) => e.type === arguments[0]);`, type);
  }

  /** axe-core's violations inside the element, as "rule: help (nodes)" lines. */
  async axeViolations() {
    return this.awaitInPage("axe-core", async (source) => {
      if (!window.axe) new Function(source)();
      const results = await window.axe.run({ include: [["zapi-connect"]] });
      return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
    }, AXE_SOURCE);
  }
}
