import { spawn } from 'node:child_process';
import { resolveConfigPath } from '../../config/load-config.js';
import { UsageError } from '../../errors.js';
import { startDashboard } from '../../ui/dashboard-server.js';
import { EXIT, type ExitCode } from '../exit-codes.js';

/**
 * `qjournal ui`: serve the dashboard on 127.0.0.1 until Ctrl+C. The first stdout line is the URL to open (its
 * fragment carries the one-time sign-in token); the configs need not be valid (the page shows their problems).
 */
export async function uiCommand(flags: { config?: string[]; port: string; open: boolean }): Promise<ExitCode> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0..65535');
  const given = flags.config && flags.config.length > 0 ? flags.config : [undefined];
  const files = [...new Set(given.map((f) => resolveConfigPath(f, process.env)))];
  const dashboard = await startDashboard({ configFiles: files, port });
  process.stdout.write(`${dashboard.url}\n`);
  process.stdout.write(`Dashboard for ${files.join(', ')}. Open the link above (it works once); press Ctrl+C to stop.\n`);
  if (flags.open) openBrowser(dashboard.url);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await dashboard.close();
  return EXIT.ok;
}

/** The desktop's default browser; if there is none, the printed link is enough. */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // no opener on this machine
  }
}
