import { test, expect } from "../fixtures.js";

// A second zapi-relay in ticket mode, on its own origin, allowing this page's origin.
const relay = `${process.env.ZAPI_E2E_TICKET_RELAY_URL}/zapi`;
const ticket = process.env.ZAPI_E2E_TICKET;

test("the token attribute reaches a ticket relay on another origin", async ({ widget, sim }) => {
  await widget.mount({ relay, token: ticket });
  await widget.expectState("qr");
  expect(await widget.decodeQr()).toBe((await sim.instance()).qr);
});

test("a forged ticket shows unauthorized and costs no Z-API call", async ({ widget, sim }) => {
  const signature = ticket.slice(ticket.lastIndexOf(".") + 1);
  const forged = ticket.slice(0, ticket.lastIndexOf(".") + 1) + [...signature].reverse().join("");
  await widget.mount({ relay, token: forged });
  await widget.expectState("error");
  await expect(widget.error).toHaveAttribute("data-code", "unauthorized");
  const events = await widget.events("zapi-error");
  expect(events.at(-1).detail).toMatchObject({ code: "unauthorized", retryable: false });
  const calls = await sim.calls();
  expect(calls.status + calls["qr-code"] + calls.other).toBe(0);
});

test("setting the token property recovers from a missing ticket", async ({ widget, sim }) => {
  await widget.mount({ relay });
  await widget.expectState("error");
  await expect(widget.error).toHaveAttribute("data-code", "unauthorized");
  await widget.page.locator("zapi-connect").evaluate((el, t) => (el.token = t), ticket);
  await widget.retryButton.click();
  await widget.expectState("qr");
  expect(await widget.decodeQr()).toBe((await sim.instance()).qr);
});
