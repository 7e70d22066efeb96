import { test, expect } from "../fixtures.js";

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
