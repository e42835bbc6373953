/** A Kodo error answer: HTTP `status` with body `{"error": message}`. Handlers throw it; the server writes it. */
export class KodoError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KodoError';
  }
}

export const badToken = (): KodoError => new KodoError(401, 'bad token');
export const noSuchFile = (): KodoError => new KodoError(612, 'no such file or directory');
export const fileExists = (): KodoError => new KodoError(614, 'file exists');
export const noSuchBucket = (): KodoError => new KodoError(631, 'no such bucket');
export const invalidArgument = (detail = 'invalid argument'): KodoError => new KodoError(400, detail);
