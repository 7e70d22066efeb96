import jsQR from "jsqr";
import { PNG } from "pngjs";

/**
 * The text of the QR symbol in a PNG screenshot, or `null` when none can be read; `region`
 * (in the image's pixels) limits the search to where the QR is drawn.
 */
export function decodeQrPng(png, region) {
  const image = PNG.sync.read(png);
  const { x, y, width, height } = region ?? { x: 0, y: 0, width: image.width, height: image.height };
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let row = 0; row < height; row++) {
    const start = ((y + row) * image.width + x) * 4;
    pixels.set(image.data.subarray(start, start + width * 4), row * width * 4);
  }
  return jsQR(pixels, width, height)?.data ?? null;
}
