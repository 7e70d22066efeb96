// The baseline for benchmarks: Z-API's QR flow (status check, a QR every `interval` seconds,
// stop after 3, "Get new code", status polling) as a lit element with the `qrcode` package.
import { LitElement, html, css } from "lit";
import { unsafeSVG } from "lit/directives/unsafe-svg.js";
import QRCode from "qrcode";

const MAX_CALLS = 3;
const POLL_MS = 5000;

class BaselineConnect extends LitElement {
  static properties = {
    relay: {},
    interval: { type: Number },
    state: { state: true },
    svg: { state: true },
    now: { state: true },
  };

  static styles = css`
    :host { display: block; font-family: system-ui, sans-serif; max-width: 20rem; }
    .qr { background: #fff; width: 16rem; height: 16rem; }
    .qr svg { width: 100%; height: 100%; }
  `;

  constructor() {
    super();
    this.relay = "";
    this.interval = 15;
    this.state = "loading";
    this.svg = "";
    this.calls = 0;
    this.deadline = 0;
    this.nextPoll = 0;
    this.now = Date.now();
  }

  connectedCallback() {
    super.connectedCallback();
    this.timer = setInterval(() => this.tick(), 1000);
    this.start();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this.timer);
    this.abort?.abort();
  }

  async get(path) {
    this.abort = new AbortController();
    const response = await fetch(`${this.relay}${path}`, { signal: this.abort.signal });
    if (!response.ok) throw new Error(`relay answered ${response.status}`);
    return response.json();
  }

  async start() {
    this.state = "loading";
    try {
      const status = await this.get("/status");
      if (status.connected) {
        this.state = "already-connected";
        return;
      }
      this.calls = 0;
      await this.fetchQr();
    } catch {
      this.state = "error";
    }
  }

  async fetchQr() {
    const body = await this.get("/qr-code");
    if (body.connected || !body.value) {
      this.state = "connected";
      return;
    }
    this.calls += 1;
    this.svg = await QRCode.toString(body.value, { type: "svg", margin: 4 });
    this.deadline = Date.now() + this.interval * 1000;
    this.nextPoll = Date.now() + POLL_MS;
    this.state = "qr";
  }

  async tick() {
    this.now = Date.now();
    if (this.state !== "qr") return;
    if (this.now >= this.deadline) {
      if (this.calls >= MAX_CALLS) {
        this.state = "paused";
      } else {
        this.fetchQr().catch(() => (this.state = "error"));
      }
    } else if (this.now >= this.nextPoll) {
      this.nextPoll = this.now + POLL_MS;
      const status = await this.get("/status").catch(() => null);
      if (status?.connected) this.state = "connected";
    }
  }

  render() {
    const seconds = Math.max(0, Math.ceil((this.deadline - this.now) / 1000));
    switch (this.state) {
      case "qr":
        return html`<div part="base" data-state="qr">
          <div part="qr" class="qr" role="img" aria-label="WhatsApp QR code">${unsafeSVG(this.svg)}</div>
          <p part="countdown">New code in ${seconds} s</p>
        </div>`;
      case "paused":
        return html`<div part="base" data-state="paused">
          <button part="new-code-button" @click=${() => { this.calls = 0; this.fetchQr(); }}>Get new code</button>
        </div>`;
      case "error":
        return html`<div part="base" data-state="error">
          <p part="error" role="alert">The relay could not be reached.</p>
          <button part="retry-button" @click=${() => this.start()}>Try again</button>
        </div>`;
      default:
        return html`<div part="base" data-state=${this.state}>${this.state}</div>`;
    }
  }
}

customElements.define("baseline-connect", BaselineConnect);
