// The core flows in one engine (ZAPI_E2E_ENGINE: firefox or webkit), against the packed bundle,
// zapi-relay and zapi-sim that `cargo xtask test` starts.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { Key } from "selenium-webdriver";
import { startEngine } from "./engines.js";
import { PAGES, publishTestPage } from "./page.js";
import { Simulator, Widget, eventually } from "./widget.js";

const engineName = process.env.ZAPI_E2E_ENGINE;
for (const name of [
  "ZAPI_E2E_ENGINE",
  "ZAPI_E2E_BASE_URL",
  "ZAPI_E2E_SIM_URL",
  "ZAPI_E2E_SITE_DIR",
  "ZAPI_E2E_STREAMLESS_RELAY_URL",
  "ZAPI_E2E_TICKET",
]) {
  if (!process.env[name]) throw new Error(`${name} is unset: run these tests with \`cargo xtask engines\``);
}

// WebKitWebDriver times scripts out with the page's own timers, which the fake clock moves: a
// test that moves it minutes ahead would end the script running at that moment. Waits on the
// page are bounded on this side (widget.js), and every script returns at once.
const SCRIPT_TIMEOUT_MS = 7 * 24 * 3600 * 1000;

describe(`core flows in ${engineName}`, () => {
  let engine;
  let sim;
  let widget;

  before(async () => {
    publishTestPage(process.env.ZAPI_E2E_SITE_DIR);
    engine = await startEngine(engineName);
    await engine.driver.manage().window().setRect({ width: 1024, height: 900 });
    await engine.driver.manage().setTimeouts({ script: SCRIPT_TIMEOUT_MS });
    const capabilities = await engine.driver.getCapabilities();
    console.log(`# ${capabilities.getBrowserName()} ${capabilities.getBrowserVersion()}`);
  });

  after(async () => {
    await engine?.stop();
  });

  beforeEach(async () => {
    sim = new Simulator();
    await sim.reset();
    widget = new Widget(engine.driver, sim);
  });

  /** Chooses the phone method (when tabs are shown), types `number` and confirms it. */
  async function requestPhoneCode(number = "+55 (11) 91234-5678") {
    if (await widget.partCount("method-tab")) await widget.click("method-tab", "[data-method=phone]");
    await widget.expectState("phone-input");
    const input = await widget.visiblePart("phone-input");
    await input.clear();
    await input.sendKeys(number, Key.ENTER);
    await widget.click("get-code-button");
    await widget.expectState("phone-code");
  }

  test("the QR on screen decodes to the simulator's current payload", async () => {
    await widget.mount();
    await widget.expectState("qr");
    const { qr } = await sim.instance();
    assert.match(qr, /^2@/);
    assert.equal(await widget.decodeQr(), qr);
  });

  test("a new payload after each interval, a pause after 3 QR calls, and Get new code starts again", async () => {
    await widget.mount({ interval: "20" });
    await widget.expectState("qr");
    const first = await widget.countdownSeconds();
    assert.ok(first >= 19 && first <= 20, `countdown starts at ${first}`);
    const seen = [await widget.decodeQr()];
    assert.equal(seen[0], (await sim.instance()).qr);

    for (let refresh = 1; refresh < 3; refresh++) {
      await widget.advance(20_000);
      const shown = await eventually(
        () => widget.decodeQr(),
        (text) => text !== seen.at(-1),
        `QR after refresh ${refresh}`,
      );
      assert.equal(shown, (await sim.instance()).qr);
      seen.push(shown);
    }
    assert.equal(new Set(seen).size, 3);
    assert.equal((await sim.calls())["qr-code"], 3);

    await widget.advance(20_000);
    await widget.expectState("paused");
    assert.equal(await widget.partCount("qr"), 0);
    await widget.advance(120_000);
    assert.equal((await sim.calls())["qr-code"], 3, "no QR call long after the pause");
    await widget.expectState("paused");

    await widget.click("new-code-button");
    await widget.expectState("qr");
    assert.equal(await widget.decodeQr(), (await sim.instance()).qr);
    assert.equal((await sim.calls())["qr-code"], 4);
  });

  test("the phone flow shows the simulator's pairing code, and copy puts it on the clipboard", async () => {
    await widget.mount({ methods: "phone" });
    await requestPhoneCode();
    const { phoneCode } = await sim.instance();
    assert.equal((await widget.text("code")).replace("-", ""), phoneCode);
    assert.equal((await widget.events("zapi-code")).length, 1);

    await widget.click("copy-button");
    await eventually(
      () => widget.text("copy-status"),
      (text) => text === "Copied",
      "copy status",
    );
    assert.equal(await widget.paste(), phoneCode);
  });

  test("from the number to the copied code with the keyboard alone: focus follows each step", async () => {
    await widget.mount({ methods: "phone" });
    await widget.expectState("phone-input");
    await (await widget.visiblePart("phone-input")).sendKeys("11 91234 5678", Key.ENTER);
    await widget.visiblePart("get-code-button");
    await eventually(
      () => widget.focusedPart(),
      (part) => part === "get-code-button",
      "focus on Get code",
    );
    await widget.press(Key.ENTER);
    await widget.expectState("phone-code");
    await eventually(
      () => widget.focusedPart(),
      (part) => part === "copy-button",
      "focus on Copy",
    );
    await widget.press(Key.ENTER);
    await eventually(
      () => widget.text("copy-status"),
      (text) => text === "Copied",
      "copy status",
    );
    assert.equal(await widget.paste(), (await sim.instance()).phoneCode);
  });

  test("a scan turns the widget to connected and fires zapi-connected once", async () => {
    await widget.mount();
    await widget.expectState("qr");
    await sim.scan();
    await widget.advance(5_000);
    await widget.expectState("connected");
    assert.ok(await (await widget.part("connected")).isDisplayed());
    assert.equal(await widget.partCount("qr"), 0);
    const events = await widget.events("zapi-connected");
    assert.equal(events.length, 1);
    assert.equal(events[0].detail.alreadyConnected, false);
    // The linked phone's card, after the one question of which phone it is.
    await widget.visiblePart("device");
    assert.equal(await widget.text("device-phone"), "+55 11 98765-4321");
    const calls = await sim.calls();
    assert.equal(calls.device, 1);
    await widget.advance(60_000);
    assert.deepEqual(await sim.calls(), calls, "connected is final: no more calls");
  });

  test("with the relay's event stream, a scan turns the widget to connected at once, confirmed by one /status", async () => {
    await widget.mount({ interval: "20" }, { watchStream: true });
    await widget.expectState("qr");
    await eventually(
      () => engine.driver.executeScript("return window.streamsOpened;"),
      (opened) => opened === 1,
      "the event stream open",
    );
    const before = await sim.calls();
    const clockBefore = await engine.driver.executeScript("return Date.now();");
    await sim.scan();
    await widget.expectState("connected");
    // Sooner than any poll: with the stream open, the next would come 30 s after it opened.
    const waited = (await engine.driver.executeScript("return Date.now();")) - clockBefore;
    assert.ok(waited < 5_000, `connected after ${waited} ms`);
    const after = await sim.calls();
    assert.equal(after.status, before.status + 1);
    assert.equal(after["qr-code"], before["qr-code"]);
    assert.equal((await sim.instance()).webhooksSent, 1);
  });

  test("passkey required: a scan does not link, the extension code on screen does", async () => {
    await sim.requirePasskey();
    await widget.mount({}, { watchStream: true });
    await widget.expectState("qr");
    await eventually(
      () => engine.driver.executeScript("return window.streamsOpened;"),
      (opened) => opened === 1,
      "the event stream open",
    );
    await sim.scan();
    assert.equal((await sim.instance()).passkeyPending, true);
    await widget.advance(5_000);
    assert.equal(await widget.state(), "qr");

    await widget.click("trouble-link");
    await widget.expectState("extension-code");
    const shown = (await widget.text("extension-code")).trim();
    const { extensionToken } = await sim.instance();
    assert.equal(shown, extensionToken.token);
    assert.match(await widget.text("countdown"), /^Code expires in [45]:\d\d$/);
    const install = await widget.part("extension-install-link");
    assert.equal(await install.getAttribute("target"), "_blank");
    assert.equal(await install.getAttribute("rel"), "noopener noreferrer");
    assert.match(await install.getAttribute("href"), /^https:\/\//);

    const before = await sim.calls();
    await sim.typeIntoExtension(shown);
    await widget.expectState("connected");
    assert.equal((await sim.calls()).status, before.status + 1);
    await widget.visiblePart("device");
    const { device } = await sim.instance();
    assert.equal((await widget.text("device-phone")).replace(/\D/g, ""), device.phone);
  });

  test("a hidden tab makes no relay calls, and an expired QR is replaced the moment it shows", async () => {
    await widget.mount({ interval: "15" });
    await widget.expectState("qr");
    await widget.setHidden(true);
    const before = await sim.calls();
    await widget.advance(60_000);
    assert.deepEqual(await sim.calls(), before);

    await widget.setHidden(false);
    await eventually(
      async () => (await sim.calls())["qr-code"],
      (calls) => calls === before["qr-code"] + 1,
      "one QR call after the tab shows",
    );
    await widget.expectState("qr");
    assert.ok((await widget.countdownSeconds()) >= 14);
    assert.equal(await widget.decodeQr(), (await sim.instance()).qr);
  });

  test("a phone code past its lifetime while the tab was hidden shows as expired", async () => {
    await widget.mount({ methods: "phone" });
    await requestPhoneCode();
    await widget.setHidden(true);
    const before = await sim.calls();
    await widget.advance(200_000);
    assert.deepEqual(await sim.calls(), before);
    await widget.setHidden(false);
    await widget.expectState("code-expired");
    assert.equal((await sim.calls())["phone-code"], before["phone-code"]);
  });

  /** Makes `navigator.onLine` say `online` and fires its event, as the engine does when the network goes. */
  function setOnline(online) {
    return engine.driver.executeScript(
      `const online = arguments[0];
       Object.defineProperty(Navigator.prototype, "onLine", { configurable: true, get: () => online });
       dispatchEvent(new Event(online ? "online" : "offline"));`,
      online,
    );
  }

  test("offline: no calls and no QR call spent; back online, a fresh code", async () => {
    await widget.mount({ interval: "15" });
    await widget.expectState("qr");
    await setOnline(false);
    await widget.expectState("offline");
    const before = await sim.calls();
    await widget.advance(60_000);
    assert.deepEqual(await sim.calls(), before);

    await setOnline(true);
    await widget.expectState("qr");
    const after = await sim.calls();
    assert.equal(after.status, before.status + 1);
    assert.equal(after["qr-code"], before["qr-code"] + 1);
    assert.equal(await widget.decodeQr(), (await sim.instance()).qr);
  });

  test("after a sleep the expired QR is gone the moment the page runs again", async () => {
    await widget.mount({ interval: "15" });
    await widget.expectState("qr");
    // The new code is slow to come, as over a waking network: the old one must not wait for it.
    await sim.failure("none", { latency_ms: 1_500 });
    await sim.advance(300_000);
    await engine.driver.executeScript("window.zapiClock.jump(300000);");
    const first = await engine.driver.executeScript(
      `const root = document.querySelector("zapi-connect").shadowRoot;
       return { state: root.querySelector("[part=base]").dataset.state, qr: root.querySelector("[part=qr]") !== null };`,
    );
    assert.deepEqual(first, { state: "loading", qr: false });
    await widget.expectState("qr");
    assert.equal(await widget.decodeQr(), (await sim.instance()).qr);
  });

  test("a page restored from the back-forward cache checks the status again", async () => {
    // Against a relay without an event stream: Firefox keeps no page with a request in flight
    // in its cache, and the stream is one.
    const relay = `${process.env.ZAPI_E2E_STREAMLESS_RELAY_URL}/zapi`;
    await widget.mount({ interval: "15", relay, token: process.env.ZAPI_E2E_TICKET });
    await widget.expectState("qr");
    await engine.driver.executeScript(
      `window.restored = 0;
       addEventListener("pageshow", (event) => { if (event.persisted) window.restored += 1; });`,
    );
    await sim.scan();
    await widget.open(`${PAGES.fixture}?away`);
    const before = await sim.calls();
    await engine.driver.navigate().back();
    await eventually(
      () => engine.driver.executeScript("return window.restored ?? null;"),
      (restored) => restored === 1,
      "a pageshow with persisted",
    );
    await widget.expectState("connected");
    assert.equal((await sim.calls()).status, before.status + 1);
  });

  test("at a phone's 390 px the widget fits without scrolling sideways, every control 44 px or more", async () => {
    const window = engine.driver.manage().window();
    await window.setRect({ width: 390, height: 844 });
    try {
      await widget.mount({ interval: "15" });
      await widget.expectState("qr");
      const layout = await engine.driver.executeScript(
        `const page = document.scrollingElement;
         const root = document.querySelector("zapi-connect").shadowRoot;
         const controls = [...root.querySelectorAll("button, input")]
           .filter((control) => control.getClientRects().length > 0)
           .map((control) => {
             const box = control.getBoundingClientRect();
             return { part: control.getAttribute("part"), width: box.width, height: box.height };
           });
         return { overflow: page.scrollWidth - page.clientWidth, controls };`,
      );
      assert.equal(layout.overflow, 0, "no horizontal scroll");
      assert.ok(layout.controls.length > 0);
      for (const control of layout.controls) {
        assert.ok(control.width >= 44 && control.height >= 44, `${control.part}: ${control.width}x${control.height}`);
      }
    } finally {
      await window.setRect({ width: 1024, height: 900 });
    }
  });

  test("a dead relay shows relay_unreachable with a retry that recovers", async () => {
    // Nothing listens on the discard port.
    await widget.mount({ relay: "http://127.0.0.1:9/zapi" });
    await widget.expectState("error");
    assert.equal(await widget.attribute("error", "data-code"), "relay_unreachable");
    assert.equal(await widget.attribute("error", "role"), "alert");
    assert.ok((await widget.text("error")).trim().length > 0);
    const events = await widget.events("zapi-error");
    assert.equal(events.at(-1).detail.code, "relay_unreachable");
    assert.equal(events.at(-1).detail.retryable, true);

    await engine.driver.executeScript(`document.querySelector("zapi-connect").setAttribute("relay", "/zapi")`);
    await widget.click("retry-button");
    await widget.expectState("qr");
    assert.equal(await widget.decodeQr(), (await sim.instance()).qr);
  });

  test("an upstream that rejects the Client-Token shows access_denied", async () => {
    await sim.failure("client_token_rejected");
    await widget.mount();
    await widget.expectState("error");
    assert.equal(await widget.attribute("error", "data-code"), "access_denied");
    assert.equal((await widget.events("zapi-error")).at(-1).detail.code, "access_denied");
  });

  const LOOKS = { display: "flex", radius: "12px", padding: "24px", qrWidth: 232 };

  test("the widget keeps its looks under a strict Content-Security-Policy, with an adopted stylesheet", async () => {
    await widget.open(PAGES.strictCsp);
    await widget.expectState("qr");
    assert.deepEqual(await widget.looks(), LOOKS);
    assert.deepEqual(await widget.styleSources(), { adopted: 1, styleElements: 0 });
    assert.deepEqual(await engine.driver.executeScript("return window.policyViolations"), []);
    assert.equal((await sim.calls())["qr-code"], 1);
  });

  test("without constructed stylesheets, a <style> of the widget's own gives the same looks", async () => {
    await widget.open(PAGES.withoutConstructedSheets);
    await widget.expectState("qr");
    assert.deepEqual(await widget.styleSources(), { adopted: null, styleElements: 1 });
    assert.deepEqual(await widget.looks(), LOOKS);
  });

  test("no axe violations in the QR, paused, phone, connected and error states", async () => {
    const expectNoViolations = async (label) => assert.deepEqual(await widget.axeViolations(), [], label);
    await widget.mount({ interval: "10", methods: "qr,phone" });
    await widget.expectState("qr");
    await expectNoViolations("qr");
    for (let call = 2; call <= 3; call++) {
      await widget.advance(10_000);
      await eventually(
        async () => (await sim.calls())["qr-code"],
        (calls) => calls === call,
        `QR call ${call}`,
      );
      // The new code is on screen with its full interval before time moves on.
      await eventually(
        () => widget.countdownSeconds(),
        (seconds) => seconds >= 9,
        "a fresh countdown",
      );
    }
    await widget.advance(10_000);
    await widget.expectState("paused");
    await expectNoViolations("paused");

    await requestPhoneCode();
    await expectNoViolations("phone-code");

    await widget.mount({ methods: "phone" });
    await widget.expectState("phone-input");
    const input = await widget.visiblePart("phone-input");
    await input.sendKeys("123", Key.ENTER);
    await widget.visiblePart("phone-error");
    await expectNoViolations("phone-input with an invalid number");

    await sim.scan();
    await widget.mount();
    await widget.expectState("already-connected");
    await expectNoViolations("already-connected");

    await widget.mount({ relay: "http://127.0.0.1:9/zapi" });
    await widget.expectState("error");
    await expectNoViolations("error");
  });
});
