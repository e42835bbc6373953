import type { Journal } from './journal.js';

/** The read-only view of a journal file that does not exist yet: no entries, no runs, and every write refused. */
export function emptyJournal(file: string): Journal {
  const refuse = async (): Promise<never> => {
    throw readonlyError(file);
  };
  return {
    path: file,
    loadEntries: async () => [],
    entryPages: async function* () {},
    getEntry: async () => null,
    lastRun: async () => null,
    listRuns: async () => [],
    listEvents: async () => [],
    loadUploadSession: async () => null,
    fileCheck: async () => null,
    unverifiedCopies: async () => [],
    currentVersion: async () => null,
    listVersions: async () => [],
    versionsAt: async () => [],
    versionsWithHash: async () => [],
    versionsHoldingBytes: async () => [],
    versionStats: async () => ({ versions: 0, kept: 0, storeFiles: 0, storeBytes: 0, trashObjects: 0, trashBytes: 0 }),
    versionsEndedBy: async () => new Map(),
    flaggedRuns: async () => [],
    getRun: async () => null,
    keepVersion: refuse,
    setVersionLocation: refuse,
    markRunFlagged: refuse,
    close: async () => {},
    startRun: refuse,
    recordEntry: refuse,
    recordEntries: refuse,
    recordSettled: refuse,
    recordMove: refuse,
    forget: refuse,
    addEvent: refuse,
    finishRun: refuse,
    markInterruptedRuns: refuse,
    saveUploadSession: refuse,
    recordUploadPart: refuse,
    dropUploadSession: refuse,
    pruneUploadSessions: refuse,
    refreshSnapshot: refuse,
    keepLastGoodCopy: refuse,
  };
}

export function readonlyError(file: string): Error {
  return new Error(`journal ${file} is open read-only`);
}
