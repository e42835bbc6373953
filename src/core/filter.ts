/**
 * `[sync] exclude` globs, rsync/gitignore-lite:
 * - `*` any run of characters except `/`; `?` one character except `/`; `[abc]`, `[a-z]`, `[!abc]` / `[^abc]` one
 *   character of (not of) a class, never `/`; `\x` the character x itself.
 * - `**` as a whole segment: any number of folders. `a/**` is everything beneath `a`; `**` followed by `/x` is `x` at
 *   any depth; elsewhere `**` is a plain `*`.
 * - A pattern without `/` matches a file or folder name at any depth (`*.tmp`, `node_modules`).
 * - A pattern with a `/` (other than a trailing one) is anchored at the root; a leading `/` only anchors (`/build`).
 * - A trailing `/` matches folders only (`cache/`).
 * - A matched folder excludes everything beneath it.
 * Paths are relative and `/`-separated; the walker passes folders with a trailing `/` (`rel/dir/`), files without.
 * Matching is case-sensitive. There is no `!` negation: a leading `!` is literal.
 */
export function compileExcludes(globs: string[]): (relPath: string) => boolean {
  const rules = globs.map(compileRule).filter((r): r is Rule => r !== null);
  if (rules.length === 0) return () => false;
  const anyRule = unionOf(rules);
  const fileRules = unionOf(rules.filter((r) => !r.dirOnly));
  // Folders repeat across paths (every file of a folder asks about it): remember their verdicts.
  const folderVerdicts = new Map<string, boolean>();
  const isExcludedFolder = (folder: string): boolean => {
    let verdict = folderVerdicts.get(folder);
    if (verdict === undefined) {
      const slash = folder.lastIndexOf('/');
      verdict = (slash !== -1 && isExcludedFolder(folder.slice(0, slash))) || anyRule.test(folder);
      folderVerdicts.set(folder, verdict);
    }
    return verdict;
  };
  return (relPath: string): boolean => {
    const isFolder = relPath.endsWith('/');
    const path = isFolder ? relPath.slice(0, -1) : relPath;
    if (path === '') return false;
    if (isFolder) return isExcludedFolder(path);
    const slash = path.lastIndexOf('/');
    if (slash !== -1 && isExcludedFolder(path.slice(0, slash))) return true;
    return fileRules.test(path);
  };
}

interface Rule {
  /** Matches a whole relative path (no trailing `/`). */
  source: string;
  dirOnly: boolean;
}

function unionOf(rules: Rule[]): RegExp {
  if (rules.length === 0) return /(?!)/;
  return new RegExp(rules.map((r) => `(?:${r.source})`).join('|'), 's');
}

function compileRule(glob: string): Rule | null {
  let pattern = glob;
  const dirOnly = pattern.endsWith('/');
  if (dirOnly) pattern = pattern.replace(/\/+$/, '');
  if (pattern.startsWith('./')) pattern = `/${pattern.slice(2)}`;
  const anchored = pattern.includes('/');
  pattern = pattern.replace(/^\/+/, '');
  if (pattern === '') return null;
  const body = globToRegExpSource(pattern);
  return { source: anchored ? `^${body}$` : `(?:^|/)${body}$`, dirOnly };
}

function globToRegExpSource(pattern: string): string {
  const segments = pattern.split('/');
  let out = '';
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    const last = i === segments.length - 1;
    if (segment === '**') {
      // `**/` → zero or more folders; a final `/**` → everything beneath (at least one more segment).
      if (last) out += i === 0 ? '.*' : '.+';
      else out += '(?:[^/]*/)*';
      continue;
    }
    out += segmentToRegExpSource(segment);
    if (!last) out += '/';
  }
  // `a/**` compiled to `a/.+`: the `/` before `**` is already in `out`.
  return out;
}

function segmentToRegExpSource(segment: string): string {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') {
      while (segment[i + 1] === '*') i++;
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const cls = characterClass(segment, i);
      if (cls) {
        out += cls.source;
        i = cls.end;
      } else out += '\\[';
    } else if (c === '\\' && i + 1 < segment.length) {
      out += escapeRegExp(segment[++i]);
    } else {
      out += escapeRegExp(c);
    }
  }
  return out;
}

/** `[...]` starting at `start`, or null when it is not closed (then `[` is literal). */
function characterClass(segment: string, start: number): { source: string; end: number } | null {
  let i = start + 1;
  let negated = false;
  if (segment[i] === '!' || segment[i] === '^') {
    negated = true;
    i++;
  }
  let body = '';
  // A `]` right after the opening (or its negation) is a member, as in POSIX.
  if (segment[i] === ']') {
    body += '\\]';
    i++;
  }
  for (; i < segment.length; i++) {
    const c = segment[i];
    if (c === ']') return { source: negated ? `[^/${body}]` : `(?!/)[${body}]`, end: i };
    if (c === '\\' && i + 1 < segment.length) body += classMember(segment[++i]);
    else if (c === '-') body += '-';
    else body += classMember(c);
  }
  return null;
}

function classMember(c: string): string {
  return /[\\\]^[-]/.test(c) ? `\\${c}` : c;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
