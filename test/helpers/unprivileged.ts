import { spawn } from 'node:child_process';
import { CLI, type CliResult, type Workspace } from './workspace.js';

/**
 * Run the built CLI without the capabilities that let root ignore file modes (the tests run as root): it stays uid 0,
 * so it still owns and writes its workspace, but a file or folder with mode 000 is as unreadable to it as to a user.
 */
export function runUnprivileged(ws: Workspace, command: string, ...args: string[]): Promise<CliResult> {
  const argv = [CLI, command, '--config', ws.configPath, ...args];
  const dropped = process.getuid?.() === 0;
  const [file, fileArgs] = dropped
    ? ['setpriv', ['--bounding-set=-dac_override,-dac_read_search', '--', process.execPath, ...argv]]
    : [process.execPath, argv];
  return new Promise((resolve, reject) => {
    const child = spawn(file, fileArgs, { cwd: ws.dir, env: { ...process.env, QJOURNAL_RETRY_BASE_MS: '20', ...ws.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
