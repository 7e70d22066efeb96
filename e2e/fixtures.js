import { test as base, expect } from "@playwright/test";
import { decodeQrPng } from "./qr-decode.js";
import { watchFetches } from "./watch-fetches.js";

export { watchFetches };

export const INSTANCE = "demo-instance";

/** A Brazilian number as the phone screens show it: `5511987654321` → `+55 11 98765-4321`. */
export function formattedPhone(digits) {
  const match = digits.match(/^55(\d\d)(9?\d{4})(\d{4})$/);
  return match ? `+55 ${match[1]} ${match[2]}-${match[3]}` : `+${digits}`;
}

/** Where a paused clock starts. */
const PAUSED_CLOCK_START = Date.UTC(2030, 0, 1);
const EVENTS = ["zapi-state", "zapi-code", "zapi-expired", "zapi-connected", "zapi-error"];

/** Waits until the widget's requests are answered and read (after `watchFetches`). */
export async function settle(page) {
  await expect.poll(() => page.evaluate(() => window.inflight), { intervals: [1, 5, 20] }).toBe(0);
  // The widget reads each answer a task after its body arrived.
  await page.waitForTimeout(20);
}

/** Moves the paused clock by `ms` and waits for what the widget asked meanwhile. */
export async function step(page, ms = 5_000) {
  await page.clock.runFor(ms);
  await settle(page);
}

/** Waits until the stream has brought `count` chunks, the first heartbeat coming at once. */
export async function heard(page, count = 1) {
  await expect
    .poll(() => page.evaluate(() => window.streamChunks), { timeout: 25_000 })
    .toBeGreaterThanOrEqual(count);
}

/** The simulator's control API (zapi-sim serves it under /__sim). */
export class Simulator {
  constructor(request, url = process.env.ZAPI_E2E_SIM_URL) {
    this.request = request;
    this.url = url;
  }
  async post(path, data) {
    const response = await this.request.post(`${this.url}/__sim${path}`, data ? { data } : {});
    expect(response.ok(), `POST /__sim${path}`).toBeTruthy();
  }
  reset() {
    return this.post("/reset");
  }
  scan() {
    return this.post(`/instances/${INSTANCE}/scan`);
  }
  disconnect() {
    return this.post(`/instances/${INSTANCE}/disconnect`);
  }
  failure(mode, extra = {}) {
    return this.post(`/instances/${INSTANCE}/failure`, { mode, ...extra });
  }
  advance(ms) {
    return this.post("/clock/advance", { ms });
  }
  async instance() {
    const response = await this.request.get(`${this.url}/__sim/instances/${INSTANCE}`);
    expect(response.ok()).toBeTruthy();
    return response.json();
  }
  async calls() {
    return (await this.instance()).calls;
  }
}

/** A page with one `<zapi-connect>`, a fake clock shared with the simulator, and recorded events. */
export class Widget {
  constructor(page, sim) {
    this.page = page;
    this.sim = sim;
    this.base = page.locator("zapi-connect [part=base]");
    this.qr = page.locator("zapi-connect [part=qr]");
    this.countdown = page.locator("zapi-connect [part=countdown]");
    this.newCodeButton = page.locator("zapi-connect [part=new-code-button]");
    this.error = page.locator("zapi-connect [part=error]");
    this.retryButton = page.locator("zapi-connect [part=retry-button]");
    this.connected = page.locator("zapi-connect [part=connected]");
    this.element = page.locator("zapi-connect");
    this.tabs = page.locator("zapi-connect [part=method-tab]");
    this.phoneInput = page.locator("zapi-connect [part=phone-input]");
    this.phoneError = page.locator("zapi-connect [part=phone-error]");
    this.phoneSubmit = page.locator("zapi-connect [part=phone-submit]");
    this.phoneNumber = page.locator("zapi-connect [part=phone-number]");
    this.getCodeButton = page.locator("zapi-connect [part=get-code-button]");
    this.changeNumberButton = page.locator("zapi-connect [part=change-number-button]");
    this.code = page.locator("zapi-connect [part=code]");
    this.copyButton = page.locator("zapi-connect [part=copy-button]");
    this.copyStatus = page.locator("zapi-connect [part=copy-status]");
  }

