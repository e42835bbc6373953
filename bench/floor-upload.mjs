// The upload floor of the small-files benchmark: the same form uploads the SDK sends (token, key, file, crc32), over
// keep-alive connections, `concurrency` at a time; each answer is read and must be 200. No stat, no journal.
// Usage: node floor-upload.mjs <list.json: [[path, key], ...]> <upUrl> <token> <concurrency>
import { randomBytes } from 'node:crypto';
import { readFileSync, promises as fsp } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { crc32 } from 'node:zlib';

const [listFile, upUrl, token, concurrencyArg] = process.argv.slice(2);
const list = JSON.parse(readFileSync(listFile, 'utf8'));
const concurrency = Number(concurrencyArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

function post(body, boundary) {
  return new Promise((resolve, reject) => {
    const req = http.request(upUrl, {
      method: 'POST',
      agent,
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': body.length },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode}: ${Buffer.concat(chunks)}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function form(key, file, data) {
  const boundary = `----floor${randomBytes(8).toString('hex')}`;
  const field = (name, value) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = field('token', token) + field('key', key) +
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${path.basename(file)}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const tail = `\r\n${field('crc32', String(crc32(data)))}--${boundary}--\r\n`;
  return { body: Buffer.concat([Buffer.from(head), data, Buffer.from(tail)]), boundary };
}

let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < list.length) {
      const [file, key] = list[next++];
      const { body, boundary } = form(key, file, await fsp.readFile(file));
      await post(body, boundary);
    }
  }),
);
agent.destroy();
