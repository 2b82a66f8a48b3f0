// What both artifact stores agree on: which models hang off a grant, how a stored record is
// named, and how long it lives. Keeping it here is what makes the two stores interchangeable.

/** Models that carry a grantId and must disappear when their grant is revoked. */
export const GRANTABLE_MODELS: ReadonlySet<string> = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/** The one model whose records are also found by their fixed `uid` (the session id changes). */
export const UID_INDEXED_MODEL = 'Session';

export function recordKey(model: string, id: string): string {
  return `${model}:${id}`;
}

/**
 * Lifetime of an artifact in milliseconds: oidc-provider's `expiresIn` padded with the clock
 * tolerance, so a token another node still accepts as unexpired is still found. `undefined`
 * means no expiry (oidc-provider omits expiresIn only for records that live until destroyed).
 */
export function lifetimeMs(expiresIn: number | undefined, clockToleranceSeconds: number): number | undefined {
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn)) return undefined;
  return Math.round((expiresIn + clockToleranceSeconds) * 1000);
}

/** The secondary keys a record is reachable by, read from its payload. */
export interface RecordIndexes {
  uid?: string;
  userCode?: string;
  grantId?: string;
}

export function indexesOf(model: string, payload: { uid?: unknown; userCode?: unknown; grantId?: unknown }): RecordIndexes {
  const indexes: RecordIndexes = {};
  if (model === UID_INDEXED_MODEL && typeof payload.uid === 'string' && payload.uid) indexes.uid = payload.uid;
  if (typeof payload.userCode === 'string' && payload.userCode) indexes.userCode = payload.userCode;
  if (GRANTABLE_MODELS.has(model) && typeof payload.grantId === 'string' && payload.grantId) indexes.grantId = payload.grantId;
  return indexes;
}

/**
 * The consumed mark a payload carries when oidc-provider saves a record it found consumed: kept
 * as the record's mark so that consuming it again cannot move the first consumption's time.
 */
export function consumedOf(payload: { consumed?: unknown }): number | undefined {
  return typeof payload.consumed === 'number' && Number.isFinite(payload.consumed) ? payload.consumed : undefined;
}

/** Seconds since the epoch, the unit oidc-provider uses for `consumed`, `exp` and `iat`. */
export function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
