/** The one exit-code table (see shared contract). */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  remoteUnreachable: 4,
  partial: 5,
  safetyAbort: 6,
  conflicts: 7,
  notFound: 8,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
