/** The JSON the dashboard server sends (src/ui/api-routes.ts). */

export interface RunRecord {
  id: number;
  command: string;
  direction: string;
  startedAt: number;
  finishedAt: number | null;
  outcome: string;
  message: string | null;
  downloaded: number;
  uploaded: number;
  moved: number;
  deleted: number;
  conflicts: number;
  failed: number;
  bytesDown: number;
  bytesUp: number;
}

export interface Progress {
  files: number;
  filesDone: number;
  bytes: number;
  bytesDone: number;
  speed: number;
  etaSeconds: number | null;
  inFlight: { key: string; bytes: number; bytesDone: number }[];
}

export interface Job {
  id: number;
  kind: 'sync' | 'restore';
  title: string;
  startedAt: number;
  finishedAt: number | null;
  progress: Progress;
  log: { at: number; level: string; message: string }[];
  outcome: null | { ok: boolean; message: string; outcome?: string };
}

export interface Backup {
  id: number;
  file: string;
  problem?: string;
  bucket?: string;
  prefix?: string;
  root?: string;
  direction?: string;
  lastRun?: RunRecord | null;
  lastBackup?: RunRecord | null;
  running?: boolean;
  job?: Job | null;
  schedule?: { when: string; next: number } | null;
  alerts?: string[];
  versions?: { versions: number; kept: number; storeFiles: number; storeBytes: number; trashObjects: number; trashBytes: number };
}

export interface KeysState {
  file: string;
  stored: boolean;
  fromEnvironment: boolean;
  usable: boolean;
  problem: string | null;
}

export interface PlanItem {
  key: string;
  path: string | null;
  state: string;
  action: string | null;
  from: string | null;
  size: number | null;
  note: string | null;
}

export interface PlanView {
  counts: Record<string, number>;
  items: PlanItem[];
}

export interface BrowseListing {
  folder: string;
  folders: { name: string; path: string; files: number; size: number; drift: Record<string, number> }[];
  files: { name: string; key: string; path: string; size: number; state: string }[];
  unmappable: { key: string; note: string | null }[];
}
