const widget = document.querySelector("zapi-connect");
const log = document.getElementById("event-log");

for (const type of ["zapi-state", "zapi-code", "zapi-expired", "zapi-connected", "zapi-error"]) {
  widget.addEventListener(type, (event) => {
    const item = document.createElement("li");
    const time = new Date().toLocaleTimeString();
    item.textContent = `${time}  ${type}  ${JSON.stringify(event.detail)}`;
    log.prepend(item);
  });
}

document.getElementById("settings").addEventListener("change", (event) => {
  widget.setAttribute(event.target.name, event.target.value);
});

/** Mounts the widget again, so that it starts over with what the simulator serves now. */
const restartWidget = () => widget.replaceWith(widget);

const config = await fetch("./demo-config.json").then((r) => r.json()).catch(() => ({}));
if (config.simulator) {
  const control = `${config.simulator}/__sim`;
  const instance = `${control}/instances/${encodeURIComponent(config.instance)}`;
  const phone = document.getElementById("phone");
  phone.hidden = false;
  const post = (url, body) =>
    fetch(url, {
      method: "POST",
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const message = document.getElementById("phone-message");
  const passkey = document.getElementById("passkey-required");
  const qr2026 = document.getElementById("qr-2026");

  // A snapshot asked for before the last click on a switch must not flip it back.
  let switchClicks = 0;
  const show = (state, clicksBefore = switchClicks) => {
    if (clicksBefore === switchClicks) {
      passkey.checked = state.passkeyRequired;
      qr2026.checked = state.qrFormat === "2026";
    }
    document.getElementById("pairing").hidden = !state.phoneCode;
    document.getElementById("pairing-code").textContent = state.phoneCode ?? "";
    const expected = state.extensionToken;
    document.getElementById("extension-expected").hidden = !expected;
    document.getElementById("extension-expected-code").textContent = expected?.token ?? "";
    const text = state.passkeyPending
      ? "This account needs the Z-API Conector extension: WhatsApp asks the phone for a passkey that no other site can provide. In the widget, choose “Having trouble connecting?” and give its code to the extension below."
      : state.connected
        ? "Linked."
        : "";
    if (message.textContent !== text) message.textContent = text;
  };

  document.getElementById("scan").addEventListener("click", async () => {
    const answer = await post(`${instance}/scan`);
    if (answer.ok) show(await answer.json());
  });
  document.getElementById("disconnect").addEventListener("click", () => post(`${instance}/disconnect`));
  document.getElementById("reset").addEventListener("click", async () => {
    await post(`${instance}/reset`);
    restartWidget();
  });
  passkey.addEventListener("change", async () => {
    switchClicks++;
    const answer = await post(`${instance}/mode`, { passkeyRequired: passkey.checked });
    if (answer.ok) show(await answer.json());
  });
  qr2026.addEventListener("change", async () => {
    switchClicks++;
    const answer = await post(`${instance}/mode`, { qrFormat: qr2026.checked ? "2026" : "classic" });
    if (answer.ok) show(await answer.json());
    // The code on screen is in the old format; a new one shows the switch at once.
    restartWidget();
  });

  const extensionResult = document.getElementById("extension-result");
  document.getElementById("extension").addEventListener("submit", async (event) => {
    event.preventDefault();
    const code = document.getElementById("extension-code").value;
    extensionResult.textContent = "";
    const answer = await post(`${instance}/extension`, { code });
    const body = await answer.json().catch(() => ({}));
    if (answer.ok) {
      extensionResult.textContent = "The extension linked the phone.";
      show(body);
    } else {
      extensionResult.textContent = `The extension refused the code: ${body.error ?? `HTTP ${answer.status}`}`;
    }
  });

  const calls = document.getElementById("calls");
  const refresh = async () => {
    const clicksBefore = switchClicks;
    const state = await fetch(instance).then((r) => r.json()).catch(() => null);
    if (!state) return;
    show(state, clicksBefore);
    calls.replaceChildren(
      ...Object.entries(state.calls).flatMap(([path, count]) => {
        const term = document.createElement("dt");
        term.textContent = `/${path}`;
        const value = document.createElement("dd");
        value.textContent = count;
        return [term, value];
      }),
    );
  };
  refresh();
  setInterval(refresh, 1000);
}
