// <zapi-connect>: a thin custom element over the Rust widget in ./pkg (wasm-bindgen --target web).
import init, { ZapiConnectElement } from "./pkg/zapi_connect.js";

const TAG = "zapi-connect";
const ATTRIBUTES = ["relay", "interval", "qr-format"];

let loading = null;

/**
 * Loads the WebAssembly module once. Call it with the wasm file's URL when your bundler or server
 * moves `zapi_connect_bg.wasm` away from this file; without one the file next to this module is
 * used. Elements wait for it before they start.
 */
export function ready(wasmUrl) {
  if (!loading) {
    loading = init(wasmUrl === undefined ? undefined : { module_or_path: wasmUrl });
  }
  return loading;
}

export class ZapiConnect extends HTMLElement {
  static get observedAttributes() {
    return ATTRIBUTES;
  }

  #handle = null;

  constructor() {
    super();
    if (!this.shadowRoot) this.attachShadow({ mode: "open" });
  }

  connectedCallback() {
    // A microtask gives the page's own `ready(url)` call, made right after import, the first word.
    queueMicrotask(() =>
      ready().then(() => {
        if (!this.isConnected || this.#handle) return;
        this.#handle = new ZapiConnectElement(this);
        this.#handle.connect();
      }, (error) => console.error("zapi-connect: could not load its WebAssembly module", error)),
    );
  }

  disconnectedCallback() {
    // Moving the element fires disconnected then connected; the new handle starts afresh.
    const handle = this.#handle;
    this.#handle = null;
    if (handle) {
      handle.disconnect();
      handle.free();
    }
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (this.#handle && oldValue !== newValue) this.#handle.attributeChanged(name, oldValue, newValue);
  }

  /** Base URL of the relay (attribute `relay`). */
  get relay() {
    return this.getAttribute("relay") ?? "";
  }
  set relay(value) {
    this.setAttribute("relay", String(value));
  }

  /** Seconds between QR codes, 10–20 (attribute `interval`); `null` when not set (15 is used). */
  get interval() {
    const value = this.getAttribute("interval");
    return value === null || value.trim() === "" ? null : Number(value);
  }
  set interval(value) {
    if (value === null || value === undefined) this.removeAttribute("interval");
    else this.setAttribute("interval", String(value));
  }

  /** `"svg"` (default) or `"image"` (attribute `qr-format`). */
  get qrFormat() {
    return this.getAttribute("qr-format") === "image" ? "image" : "svg";
  }
  set qrFormat(value) {
    if (value === null || value === undefined) this.removeAttribute("qr-format");
    else this.setAttribute("qr-format", String(value));
  }
}

/** Defines `<zapi-connect>` (or `tag`); safe to call more than once. */
export function define(tag = TAG) {
  const existing = customElements.get(tag);
  if (existing === undefined) {
    customElements.define(tag, tag === TAG ? ZapiConnect : class extends ZapiConnect {});
  } else if (existing !== ZapiConnect && !(existing.prototype instanceof ZapiConnect)) {
    console.warn(`zapi-connect: <${tag}> is already defined by another script; leaving it alone.`);
  }
}

define();
