import { test, expect } from "../fixtures.js";

test("English by default", async ({ widget }) => {
  await widget.mount();
  await widget.expectState("qr");
  await expect(widget.base).toContainText("Link your WhatsApp");
  await expect(widget.base).toHaveAttribute("lang", "en");
  await expect(widget.qr).toHaveAttribute("aria-label", "QR code to link WhatsApp");
});

test("Brazilian Portuguese from the lang attribute", async ({ widget }) => {
  await widget.mount({ lang: "pt-BR", methods: "phone" });
  await widget.expectState("phone-input");
  await expect(widget.base).toHaveAttribute("lang", "pt-BR");
  await expect(widget.page.locator("zapi-connect label")).toHaveText("Seu número do WhatsApp");
  await widget.requestPhoneCode();
  await expect(widget.base).toContainText("Conectar com número de telefone");
  await expect(widget.copyButton).toHaveText("Copiar código");
});

test("Spanish from the page's html lang", async ({ widget }) => {
  await widget.mount({}, { pageLang: "es-MX" });
  await widget.expectState("qr");
  await expect(widget.base).toContainText("Vincula tu WhatsApp");
  await expect(widget.countdown).toContainText("Nuevo código en");
});

test("the lang attribute wins over the page, and changes live", async ({ widget }) => {
  await widget.mount({ lang: "en" }, { pageLang: "pt-BR" });
  await widget.expectState("qr");
  await expect(widget.base).toContainText("Link your WhatsApp");
  await widget.element.evaluate((el) => el.setAttribute("lang", "es"));
  await expect(widget.base).toContainText("Vincula tu WhatsApp");
});

test("the messages property overrides any text by key", async ({ widget }) => {
  await widget.mount({ lang: "pt-BR" });
  await widget.expectState("qr");
  await widget.element.evaluate((el) => {
    el.messages = { "qr-title": "Conecte o WhatsApp da loja", "method-phone": "Por código" };
  });
  await expect(widget.base).toContainText("Conecte o WhatsApp da loja");
  await expect(widget.tab("phone")).toHaveText("Por código");
});

test("a NUL in a message leaves the other messages on their keys", async ({ widget }) => {
  // The messages cross into the widget NUL-joined: a NUL in a text used to shift the texts
  // after it onto the wrong keys.
  await widget.mount();
  await widget.expectState("qr");
  await widget.element.evaluate((el) => {
    el.messages = { "qr-title": "Link\0 the shop", "method-phone": "By code", "method-qr": "By QR" };
  });
  await expect(widget.base).toContainText("Link the shop");
  await expect(widget.tab("phone")).toHaveText("By code");
  await expect(widget.tab("qr")).toHaveText("By QR");
});
