import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * A minimal npm registry on 127.0.0.1 serving the repository's own installed copies of the packages a runtime install
 * needs (the production dependencies' closure, read from package-lock.json): tests install the packed tarball the way
 * a user would, through npm and a registry, without the network.
 *
 * better-sqlite3 is served with the native module this checkout already compiled (build/Release/better_sqlite3.node)
 * and without its C sources, so the install (with --ignore-scripts) does not spend ~50 s compiling SQLite again; a real
 * install downloads a prebuilt module or compiles it.
 */
export async function startLocalRegistry(repo: string): Promise<{ url: string; packages: string[]; close(): Promise<void> }> {
  const lock = JSON.parse(readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }>;
  };
  const closure = productionClosure(lock.packages);
  // name → version → folder in node_modules
  const byName = new Map<string, Map<string, string>>();
  for (const where of closure) {
    const name = where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const version = lock.packages[where].version!;
    if (!byName.has(name)) byName.set(name, new Map());
    byName.get(name)!.set(version, path.join(repo, where));
  }

  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '/');
    const tarball = /^\/-\/(.+)-(\d[^/]*)\.tgz$/.exec(url);
    if (tarball) {
      const dir = byName.get(tarball[1])?.get(tarball[2]);
      if (!dir) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(packFolder(dir, tarball[1]));
      return;
    }
    const name = url.slice(1);
    const versions = byName.get(name);
    if (!versions) return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"error":"not found"}');
    const base = `http://${req.headers.host}`;
    const doc = {
      name,
      'dist-tags': { latest: [...versions.keys()].at(-1) },
      versions: Object.fromEntries(
        [...versions].map(([version, dir]) => {
          const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
          return [
            version,
            {
              name,
              version,
              dependencies: manifest.dependencies ?? {},
              optionalDependencies: manifest.optionalDependencies ?? {},
              engines: manifest.engines,
              bin: manifest.bin,
              dist: { tarball: `${base}/-/${name}-${version}.tgz` },
            },
          ];
        }),
      ),
    };
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(doc));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    packages: [...byName.keys()],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** lock paths (`node_modules/x`, `node_modules/a/node_modules/x`) of the root's dependencies, transitively. */
function productionClosure(packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }>): string[] {
  const root = packages[''] as { dependencies?: Record<string, string> };
  const seen = new Set<string>();
  const visit = (from: string, deps: Record<string, string> | undefined) => {
    for (const name of Object.keys(deps ?? {})) {
      // Node's resolution: the nearest node_modules/<name> up from `from`.
      let base = from;
      let found: string | undefined;
      for (;;) {
        const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
        if (packages[candidate]) {
          found = candidate;
          break;
        }
        if (base === '') break;
        const i = base.lastIndexOf('/node_modules/');
        base = i < 0 ? '' : base.slice(0, i);
      }
      if (!found || seen.has(found)) continue;
      seen.add(found);
      visit(found, { ...packages[found].dependencies, ...packages[found].optionalDependencies });
    }
  };
  visit('', root.dependencies);
  return [...seen];
}

/** An npm tarball (`package/...`) of an installed package folder, without its own node_modules. */
function packFolder(dir: string, name: string): Buffer {
  const args = ['-czf', '-', '-C', dir, '--exclude=./node_modules', '--transform', 's,^\\.,package,'];
  if (name === 'better-sqlite3') {
    args.push('./package.json', './lib', './build/Release/better_sqlite3.node');
  } else {
    args.push('.');
  }
  return execFileSync('tar', args, { maxBuffer: 64 * 1024 ** 2 });
}
