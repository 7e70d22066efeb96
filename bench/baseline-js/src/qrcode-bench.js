// Benchmark only: the qrcode package as the baseline element bundles it, exposed so the QR
// encoding benchmark can call `QRCode.toString(value, { type: "svg" })` directly.
export { default as QRCode } from "qrcode";
