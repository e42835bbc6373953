/** The putPolicy fields the emulator honours (shared/qiniu-protocol.md §2.3). */
export interface PutPolicy {
  scope: string;
  deadline: number;
  isPrefixalScope?: number;
  insertOnly?: number;
  endUser?: string;
  returnBody?: string;
  saveKey?: string;
  forceSaveKey?: boolean;
  fsizeMin?: number;
  fsizeLimit?: number;
  detectMime?: number;
  mimeLimit?: string;
  fileType?: number;
}

export interface UploadGrant {
  policy: PutPolicy;
  bucket: string;
  /** The key part of a `bucket:key` scope (a prefix when `isPrefixalScope`). */
  scopeKey?: string;
}
