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
    countEntries: async () => 0,
    lastRun: async () => null,
    listRuns: async () => [],
    listEvents: async () => [],
    loadUploadSession: async () => null,
    integrityCheck: async () => 'ok',
    close: async () => {},
    startRun: refuse,
    recordEntry: refuse,
    recordEntries: refuse,
    recordMove: refuse,
    forget: refuse,
    addEvent: refuse,
    finishRun: refuse,
    saveUploadSession: refuse,
    recordUploadPart: refuse,
    dropUploadSession: refuse,
    pruneUploadSessions: refuse,
    refreshSnapshot: refuse,
  };
}

export function readonlyError(file: string): Error {
  return new Error(`journal ${file} is open read-only`);
}