  tab(name) {
    return this.page.locator(`zapi-connect [part=method-tab][data-method=${name}]`);
  }

  /** Chooses the phone method (when tabs are shown), types `number` and confirms it. */
  async requestPhoneCode(number = "+55 (11) 91234-5678") {
    if (await this.tabs.count()) await this.tab("phone").click();
    await this.expectState("phone-input");
    await this.phoneInput.fill(number);
    await this.phoneInput.press("Enter");
    await expect(this.getCodeButton).toBeVisible();
    await this.getCodeButton.click();
    await this.expectState("phone-code");
  }

  /** The code on screen without its dash, as the simulator reports it. */
  async shownCode() {
    return (await this.code.textContent()).replace("-", "");
  }

  /** Makes the page report itself hidden (`true`) or visible, as a background tab would. */
  async setHidden(hidden) {
    await this.page.evaluate((hidden) => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => (hidden ? "hidden" : "visible") });
      Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
      document.dispatchEvent(new Event("visibilitychange"));
    }, hidden);
  }

  /**
   * Opens the bare fixture page and inserts the element with `attributes`. With `paused`, the
   * page's clock stands still until the test moves it; `setup` runs in the page, after the clock
   * is installed, before the element is inserted.
   */
  async mount(attributes = {}, { pageLang, paused = false, setup } = {}) {
    await this.page.clock.install(paused ? { time: PAUSED_CLOCK_START } : {});
    await this.page.goto("/fixture.html");
    if (paused) await this.page.clock.pauseAt(PAUSED_CLOCK_START + 1_000);
    if (setup) await this.page.evaluate(setup);
    await this.page.evaluate(
      ({ attributes, names, pageLang }) => {
        if (pageLang) document.documentElement.lang = pageLang;
        window.zapiEvents = [];
        for (const name of names) {
          document.addEventListener(name, (e) => window.zapiEvents.push({ type: e.type, detail: e.detail }));
        }
        const element = document.createElement("zapi-connect");
        for (const [key, value] of Object.entries({ relay: "/zapi", ...attributes })) {
          element.setAttribute(key, value);
        }
        document.body.append(element);
      },
      { attributes, names: EVENTS, pageLang },
    );
  }

  /** Moves the page's clock and the simulator's clock forward together. */
  async advance(ms) {
    await this.sim.advance(ms);
    await this.page.clock.runFor(ms);
  }

  state() {
    return this.base.getAttribute("data-state");
  }

  async expectState(state) {
    await expect(this.base).toHaveAttribute("data-state", state);
  }

  async countdownSeconds() {
    const text = await this.countdown.textContent();
    const match = text.match(/\d+/);
    expect(match, `countdown text "${text}"`).not.toBeNull();
    return Number(match[0]);
  }

  /**
   * Screenshots the QR as shown and decodes it, as a phone camera would: from a few frames. One CI
   * run read nothing from a single frame, which 65 tries of the same steps did not repeat; a
   * symbol that cannot be read fails every frame, and the last one is kept in the test's output.
   */
  async decodeQr() {
    let shot;
    for (let frame = 0; frame < 4; frame++) {
      shot = await this.#captureQr();
      const text = decodeQrPng(shot);
      if (text !== null) return text;
      await this.page.waitForTimeout(100);
    }
    await base.info().attach("undecodable-qr.png", { body: shot, contentType: "image/png" });
    throw new Error("the QR on screen does not decode");
  }

  async #captureQr() {
    // A refresh may replace the code while it is being captured; capture the new one then.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.qr.screenshot();
      } catch (error) {
        if (attempt >= 3 || !String(error).includes("not attached")) throw error;
      }
    }
  }

  events(type) {
    return this.page.evaluate((type) => window.zapiEvents.filter((e) => e.type === type), type);
  }
}

export const test = base.extend({
  sim: async ({ request }, use) => {
    const sim = new Simulator(request);
    await sim.reset();
    await use(sim);
  },
  widget: async ({ page, sim }, use) => {
    await use(new Widget(page, sim));
  },
});

export { expect };
