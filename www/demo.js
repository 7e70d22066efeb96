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

const config = await fetch("./demo-config.json").then((r) => r.json()).catch(() => ({}));
if (config.simulator) {
  const control = `${config.simulator}/__sim`;
  const instance = `${control}/instances/${encodeURIComponent(config.instance)}`;
  const phone = document.getElementById("phone");
  phone.hidden = false;
  const post = (url) => fetch(url, { method: "POST" });
  document.getElementById("scan").addEventListener("click", () => post(`${instance}/scan`));
  document.getElementById("disconnect").addEventListener("click", () => post(`${instance}/disconnect`));
  document.getElementById("reset").addEventListener("click", async () => {
    await post(`${instance}/reset`);
    widget.replaceWith(widget);
  });

  const calls = document.getElementById("calls");
  const refresh = async () => {
    const state = await fetch(instance).then((r) => r.json()).catch(() => null);
    if (!state) return;
    document.getElementById("pairing").hidden = !state.phoneCode;
    document.getElementById("pairing-code").textContent = state.phoneCode ?? "";
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
