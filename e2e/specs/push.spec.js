import { test, expect, INSTANCE, watchFetches, settle, step, heard } from "../fixtures.js";

// The second relay of the browser tests (ticket mode, on an origin of its own) has no webhook
// secret, so no event stream.
const streamless = { relay: `${process.env.ZAPI_E2E_TICKET_RELAY_URL}/zapi`, token: process.env.ZAPI_E2E_TICKET };

/** Records the widget's requests for the relay's event stream. */
function streamRequests(page) {
  const requests = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname.endsWith("/events")) requests.push(request);
  });
  return requests;
}

/** Records the stream requests that failed or were aborted. */
function streamFailures(page) {
  const failed = [];
  page.on("requestfailed", (request) => {
    if (new URL(request.url()).pathname.endsWith("/events")) failed.push(request.failure()?.errorText);
  });
  return failed;
}

test("a relay without an event stream is asked once, raises no error, and the widget polls every 5 s", async ({ widget, sim, page }) => {
  const probes = streamRequests(page);
  await widget.mount({ ...streamless, interval: "20" });
  await widget.expectState("qr");
  await expect.poll(() => probes.length).toBe(1);
  const probe = probes[0];
  expect((await probe.response()).status()).toBe(404);
  expect(probe.headers()["accept"]).toBe("text/event-stream");
  expect(probe.headers()["x-zapi-connect"]).toBe("1");
  expect((await probe.allHeaders())["authorization"]).toBe(`Bearer ${streamless.token}`);

  // One poll in each 5 s, each answered before the next is due.
  const before = (await sim.calls()).status;
  for (const [step, polls] of [[6_000, 1], [5_000, 2], [5_000, 3]]) {
    await widget.advance(step);
    await expect.poll(async () => (await sim.calls()).status).toBe(before + polls);
  }

  expect(await widget.events("zapi-error")).toEqual([]);

  // Neither showing the page again nor minutes of codes ask again.
  await widget.setHidden(true);
  await widget.advance(10_000);
  await widget.setHidden(false);
  await widget.expectState("qr");
  await widget.advance(120_000);
  expect(probes.length).toBe(1);
});

test("a scan is still found by polling when the relay has no stream", async ({ widget, sim }) => {
  await widget.mount(streamless);
  await widget.expectState("qr");
  await sim.scan();
  await widget.advance(5_000);
  await widget.expectState("connected");
});

// With the relay's stream (the e2e relay has a webhook secret and registered the simulator's
// callbacks).

test("a scan reaches zapi-connected through the stream's event, confirmed by one /status and no poll", async ({ widget, sim, page }) => {
  await page.addInitScript(watchFetches);
  const streams = streamRequests(page);
  await widget.mount({}, { paused: true });
  await widget.expectState("qr");
  await heard(page);
  await settle(page);
  const before = await sim.calls();
  const clock = await page.evaluate(() => Date.now());

  await sim.scan();
  await widget.expectState("connected");
  await settle(page);
  const after = await sim.calls();
  expect(after.status).toBe(before.status + 1);
  expect(after["qr-code"]).toBe(before["qr-code"]);
  // The page's clock stood still: no 5 s poll interval elapsed, nor any other timer.
  expect(await page.evaluate(() => Date.now())).toBe(clock);
  expect(await widget.events("zapi-connected")).toEqual([{ type: "zapi-connected", detail: { alreadyConnected: false } }]);
  expect(streams.length).toBe(1);
  expect((await sim.instance()).webhooksSent).toBe(1);
});

test("with the stream up, a waiting QR costs at most 2 /status a minute and still rotates", async ({ widget, sim, page }) => {
  await page.addInitScript(watchFetches);
  await widget.mount({ interval: "20" }, { paused: true });
  await widget.expectState("qr");
  await heard(page);
  await settle(page);
  const before = await sim.calls();
  for (let k = 0; k < 8; k++) await step(page);
  // The relay's next heartbeat (every 15 s of real time) keeps the stream healthy past the
  // widget's 45 s of silence on the page's clock.
  await heard(page, 2);
  for (let k = 0; k < 4; k++) await step(page);
  const after = await sim.calls();
  // Without the stream: 8 (each new code's answer stands for one).
  expect(after.status - before.status).toBeLessThanOrEqual(2);
  // New codes at 20 and 40 s, as without a stream.
  expect(after["qr-code"] - before["qr-code"]).toBe(2);
});

test("a stream that ends or fails brings back 5 s polling and is opened again with backoff", async ({ widget, sim, page }) => {
  let refuse = true;
  let served = 0;
  await page.route("**/zapi/events", (route) => {
    served++;
    // The first stream opens and ends at once; the next ones fail until the test allows them.
    if (served === 1) {
      return route.fulfill({ status: 200, contentType: "text/event-stream", body: ": heartbeat\n\n" });
    }
    return refuse ? route.abort() : route.fallback();
  });
  await page.addInitScript(watchFetches);
  const streams = streamRequests(page);
  await widget.mount({ interval: "20" }, { paused: true });
  await widget.expectState("qr");
  await expect.poll(() => streams.length).toBeGreaterThanOrEqual(1);
  await settle(page);

  const before = await sim.calls();
  await step(page);
  await step(page);
  expect((await sim.calls()).status - before.status).toBe(2);
  // Opened again after 1 and 2 s (and 4 s, by the 10 s mark).
  expect(streams.length).toBeGreaterThanOrEqual(3);
  expect(await widget.events("zapi-error")).toEqual([]);

  refuse = false;
  const refused = streams.length;
  await step(page, 10_000);
  await expect.poll(() => streams.length).toBeGreaterThan(refused);
  await heard(page, 2);
  await settle(page);
  // The stream is back: no 5 s poll for the next 20 s.
  const reopened = await sim.calls();
  for (let k = 0; k < 4; k++) await step(page);
  expect((await sim.calls()).status).toBe(reopened.status);
});

test("a hidden tab aborts the stream, and showing it opens a new one", async ({ widget, page }) => {
  const streams = streamRequests(page);
  const failed = streamFailures(page);
  await widget.mount();
  await widget.expectState("qr");
  await expect.poll(() => streams.length).toBe(1);
  expect((await streams[0].response()).status()).toBe(200);

  await widget.setHidden(true);
  await expect.poll(() => failed).toEqual(["net::ERR_ABORTED"]);
  await widget.advance(60_000);
  expect(streams.length).toBe(1);

  await widget.setHidden(false);
  await expect.poll(() => streams.length).toBe(2);
  expect((await streams[1].response()).status()).toBe(200);
  expect(failed.length).toBe(1);
});

test("with the webhooks lost, polling still finds the link", async ({ widget, sim, page }) => {
  await sim.post(`/instances/${INSTANCE}/mode`, { webhooksLost: true });
  await page.addInitScript(watchFetches);
  await widget.mount({ interval: "20" }, { paused: true });
  await widget.expectState("qr");
  await heard(page);
  await settle(page);
  await sim.scan();
  // With the stream healthy, the next /status or new code within 30 s notices the link.
  for (let k = 0; k < 6 && (await widget.state()) === "qr"; k++) await step(page);
  expect(await widget.events("zapi-error")).toEqual([]);
  await widget.expectState("connected");
  const { webhooksSent, webhooksLost } = await sim.instance();
  expect(webhooksLost).toBe(true);
  expect(webhooksSent).toBe(0);
});
