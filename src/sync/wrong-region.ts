import type { Config } from '../config/config.js';
import { regionOfIncorrectRegion, wrongRegionAdvice } from '../core/region-answer.js';
import { ConfigError, RemoteError } from '../errors.js';

/**
 * An upload answered `400 incorrect region, please use up-z2.qiniup.com` (another region's host) as the configuration
 * error it is: which region the bucket is in and what to write in config.ini (exit 3). Anything else: null.
 */
export function asWrongRegionConfigError(err: unknown, config: Config): ConfigError | null {
  if (!(err instanceof RemoteError) || err.kind !== 'wrong-region') return null;
  const configured = config.endpoints ? 'endpoints' : config.region;
  const message = wrongRegionAdvice({ bucket: config.bucket.name, configured, actual: regionOfIncorrectRegion(err.detail), configFile: config.file });
  return new ConfigError([{ file: config.file, section: config.endpoints ? 'endpoints' : 'bucket', key: config.endpoints ? 'up' : 'region', message: `${message} (${err.message})` }]);
}
