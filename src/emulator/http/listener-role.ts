/**
 * What one listening port of the emulator plays:
 * - `home`: every service of the bucket's own region (rs, rsf, up, api, uc, and the source domain for downloads);
 * - `other-region`: another region's hosts — uploads are refused with Kodo's `incorrect region` answer
 *   (other-region.ts); rs/rsf answer as at home, since what the real ones do is unconfirmed;
 * - `cdn`: a CDN domain bound to the bucket — downloads only, possibly stale (state/cdn-node.ts).
 */
export type ListenerRole = 'home' | 'other-region' | 'cdn';
