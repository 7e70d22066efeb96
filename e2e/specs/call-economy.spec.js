import { test, expect } from "../fixtures.js";

// The calls one connection attempt makes to Z-API, counted by the simulator. Playwright's clock
// is paused and moved in 5 s steps; after each step the spec waits until the widget's requests
// are answered, so that every count is exact. Default interval (15 s), `/status` every 5 s while
// a code is shown (machine::POLL_MS) except when a new code is asked for (its answer says whether
// the phone is linked), 3 codes per cycle, then nothing until "Get new code".
// The relay is the ticket relay, which has no event stream: with one, `/status` is polled every
// 30 s only (push.spec.js).

const INTERVAL_MS = 15_000;
const POLL_MS = 5_000;
const START = Date.UTC(2030, 0, 1);
const NONE = {
  "qr-code": 0,
  "qr-code/image": 0,
  "phone-code": 0,
  status: 0,
  "extension-token": 0,
  device: 0,
  disconnect: 0,
  other: 0,
};

/** Counts the page's fetches until their bodies have arrived. */
function countFetches() {
  const fetch = window.fetch;
  window.inflight = 0;
  window.fetch = function (...args) {
    window.inflight++;
    const done = () => window.inflight--;
    const promise = fetch.apply(this, args);
    promise.then((response) => response.clone().arrayBuffer().then(done, done), done);
    return promise;
  };
}

async function settle(page) {
  await expect.poll(() => page.evaluate(() => window.inflight), { intervals: [1, 5, 20] }).toBe(0);
  // The widget reads each answer a task after its body arrived.
  await page.waitForTimeout(20);
}

/** Moves the paused clock by one poll period and waits for what the widget asked meanwhile. */
async function step(page) {
  await page.clock.runFor(POLL_MS);
  await settle(page);
}

test("one /status, then 3 /qr-code per cycle, 8 /status polls a minute, and nothing once paused", async ({
  page,
  sim,
  widget,
}) => {
  await page.addInitScript(countFetches);
  await page.clock.install({ time: START });
  await page.goto("/fixture.html");
  await page.clock.pauseAt(START + 60_000);
  await page.evaluate(
    ({ relay, token }) => {
      const element = document.createElement("zapi-connect");
      element.setAttribute("relay", relay);
      element.setAttribute("token", token);
      document.body.append(element);
    },
    { relay: `${process.env.ZAPI_E2E_TICKET_RELAY_URL}/zapi`, token: process.env.ZAPI_E2E_TICKET },
  );
  await widget.expectState("qr");
  await settle(page);
  // One status check, then the first code; nothing else.
  expect(await sim.calls()).toEqual({ ...NONE, status: 1, "qr-code": 1 });

  // Three codes of 15 s each: a poll at every 5 s step but the 15 s and 30 s ones, which ask for
  // a new code instead, and the pause at 45 s, where neither a code nor a poll is asked for.
  const cycleSteps = (3 * INTERVAL_MS) / POLL_MS;
  for (let k = 1; k <= cycleSteps; k++) {
    await step(page);
    const elapsed = k * POLL_MS;
    const polls = k - Math.floor(elapsed / INTERVAL_MS);
    const expected = {
      ...NONE,
      status: 1 + polls,
      "qr-code": Math.min(3, 1 + Math.floor(elapsed / INTERVAL_MS)),
    };
    expect(await sim.calls(), `calls after ${elapsed / 1000} s`).toEqual(expected);
  }
  await widget.expectState("paused");

  // 45 s of codes on screen brought 6 polls: 8 a minute.
  const { status } = await sim.calls();
  expect(status - 1).toBe(6);
  expect(((status - 1) * 60_000) / (3 * INTERVAL_MS)).toBe(8);

  // Paused: two minutes later Z-API has not heard from the widget at all.
  const atPause = await sim.calls();
  for (let k = 0; k < 120_000 / POLL_MS; k++) await step(page);
  expect(await sim.calls()).toEqual(atPause);
  await widget.expectState("paused");

  // "Get new code" asks for one code straight away (no status check) and starts a new cycle.
  await widget.newCodeButton.dispatchEvent("click");
  await widget.expectState("qr");
  await settle(page);
  expect(await sim.calls()).toEqual({ ...atPause, "qr-code": 4 });
  for (let k = 0; k < cycleSteps; k++) await step(page);
  await widget.expectState("paused");
  expect(await sim.calls()).toEqual({ ...atPause, "qr-code": 6, status: atPause.status + 6 });
});
