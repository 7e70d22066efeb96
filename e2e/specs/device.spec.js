import AxeBuilder from "@axe-core/playwright";
import { test, expect, formattedPhone as formatted, INSTANCE } from "../fixtures.js";

// The connected screens' card: which phone got linked (from {relay}/device), and with
// `allow-disconnect` the way to unlink a wrong number (POST {relay}/disconnect).

const KINDS = { iphone: "iPhone", android: "Android", smbi: "WhatsApp Business", smba: "WhatsApp Business" };

/** A 1×1 PNG, served for pictures on made-up https hosts. */
const PIXEL = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

function card(page) {
  const part = (name) => page.locator(`zapi-connect [part=${name}]`);
  return {
    device: part("device"),
    picture: part("device-picture"),
    phone: part("device-phone"),
    name: part("device-name"),
    kind: part("device-kind"),
    session: part("device-session"),
    disconnectButton: part("disconnect-button"),
    confirm: part("disconnect-confirm"),
    live: page.locator("zapi-connect [aria-live=polite]"),
  };
}

/** What the next link's `/device` answers (the simulator's own values for the rest). */
function setDevice(sim, fields) {
  return sim.post(`/instances/${INSTANCE}/device`, fields);
}

/** Shows a QR, scans it and waits until the widget has noticed and asked `/device`. */
async function linkByScan(widget, sim) {
  await widget.expectState("qr");
  await sim.scan();
  await widget.advance(5_000);
  await widget.expectState("connected");
  await expect.poll(async () => (await sim.calls()).device).toBe(1);
}

async function expectNoViolations(page, label) {
  const results = await new AxeBuilder({ page }).include("zapi-connect").analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), label).toEqual([]);
}

test("after a scan the card shows the simulator's number, name, kind and session name", async ({ widget, sim, page }) => {
  await widget.mount();
  await linkByScan(widget, sim);
  const { device } = await sim.instance();
  expect(device, "the simulator reports the linked phone").toBeTruthy();
  const shown = card(page);
  await expect(shown.device).toBeVisible();
  await expect(widget.connected).toBeVisible();
  await expect(shown.phone).toHaveText(formatted(device.phone));
  await expect(shown.name).toHaveText(device.name);
  await expect(shown.kind).toHaveText(KINDS[device.originalDevice]);
  await expect(shown.session).toHaveText(`Listed as “${device.device.sessionName}” under Linked devices in WhatsApp.`);
  await expect(shown.live).toHaveText(`Linked to ${formatted(device.phone)}.`);

  // Connected stays final: /device was asked once, and nothing follows.
  const calls = await sim.calls();
  await widget.advance(60_000);
  expect(await sim.calls()).toEqual(calls);
});

test("the card shows what /device says, as text, and WhatsApp Business for smba", async ({ widget, sim, page }) => {
  await setDevice(sim, {
    phone: "5521912345678",
    name: "Ana <img src=x onerror=window.hacked=1> Souza",
    originalDevice: "smba",
    isBusiness: true,
  });
  await widget.mount({ lang: "pt-BR" });
  await linkByScan(widget, sim);
  const shown = card(page);
  await expect(shown.phone).toHaveText("+55 21 91234-5678");
  await expect(shown.name).toHaveText("Ana <img src=x onerror=window.hacked=1> Souza");
  await expect(shown.name.locator("img")).toHaveCount(0);
  await expect(shown.kind).toHaveText("WhatsApp Business");
  await expect(shown.session).toContainText("Dispositivos conectados");
  expect(await page.evaluate(() => window.hacked)).toBeUndefined();
});

test("a picture on an http: URL is never requested", async ({ widget, sim, page }) => {
  const requested = [];
  page.on("request", (request) => {
    if (request.url().includes("pictures.test")) requested.push(request.url());
  });
  await setDevice(sim, { imgUrl: "http://pictures.test/avatar.png" });
  await widget.mount();
  await linkByScan(widget, sim);
  const shown = card(page);
  await expect(shown.device).toBeVisible();
  await expect(shown.name).toBeVisible();
  await expect(shown.picture).toBeHidden();
  expect(await shown.picture.getAttribute("src")).toBeNull();
  expect(requested).toEqual([]);
});

test("a picture on an https: URL is shown and fetched with no referrer", async ({ widget, sim, page }) => {
  const referers = [];
  await page.route("https://pictures.test/**", (route) => {
    referers.push(route.request().headers()["referer"] ?? null);
    return route.fulfill({ status: 200, contentType: "image/png", body: PIXEL });
  });
  await setDevice(sim, { imgUrl: "https://pictures.test/avatar.png" });
  await widget.mount();
  await linkByScan(widget, sim);
  const shown = card(page);
  await expect(shown.picture).toBeVisible();
  await expect(shown.picture).toHaveAttribute("referrerpolicy", "no-referrer");
  await expect(shown.picture).toHaveAttribute("alt", "Profile picture");
  await expect.poll(() => shown.picture.evaluate((img) => img.complete && img.naturalWidth)).toBe(1);
  expect(referers).toEqual([null]);
  await expectNoViolations(page, "card with a picture");
});

test("a picture that fails to load is removed and the card stays", async ({ widget, sim, page }) => {
  let tries = 0;
  await page.route("https://pictures.test/**", (route) => {
    tries++;
    return route.abort();
  });
  await setDevice(sim, { imgUrl: "https://pictures.test/gone.png" });
  await widget.mount();
  await linkByScan(widget, sim);
  const shown = card(page);
  await expect.poll(() => tries).toBe(1);
  await expect(shown.picture).toBeHidden();
  await expect(shown.picture).not.toHaveAttribute("src", /./);
  await expect(shown.phone).toBeVisible();
});

