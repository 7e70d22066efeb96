/** The widget's states, as in `[part=base][data-state]` and `zapi-state` events. */
export type ZapiConnectState =
  | "loading"
  | "qr"
  | "paused"
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
  | "invalid_config";

export interface ZapiStateDetail {
  state: ZapiConnectState;
}

export interface ZapiCodeDetail {
  kind: "qr";
  /** When this code is replaced, in milliseconds since the epoch. */
  expiresAt: number;
}

export interface ZapiConnectedDetail {
  /** `true` when the number was linked before the widget came. */
  alreadyConnected: boolean;
}

export interface ZapiErrorDetail {
  code: ZapiConnectErrorCode;
  /** What to do, for people. */
  message: string;
  /** Whether trying again later can help without changing a setting. */
  retryable: boolean;
  /** Seconds to wait (from the relay's `Retry-After`), for `rate_limited`. */
  retryAfter?: number;
}

/** `<zapi-connect relay="/zapi" interval="15" qr-format="svg">` */
export declare class ZapiConnect extends HTMLElement {
  static readonly observedAttributes: string[];
  /** Base URL of the relay (attribute `relay`). */
  relay: string;
  /** Seconds between QR codes, 10–20 (attribute `interval`); `null` when not set (15 is used). */
  interval: number | null;
  /** How the QR code is fetched and shown (attribute `qr-format`). */
  qrFormat: "svg" | "image";
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
    "zapi-connected": CustomEvent<ZapiConnectedDetail>;
    "zapi-error": CustomEvent<ZapiErrorDetail>;
  }
  interface DocumentEventMap {
    "zapi-state": CustomEvent<ZapiStateDetail>;
    "zapi-code": CustomEvent<ZapiCodeDetail>;
    "zapi-connected": CustomEvent<ZapiConnectedDetail>;
    "zapi-error": CustomEvent<ZapiErrorDetail>;
  }
}
