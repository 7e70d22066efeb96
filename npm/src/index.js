// <zapi-connect>: a thin custom element over the Rust widget (wasm-bindgen --target web glue).
// `cargo xtask bundle` bundles this file with the glue into the package's `index.js`, so the
// paths below are relative to that file.
import init, { ZapiConnectElement } from "../pkg/zapi_connect.js";
import { ATTRIBUTES, PROPERTIES } from "./api.js";

const TAG = "zapi-connect";

let loading = null;

/**
 * Loads the WebAssembly module once. Call it with the wasm file's URL when your bundler or server
 * moves `zapi_connect_bg.wasm` away from this file; without one the package's
 * `pkg/zapi_connect_bg.wasm` is used. Elements wait for it before they start.
 */
export function ready(wasmUrl) {
  if (!loading) {
    // Written out in full so that bundlers see the asset (`new URL(…, import.meta.url)`).
    const url = wasmUrl ?? new URL("./pkg/zapi_connect_bg.wasm", import.meta.url);
    loading = init({ module_or_path: url });
  }
  return loading;
}

/** Marks the element's class across copies of this module (two URLs, two bundles). */
const BRAND = Symbol.for("zapi-connect.element");

// Without a DOM (a server render in Node) the module defines nothing, so the class only needs a
// base to extend; `define()` then does nothing.
const Base = globalThis.HTMLElement ?? class {};

export class ZapiConnect extends Base {
  static [BRAND] = true;

  static get observedAttributes() {
    return ATTRIBUTES;
  }

  #handle = null;

  static {
    // Number properties ask the widget for the value in use.
    defineProperties(this, (element) => (#handle in element ? element.#handle : null));
  }

  constructor() {
    super();
    if (!this.shadowRoot) this.attachShadow({ mode: "open" });
  }

  #messages = null;

  connectedCallback() {
    // A microtask gives the page's own `ready(url)` call, made right after import, the first word.
    queueMicrotask(() =>
      ready().then(() => {
        if (!this.isConnected || this.#handle) return;
        this.#handle = new ZapiConnectElement(this);
        if (this.#messages) this.#handle.setMessages(entries(this.#messages));
        if (this.#stopped) this.#handle.stop();
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

  #stopped = false;

  /** Starts the flow again after `stop()`. */
  start() {
    this.#stopped = false;
    this.#handle?.start();
  }

  /** Stops every timer and request; the widget shows a Start button. */
  stop() {
    this.#stopped = true;
    this.#handle?.stop();
  }

  /** Starts over from the status check (a new code, a new look at the link). */
  refresh() {
    this.#stopped = false;
    this.#handle?.refresh();
  }

  /** Text overrides: a plain object of message key → string (see the README's key table). */
  get messages() {
    return this.#messages;
  }
  set messages(value) {
    this.#messages = value && typeof value === "object" ? { ...value } : null;
    this.#handle?.setMessages(entries(this.#messages ?? {}));
  }
}

/** Message overrides as the widget reads them: `key NUL text NUL …`, so neither may hold a NUL. */
const entries = (messages) =>
  Object.entries(messages)
    .map((entry) => entry.map((part) => String(part).replaceAll("\0", "")).join("\0"))
    .join("\0");

/**
 * Properties mirror attributes (`lang` is HTMLElement's own). Text ones are the attribute's text
 * (`null` when absent); the widget checks it and falls back to the default. Whole numbers are the
 * number in use: the widget's once its WebAssembly runs, before that the attribute read the same
 * way. Setting `null` removes the attribute. Booleans say whether the attribute is present, and
 * setting one adds or removes it.
 */
function defineProperties(element, handleOf) {
  for (const [property, attribute, min, max, fallback] of PROPERTIES) {
    const boolean = min === "boolean";
    Object.defineProperty(element.prototype, property, {
      configurable: true,
      enumerable: true,
      get() {
        if (boolean) return this.hasAttribute(attribute);
        const text = this.getAttribute(attribute);
        if (min === undefined) return text;
        return handleOf(this)?.[property]() ?? wholeNumber(text, min, max, fallback);
      },
      set(value) {
        if (boolean) this.toggleAttribute(attribute, Boolean(value));
        else if (value === null || value === undefined) this.removeAttribute(attribute);
        else this.setAttribute(attribute, String(value));
      },
    });
  }
}

/** `text` as the widget reads a whole number: trimmed digits from `min` to `max`, else `fallback`. */
function wholeNumber(text, min, max, fallback) {
  const digits = text?.trim() ?? "";
  const n = /^\+?\d+$/.test(digits) ? Number(digits) : NaN;
  return n >= min && n <= max ? n : fallback;
}

/**
 * Defines `<zapi-connect>` (or `tag`); safe to call more than once, and from more than one copy of
 * this module: the first copy's element stays. Without a DOM (a server render) it does nothing.
 */
export function define(tag = TAG) {
  const registry = globalThis.customElements;
  if (!registry) return;
  const existing = registry.get(tag);
  if (existing === undefined) {
    registry.define(tag, tag === TAG ? ZapiConnect : class extends ZapiConnect {});
  } else if (!existing[BRAND]) {
    console.warn(`zapi-connect: <${tag}> is already defined by another script; leaving it alone.`);
  }
}

define();
