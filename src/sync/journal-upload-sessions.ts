import type { Journal } from '../journal/journal.js';
import type { UploadSessionStore } from '../remote/multipart-upload.js';

/** The journal as the multipart uploader's session store: a run killed mid-upload resumes on the next run. */
export function journalUploadSessions(journal: Journal): UploadSessionStore {
  return {
    async load(key, localPath) {
      const found = await journal.loadUploadSession(key, localPath);
      if (!found) return null;
      return {
        key: found.key,
        localPath: found.localPath,
        localSize: found.localSize,
        localMtimeMs: found.localMtimeMs,
        uploadId: found.uploadId,
        partSize: found.partSize,
        expireAt: found.expireAt,
        parts: found.parts,
      };
    },
    save: (session) => journal.saveUploadSession(session),
    recordPart: (uploadId, part) => journal.recordUploadPart(uploadId, part),
    drop: (uploadId) => journal.dropUploadSession(uploadId),
  };
}
