import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface UploadedPart {
  partNumber: number;
  etag: string;
  /** Hex MD5 of the part. */
  md5: string;
  size: number;
  /** Unix seconds. */
  putTime: number;
  data: Buffer;
}

export interface UploadSession {
  uploadId: string;
  bucket: string;
  /** The EncodedObjectName of the init path (`~` = no key). */
  encodedKey: string;
  /** Unix seconds. */
  expireAt: number;
  parts: Map<number, UploadedPart>;
}

const SESSION_LIFETIME_S = 7 * 86400;

type SessionMeta = Omit<UploadSession, 'parts'> & { parts: Omit<UploadedPart, 'data'>[] };

/**
 * v2 multipart sessions by uploadId. With a directory they survive a restart: `<uploadId>/session.json` plus one
 * `<partNumber>.part` file per part (a client's resume record stays valid across emulator restarts).
 */
export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();

  constructor(private readonly dir?: string) {
    if (dir) this.load(dir);
  }

  get(uploadId: string): UploadSession | undefined {
    const session = this.sessions.get(uploadId);
    if (session && session.expireAt < Date.now() / 1000) {
      this.delete(uploadId);
      return undefined;
    }
    return session;
  }

  /** A new session (a random uploadId, alive for 7 days) for `encodedKey` (`~` = no key). */
  open(bucket: string, encodedKey: string): UploadSession {
    const session: UploadSession = {
      uploadId: randomBytes(16).toString('hex'),
      bucket,
      encodedKey,
      expireAt: Math.floor(Date.now() / 1000) + SESSION_LIFETIME_S,
      parts: new Map(),
    };
    this.sessions.set(session.uploadId, session);
    this.saveMeta(session);
    return session;
  }

  putPart(session: UploadSession, part: UploadedPart): void {
    session.parts.set(part.partNumber, part);
    if (this.dir) {
      fs.writeFileSync(path.join(this.dir, session.uploadId, `${part.partNumber}.part`), part.data);
      this.saveMeta(session);
    }
  }

  delete(uploadId: string): void {
    this.sessions.delete(uploadId);
    if (this.dir && /^[A-Za-z0-9_-]+$/.test(uploadId)) fs.rmSync(path.join(this.dir, uploadId), { recursive: true, force: true });
  }

  clear(): void {
    for (const id of [...this.sessions.keys()]) this.delete(id);
  }

  private saveMeta(session: UploadSession): void {
    if (!this.dir) return;
    const dir = path.join(this.dir, session.uploadId);
    fs.mkdirSync(dir, { recursive: true });
    const meta: SessionMeta = { ...session, parts: [...session.parts.values()].map(({ data: _data, ...p }) => p) };
    fs.writeFileSync(path.join(dir, 'session.json.tmp'), JSON.stringify(meta));
    fs.renameSync(path.join(dir, 'session.json.tmp'), path.join(dir, 'session.json'));
  }

  private load(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    for (const id of fs.readdirSync(dir)) {
      try {
        const meta = JSON.parse(fs.readFileSync(path.join(dir, id, 'session.json'), 'utf8')) as SessionMeta;
        const parts = new Map<number, UploadedPart>();
        for (const p of meta.parts) parts.set(p.partNumber, { ...p, data: fs.readFileSync(path.join(dir, id, `${p.partNumber}.part`)) });
        this.sessions.set(meta.uploadId, { ...meta, parts });
      } catch {
        fs.rmSync(path.join(dir, id), { recursive: true, force: true }); // torn by a crash: forget it (the client gets 612 and restarts)
      }
    }
  }
}
