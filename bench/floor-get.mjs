// The download floor of the small-files benchmark: the least a client can do to back up these URLs. GETs each one
// over keep-alive connections, `concurrency` at a time, and writes the body to its file. No verification, no fsync,
// no journal. Usage: node floor-get.mjs <list.json: [[url, outPath], ...]> <concurrency>
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const [listFile, concurrencyArg] = process.argv.slice(2);
const list = JSON.parse(readFileSync(listFile, 'utf8'));
const concurrency = Number(concurrencyArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const folders = new Set();

function get(url, out) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`${url}: ${res.statusCode}`));
        pipeline(res, createWriteStream(out)).then(resolve, reject);
      })
      .on('error', reject);
  });
}

let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < list.length) {
      const [url, out] = list[next++];
      const dir = path.dirname(out);
      if (!folders.has(dir)) {
        mkdirSync(dir, { recursive: true });
        folders.add(dir);
      }
      await get(url, out);
    }
  }),
);
agent.destroy();
