// api:declarations:start (written by `cargo xtask api` from src/api.rs: edit that file, not this region)
/**
 * The states announced by `zapi-state` events; `[part=base][data-state]` shows them too, and
 * `stopped` after `stop()`.
 */
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
  | "offline"
  | "error"
  | "extension-code"
  | "extension-expired";

/** Stable error codes, as in `[part=error][data-code]` and `zapi-error` events. */
export type ZapiConnectErrorCode =
  | "relay_unreachable"
  | "timeout"
  | "access_denied"
  | "unauthorized"
  | "subscription_expired"
  | "malformed_response"
  | "rate_limited"
  | "upstream_error"
  | "relay_error"
  | "invalid_phone"
  | "invalid_config";

/** How the phone is linked. */
export type ZapiConnectMethod = "qr" | "phone" | "extension";

export interface ZapiStateDetail {
  state: ZapiConnectState;
}

export interface ZapiCodeDetail {
  kind: ZapiConnectMethod;
  /**
   * When this code is replaced (QR) or expires (phone, extension), in milliseconds since the epoch
   * by the page's clock.
   */
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
 * Connects a WhatsApp phone to a Z-API instance through your relay: QR code or pairing code by
 * phone number. `<zapi-connect relay="/zapi">`. Text properties mirror their attributes as the text
 * (`null` when absent); number properties are the number in use; boolean properties say whether the
 * attribute is present. The widget checks every value and falls back to the default with one
 * console warning.
 *
 * Parts: `base`, `countdown`, `methods`, `method-tab`, `panel`, `qr`, `new-code-button`,
 * `phone-form`, `phone-input`, `phone-error`, `phone-submit`, `phone-number`, `get-code-button`,
 * `change-number-button`, `code`, `copy-button`, `copy-status`, `connected`, `restore-session`,
 * `offline`, `check-button`, `error`, `retry-button`, `start-button`, `trouble-link`,
 * `extension-code`, `extension-steps`, `extension-install-link`, `back-button`, `device`,
 * `device-picture`, `device-phone`, `device-name`, `device-kind`, `device-session`,
 * `disconnect-button`, `disconnect-confirm`.
 *
 * CSS custom properties: `--zapi-accent`, `--zapi-accent-text`, `--zapi-bg`, `--zapi-fg`,
 * `--zapi-muted`, `--zapi-border`, `--zapi-danger`, `--zapi-radius`, `--zapi-font`,
 * `--zapi-max-width`, `--zapi-qr-size`.
 */
export declare class ZapiConnect extends HTMLElement {
  static readonly observedAttributes: string[];
  /**
   * Base URL of your relay, such as `/zapi`. Required: empty shows the `invalid_config` error.
   * Attribute `relay`; required.
   */
  relay: string | null;
  /**
   * Seconds between QR codes, 10–20 (Z-API's advice). Other values fall back to 15 with a console
   * warning. The property is the number in use. Attribute `interval`, default `15`.
   */
  interval: number;
  /**
   * `svg`: the raw value from `/qr-code`, drawn in the browser; `image`: the PNG from
   * `/qr-code/image`. Attribute `qr-format`, default `svg`.
   */
  qrFormat: "svg" | "image" | (string & {}) | null;
  /**
   * Which ways to link are offered, first one first. On a small touch screen (`(pointer: coarse)
   * and (max-width: 600px)`) the phone code comes first when both are offered. Attribute `methods`,
   * default `qr,phone`.
   */
  methods: "qr,phone" | "phone,qr" | "qr" | "phone" | (string & {}) | null;
  /**
   * Calling code added to numbers typed without one (the user always sees the normalized number
   * before a code is asked for). Attribute `default-country`, default `55`.
   */
  defaultCountry: string | null;
  /**
   * Seconds a phone code is shown as valid, 30–600; then it is marked expired and a new one is
   * fetched only on request. Other values fall back to 180 with a console warning. The property is
   * the number in use. Attribute `code-ttl`, default `180`.
   */
  codeTtl: number;
  /**
   * `pt*`: Brazilian Portuguese, `es*`: Spanish, anything else: English. Attribute `lang`, default
   * the page's `<html lang>`.
   */
  lang: string;
  /**
   * `auto` follows `prefers-color-scheme`. The QR code is always dark on light. Attribute `theme`,
   * default `auto`.
   */
  theme: "light" | "dark" | "auto" | (string & {}) | null;
  /**
   * A short-lived ticket from your backend (a JWT naming the instance alias), sent to the relay as
   * `Authorization: Bearer`. A new one is used from the next request on. Attribute `token`.
   */
  token: string | null;
  /**
   * `include` sends the page's cookies to a relay on another origin (the relay's header or cookie
   * mode). Attribute `credentials`, default `same-origin`.
   */
  credentials: "include" | "same-origin" | (string & {}) | null;
  /**
   * Where the extension-code screen sends users to install Z-API's Chrome extension (Z-API
   * Conector). Only `https:` URLs; anything else falls back to the default with a console warning.
   * Attribute `extension-url`, default
   * `https://chromewebstore.google.com/detail/iopmkohngoecmepoheapifkafbeomphn`.
   */
  extensionUrl: string | null;
  /**
   * Present: the connected screens offer "Not your number? Disconnect", which asks for confirmation
   * and then calls `POST {relay}/disconnect` (the relay must allow it). Absent: no way to
   * disconnect is shown. Attribute `allow-disconnect`.
   */
  allowDisconnect: boolean;
  /**
   * Overrides for the widget's texts: a plain object of message key → text (the keys are in the
   * README).
   */
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
// api:declarations:end

/**
 * Loads the WebAssembly module once, from `wasmUrl` or from the file next to this module.
 * Call it right after importing when the wasm file lives elsewhere.
 */
export declare function ready(wasmUrl?: string | URL | Request): Promise<unknown>;

/** Defines the element as `tag` (default `zapi-connect`); warns instead of throwing if taken. */
export declare function define(tag?: string): void;
