// Page side of `cargo xtask bench`: the runner (bench/runner/browser.mjs) calls these through
// page.evaluate. Both elements are loaded the way an app would load them.

const MODULES = {
  "zapi-connect": "/vendor/zapi-connect/index.js",
  "baseline-connect": "/vendor/baseline/baseline-connect.js",
};

/** The element's QR as a scannable SVG, whichever element draws it. */
function qrIn(root) {
  const qr = root?.querySelector("[part=qr]");
  return qr && (qr.matches("svg") ? qr : qr.querySelector("svg"));
}

function element(tag) {
  return document.querySelector(tag);
}

/** Inserts `<tag relay="/zapi">` and imports its module (a no-op once cached in this document). */
function insert(tag, attributes = {}) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries({ relay: "/zapi", ...attributes })) {
    el.setAttribute(name, value);
  }
  document.body.append(el);
  import(MODULES[tag]);
  return el;
}

/** Resolves when `el`'s shadow root shows a QR; watches mutations, so no polling cost. */
async function qrShown(tag, el, timeoutMs) {
  await customElements.whenDefined(tag);
  const root = el.shadowRoot;
  await new Promise((resolve, reject) => {
    const observer = new MutationObserver(check);
    const timer = setTimeout(() => {
      observer.disconnect();
      reject(new Error(`${tag}: no QR within ${timeoutMs} ms`));
    }, timeoutMs);
    function check() {
      if (qrIn(root)) {
        observer.disconnect();
        clearTimeout(timer);
        resolve();
      }
    }
    observer.observe(root, { childList: true, subtree: true, attributes: true });
    check();
  });
}

/** Milliseconds from inserting the element (module not yet imported) to its QR in the DOM. */
window.timeToQr = async (tag) => {
  const start = performance.now();
  const el = insert(tag);
  await qrShown(tag, el, 15_000);
  const end = performance.now();
  // Where the time went, from Resource Timing: until the first relay request (module fetch,
  // compile, start), the two relay round trips, and from the QR answer to the QR in the DOM.
  const last = (suffix) =>
    performance.getEntriesByType("resource").filter((e) => e.name.endsWith(suffix)).pop();
  const status = last("/zapi/status");
  const qr = last("/zapi/qr-code");
  return {
    total: end - start,
    boot: status.startTime - start,
    relay: qr.responseEnd - status.startTime,
    render: end - qr.responseEnd,
  };
};

/** Inserts the element for a test driven by a fake clock (no timeout: the clock may be paused). */
window.mount = (tag, attributes) => {
  insert(tag, attributes);
};

window.widgetState = (tag) =>
  element(tag)?.shadowRoot?.querySelector("[part=base]")?.getAttribute("data-state") ?? null;

window.clickNewCode = (tag) => {
  const button = element(tag)?.shadowRoot?.querySelector("[part=new-code-button]");
  if (!button) return false;
  button.click();
  return true;
};

/** Makes the page look hidden (or visible again) to code that reads the Page Visibility API. */
window.setHidden = (hidden) => {
  Object.defineProperty(document, "visibilityState", {
    configurable: true,
    get: () => (hidden ? "hidden" : "visible"),
  });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
  document.dispatchEvent(new Event("visibilitychange"));
};

/** Operations per second of `encode(payload)` over `ms` of wall time, after a warm-up. */
async function opsPerSecond(encode, payload, ms) {
  for (let i = 0; i < 20; i++) await encode(payload);
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 10; i++) await encode(payload);
    n += 10;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

let encoders = null;
async function loadEncoders() {
  if (!encoders) {
    const wasm = await import("/bench/qr-wasm/zapi_connect_qr_bench.js");
    await wasm.default();
    const { QRCode } = await import("/bench/qrcode-bench.js");
    encoders = {
      wasm: (payload) => wasm.qr_svg(payload),
      qrcode: (payload) => QRCode.toString(payload, { type: "svg" }),
    };
  }
  return encoders;
}

/** One timed run of one encoder; also returns the SVG's length as a sanity check. */
window.qrEncode = async (which, payload, ms) => {
  const encode = (await loadEncoders())[which];
  const svg = await encode(payload);
  return { opsPerSecond: await opsPerSecond(encode, payload, ms), svgLength: svg.length };
};
