/** The widget's states, as in `[part=base][data-state]` and `zapi-state` events. */
export type ZapiConnectState =
  | "loading"
  | "qr"
  | "paused"
  | "phone-input"
  | "phone-code"
  | "code-expired"
  | "connected"
  | "already-connected"
  | "restore-session"
  | "error";

/** Stable error codes, as in `[part=error][data-code]` and `zapi-error` events. */
export type ZapiConnectErrorCode =
  | "relay_unreachable"
  | "timeout"
  | "access_denied"
  | "subscription_expired"
  | "malformed_response"
  | "rate_limited"
  | "upstream_error"
  | "relay_error"
  | "invalid_phone"
  | "invalid_config"
  | "unauthorized";

/** How the phone is linked. */
export type ZapiConnectMethod = "qr" | "phone";

export interface ZapiStateDetail {
  state: ZapiConnectState;
}

export interface ZapiCodeDetail {
  kind: ZapiConnectMethod;
  /** When this code is replaced (QR) or expires (phone), in milliseconds since the epoch. */
  expiresAt: number;
}

export interface ZapiExpiredDetail {
  /** The kind of code that ran out; no new one is fetched until the user asks. */
  kind: ZapiConnectMethod;
}

export interface ZapiConnectedDetail {
  /** `true` when the number was linked before the widget came. */
  alreadyConnected: boolean;
}

export interface ZapiErrorDetail {
  code: ZapiConnectErrorCode;
  /** What to do, for people, in the widget's language. */
  message: string;
  /** Whether trying again later can help without changing a setting. */
  retryable: boolean;
  /** Seconds to wait (from the relay's `Retry-After`), for `rate_limited`. */
  retryAfter?: number;
}

/**
 * `<zapi-connect relay="/zapi">`. Properties mirror the attributes as their text (`null` when
 * absent); the widget checks every value and falls back to the default with one console warning.
 *
 * Parts: `base` (with `data-state`, `data-theme`, `lang`), `countdown`, `methods`, `method-tab`,
 * `panel`, `qr`, `new-code-button`, `phone-form`, `phone-input`, `phone-error`, `phone-submit`,
 * `phone-number`, `get-code-button`, `change-number-button`, `code`, `copy-button`, `copy-status`,
 * `connected`, `restore-session`, `check-button`, `error`, `retry-button`, `start-button`.
 *
 * CSS custom properties: `--zapi-accent`, `--zapi-accent-text`, `--zapi-bg`, `--zapi-fg`,
 * `--zapi-muted`, `--zapi-border`, `--zapi-danger`, `--zapi-radius`, `--zapi-font`,
 * `--zapi-max-width`, `--zapi-qr-size`.
 */
export declare class ZapiConnect extends HTMLElement {
  static readonly observedAttributes: string[];
  /** Base URL of the relay (attribute `relay`, required). */
  relay: string | null;
  /** Seconds between QR codes, 10–20 (attribute `interval`, default 15). */
  interval: string | null;
  /** `"svg"` (default) or `"image"` (attribute `qr-format`). */
  qrFormat: "svg" | "image" | (string & {}) | null;
  /** `"qr,phone"` (default), `"phone,qr"`, `"qr"` or `"phone"` (attribute `methods`). */
  methods: "qr,phone" | "phone,qr" | "qr" | "phone" | (string & {}) | null;
  /** Calling code added to numbers typed without one (attribute `default-country`, default 55). */
  defaultCountry: string | null;
  /** Seconds a phone code is valid, 30–600 (attribute `code-ttl`, default 180). */
  codeTtl: string | null;
  /** `pt*`, `es*` or English (attribute `lang`; default: the page's `<html lang>`). */
  lang: string;
  /** `"light"`, `"dark"` or `"auto"` (default; attribute `theme`). */
  theme: "light" | "dark" | "auto" | (string & {}) | null;
  /**
   * A short-lived ticket from your backend, sent to the relay as `Authorization: Bearer`
   * (attribute `token`). A new one is used from the next request on.
   */
  token: string | null;
  /** `"include"` sends the page's cookies to a relay on another origin (attribute `credentials`). */
  credentials: "include" | "same-origin" | (string & {}) | null;
  /** Text overrides: message key → string (keys in the README). */
  messages: Record<string, string> | null;
  /** Starts again after `stop()`. */
  start(): void;
  /** Stops every timer and request; the widget shows a Start button. */
  stop(): void;
  /** Starts over from the status check. */
  refresh(): void;
  connectedCallback(): void;
  disconnectedCallback(): void;
  attributeChangedCallback(name: string, oldValue: string | null, newValue: string | null): void;
}

/**
 * Loads the WebAssembly module once, from `wasmUrl` or from the file next to this module.
 * Call it right after importing when the wasm file lives elsewhere.
 */
export declare function ready(wasmUrl?: string | URL | Request): Promise<unknown>;

/** Defines the element as `tag` (default `zapi-connect`); warns instead of throwing if taken. */
export declare function define(tag?: string): void;

declare global {
  interface HTMLElementTagNameMap {
    "zapi-connect": ZapiConnect;
  }
  interface HTMLElementEventMap {
    "zapi-state": CustomEvent<ZapiStateDetail>;
    "zapi-code": CustomEvent<ZapiCodeDetail>;
    "zapi-expired": CustomEvent<ZapiExpiredDetail>;
    "zapi-connected": CustomEvent<ZapiConnectedDetail>;
    "zapi-error": CustomEvent<ZapiErrorDetail>;
  }
  interface DocumentEventMap {
    "zapi-state": CustomEvent<ZapiStateDetail>;
    "zapi-code": CustomEvent<ZapiCodeDetail>;
    "zapi-expired": CustomEvent<ZapiExpiredDetail>;
    "zapi-connected": CustomEvent<ZapiConnectedDetail>;
    "zapi-error": CustomEvent<ZapiErrorDetail>;
  }
}
