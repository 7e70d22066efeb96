// Download size for `cargo xtask bench`: raw, gzip (level 9) and brotli (quality 11) bytes of
// each file and of each group, with node's zlib. Arguments: `name=file,file,...` per group.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import zlib from "node:zlib";

for (const group of process.argv.slice(2)) {
  const [name, list] = group.split("=");
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const file of list.split(",")) {
    const raw = readFileSync(file);
    const sizes = {
      raw: raw.length,
      gzip: zlib.gzipSync(raw, { level: 9 }).length,
      brotli: zlib.brotliCompressSync(raw, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        },
      }).length,
    };
    for (const [kind, bytes] of Object.entries(sizes)) {
      total[kind] += bytes;
      console.log(`RESULT size.${name}.file.${basename(file)}.${kind} ${bytes}`);
    }
  }
  for (const [kind, bytes] of Object.entries(total)) console.log(`RESULT size.${name}.${kind} ${bytes}`);
}