test("a failing /device leaves plain connected, with no error", async ({ widget, sim, page }) => {
  await sim.scan();
  // /status answers late and normally; /device, asked after it, meets a failing Z-API.
  await sim.failure("slow", { delay_ms: 2_000 });
  await widget.mount();
  await expect.poll(async () => (await sim.calls()).status).toBe(1);
  await sim.failure("server_error");
  await widget.expectState("already-connected");
  await expect.poll(async () => (await sim.calls()).device).toBe(1);
  await expect(widget.connected).toBeVisible();
  await page.waitForTimeout(300);
  await expect(card(page).device).toBeHidden();
  await expect(card(page).phone).toHaveText("");
  await expect(widget.error).toHaveCount(0);
  await widget.expectState("already-connected");
  expect(await widget.events("zapi-error")).toEqual([]);
});

test("without allow-disconnect there is no way to disconnect", async ({ widget, sim, page }) => {
  await widget.mount();
  await linkByScan(widget, sim);
  const shown = card(page);
  await expect(shown.phone).toBeVisible();
  await expect(shown.disconnectButton).toHaveCount(0);
  await expect(shown.confirm).toHaveCount(0);
  await expect(page.locator("zapi-connect").getByRole("button")).toHaveCount(0);
  expect(await widget.element.evaluate((el) => el.allowDisconnect)).toBe(false);
  expect((await sim.calls()).disconnect).toBe(0);
});

test("allow-disconnect: cancel calls nothing, confirm calls /disconnect once and shows a new QR", async ({
  widget,
  sim,
  page,
}) => {
  await widget.mount({ "allow-disconnect": "" });
  expect(await widget.element.evaluate((el) => el.allowDisconnect)).toBe(true);
  await linkByScan(widget, sim);
  const shown = card(page);
  const keep = shown.confirm.getByRole("button", { name: "Keep it linked" });
  const confirm = shown.confirm.getByRole("button", { name: "Disconnect", exact: true });
  await expect(shown.disconnectButton).toHaveText("Not your number? Disconnect");
  await expectNoViolations(page, "card with the disconnect button");

  await shown.disconnectButton.click();
  await expect(shown.confirm).toBeVisible();
  await expect(shown.confirm).toContainText(await shown.phone.textContent());
  await expect(keep).toBeFocused();
  await expect(shown.live).toContainText("Disconnect +55");
  await expectNoViolations(page, "disconnect confirmation");
  await page.keyboard.press("Escape");
  await expect(shown.confirm).toHaveCount(0);
  await expect(shown.disconnectButton).toBeFocused();

  await page.keyboard.press("Enter");
  await expect(keep).toBeFocused();
  await keep.click();
  await expect(shown.confirm).toHaveCount(0);
  await expect(shown.disconnectButton).toBeFocused();
  await widget.advance(20_000);
  expect((await sim.calls()).disconnect).toBe(0);
  expect((await sim.instance()).connected).toBe(true);

  await shown.disconnectButton.click();
  await confirm.click();
  await widget.expectState("qr");
  expect((await sim.calls()).disconnect).toBe(1);
  const instance = await sim.instance();
  expect(instance.connected).toBe(false);
  expect(await widget.decodeQr()).toBe(instance.qr);
  await expect(shown.device).toHaveCount(0);
  await expect(shown.disconnectButton).toHaveCount(0);
  const states = (await widget.events("zapi-state")).map((e) => e.detail.state);
  expect(states.slice(-3)).toEqual(["connected", "loading", "qr"]);
});

test("a refused disconnect shows its error code and keeps the card", async ({ widget, sim, page }) => {
  await widget.mount({ "allow-disconnect": "" });
  await linkByScan(widget, sim);
  const shown = card(page);
  await expect(shown.disconnectButton).toBeVisible();
  await sim.failure("server_error");
  await shown.disconnectButton.click();
  await shown.confirm.getByRole("button", { name: "Disconnect", exact: true }).click();
  const failure = shown.device.locator("[part=error]");
  await expect(failure).toHaveAttribute("data-code", "upstream_error");
  await expect(failure).toHaveAttribute("role", "alert");
  await expect(failure).toContainText("Could not disconnect this number.");
  await expect(shown.disconnectButton).toBeFocused();
  await widget.expectState("connected");
  await expect(shown.phone).toBeVisible();
  expect((await sim.calls()).disconnect).toBe(1);
  const errors = await widget.events("zapi-error");
  expect(errors.map((e) => e.detail.code)).toEqual(["upstream_error"]);
  await expectNoViolations(page, "card with a failed disconnect");
});

test("allowDisconnect set as a property offers the button at once, and removing it takes it away", async ({
  widget,
  sim,
  page,
}) => {
  await widget.mount({ theme: "dark" });
  await linkByScan(widget, sim);
  const shown = card(page);
  await expect(shown.phone).toBeVisible();
  await expect(shown.disconnectButton).toHaveCount(0);
  await widget.element.evaluate((el) => (el.allowDisconnect = true));
  await expect(widget.element).toHaveAttribute("allow-disconnect", "");
  await expect(shown.disconnectButton).toBeVisible();
  await shown.disconnectButton.click();
  await expect(shown.confirm).toBeVisible();
  await expectNoViolations(page, "dark disconnect confirmation");
  await widget.element.evaluate((el) => (el.allowDisconnect = false));
  await expect(shown.confirm).toHaveCount(0);
  await expect(shown.disconnectButton).toHaveCount(0);
  expect((await sim.calls()).disconnect).toBe(0);
});
