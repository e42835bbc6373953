import { UsageError } from '../errors.js';

/** The bits of a TTY read stream a hidden prompt needs (process.stdin, or a fake in tests). */
export interface PromptInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/**
 * Ask a question on `output` (stderr by default, so stdout stays clean for --json) and read one line from a TTY
 * without echoing it. Backspace edits, Enter finishes, Ctrl-C / Ctrl-D on an empty line cancel (UsageError, exit 2).
 * Rejects when `input` is not a terminal.
 */
export function promptHidden(
  question: string,
  io: { input?: PromptInput; output?: NodeJS.WritableStream } = {},
): Promise<string> {
  const input: PromptInput = io.input ?? process.stdin;
  const output = io.output ?? process.stderr;
  if (!input.isTTY || typeof input.setRawMode !== 'function') {
    return Promise.reject(new UsageError('cannot prompt: standard input is not a terminal'));
  }
  const setRawMode = input.setRawMode.bind(input);
  return new Promise((resolve, reject) => {
    const wasRaw = Boolean(input.isRaw);
    let answer = '';
    let escape: 0 | 1 | 2 = 0; // inside an escape sequence (arrow keys, ...): 1 after ESC, 2 after ESC [
    const finish = (err: Error | null) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(answer);
    };
    const onEnd = () => finish(new UsageError('cancelled: no input at the prompt'));
    const onData = (chunk: string | Buffer) => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (escape === 1) {
          escape = ch === '[' || ch === 'O' ? 2 : 0;
          continue;
        }
        if (escape === 2) {
          if (/[A-Za-z~]/.test(ch)) escape = 0;
          continue;
        }
        if (ch === '\u001b') {
          escape = 1;
          continue;
        }
        if (ch === '\r' || ch === '\n') return finish(null);
        if (ch === '\u0003') return finish(new UsageError('cancelled at the prompt'));
        if (ch === '\u0004') {
          if (answer === '') return finish(new UsageError('cancelled at the prompt'));
          continue;
        }
        if (ch === '\u007f' || ch === '\b') {
          answer = Array.from(answer).slice(0, -1).join('');
          continue;
        }
        if (ch === '\u0015') {
          answer = ''; // Ctrl-U: erase the line
          continue;
        }
        if (ch < ' ') continue; // other control characters
        answer += ch;
      }
    };
    output.write(question);
    setRawMode(true);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.once('end', onEnd);
    input.resume();
  });
}
