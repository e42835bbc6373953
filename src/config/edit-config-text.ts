import ini from 'ini';

export interface ConfigChange {
  section: string;
  key: string;
  /** '' writes `key =` (not set: the default applies). */
  value: string;
}

/**
 * config.ini text with some values replaced, everything else (comments, blank lines, order, unknown keys) kept byte
 * for byte. Pure. A key given more than once has its last line changed (the last one wins when parsing); a key not
 * there is added at the end of its section; a section not there is appended. A trailing `; comment` on the line stays.
 */
export function setConfigValues(text: string, changes: readonly ConfigChange[]): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  for (const change of changes) {
    const rendered = change.value === '' ? '' : ini.safe(change.value);
    const { lastKeyLine, sectionEnd } = locate(lines, change.section, change.key);
    if (lastKeyLine >= 0) {
      const m = /^(\s*[^=]*?\s*=\s*)(.*?)(\s+[;#].*)?$/.exec(lines[lastKeyLine])!;
      const comment = m[3] && !isQuoted(m[2]) ? m[3] : '';
      lines[lastKeyLine] = `${m[1].replace(/\s*$/, rendered === '' ? '' : ' ')}${rendered}${comment}`;
      continue;
    }
    const line = `${change.key} =${rendered === '' ? '' : ` ${rendered}`}`;
    if (sectionEnd >= 0) {
      lines.splice(sectionEnd, 0, line);
      continue;
    }
    while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    lines.push('', `[${change.section}]`, line, '');
  }
  return lines.join(eol);
}

/**
 * Where `key` is in `section`: its last line, and the line after the section's last non-blank line (where a new key
 * goes), -1 for either when absent.
 */
function locate(lines: readonly string[], section: string, key: string): { lastKeyLine: number; sectionEnd: number } {
  let current: string | null = '';
  let lastKeyLine = -1;
  let sectionEnd = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const header = /^\s*\[([^\]]*)\]\s*(?:[;#].*)?$/.exec(line);
    if (header) {
      current = header[1].trim();
      if (current === section) sectionEnd = i + 1;
      continue;
    }
    if (current !== section || /^\s*([;#]|$)/.test(line)) continue;
    sectionEnd = i + 1;
    const m = /^\s*([^=]+?)\s*(=|$)/.exec(line);
    if (m && ini.unsafe(m[1]) === key) lastKeyLine = i;
  }
  return { lastKeyLine, sectionEnd };
}

function isQuoted(value: string): boolean {
  return /^(["']).*\1$/.test(value.trim());
}

/** The raw values of config.ini as the `ini` package reads them, section → key → string (what the form shows). */
export function readConfigValues(text: string): Record<string, Record<string, string>> {
  const parsed = ini.parse(text.startsWith('\uFEFF') ? text.slice(1) : text) as Record<string, unknown>;
  const out: Record<string, Record<string, string>> = {};
  for (const [section, values] of Object.entries(parsed)) {
    if (typeof values !== 'object' || values === null || Array.isArray(values)) continue;
    out[section] = {};
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) continue;
      out[section][key] = Array.isArray(value) ? value.join(',') : String(value);
    }
  }
  return out;
}
