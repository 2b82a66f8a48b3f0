// Server-side sessions: the browser holds only a random id in an HttpOnly cookie; tokens never
// leave the server. In memory, because this is a demo with one process.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { PrimawebClaims } from './pages.ts';

export interface PendingLogin {
  codeVerifier: string;
  nonce: string;
  createdAt: number;
}

export interface SignedIn {
  sub: string;
  /** The provider's session id for this client (ID token `sid`), matched by back-channel logout. */
  sid?: string;
  idToken: string;
  accessToken: string;
  refreshToken?: string;
  claims: PrimawebClaims;
}

export interface Session {
  id: string;
  csrf: string;
  lastSeen: number;
  /** Authorization requests in flight, by state. */
  pending: Map<string, PendingLogin>;
  user?: SignedIn;
  /** Shown once on the next page. */
  flash?: string;
  /** The state sent with RP-initiated logout, to recognise the way back. */
  logoutState?: string;
}

const newId = () => randomBytes(32).toString('base64url');
const PENDING_TTL_MS = 10 * 60_000;

export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #idleMs: number;

  constructor(idleMs = 8 * 3600_000) {
    this.#idleMs = idleMs;
  }

  /** The subjects of the sessions with a signed-in person, one entry per session. */
  signedIn(): string[] {
    return [...this.#sessions.values()].flatMap((session) => (session.user ? [session.user.sub] : []));
  }

  find(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const now = Date.now();
    if (now - session.lastSeen > this.#idleMs) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastSeen = now;
    for (const [state, pending] of session.pending) if (now - pending.createdAt > PENDING_TTL_MS) session.pending.delete(state);
    return session;
  }

  create(): Session {
    const session: Session = { id: newId(), csrf: newId(), lastSeen: Date.now(), pending: new Map() };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** A new id (and anti-forgery token) for the same session: done at login against fixation. */
  rotate(session: Session): Session {
    this.#sessions.delete(session.id);
    const rotated: Session = { ...session, id: newId(), csrf: newId(), lastSeen: Date.now() };
    this.#sessions.set(rotated.id, rotated);
    return rotated;
  }

  destroy(session: Session): void {
    this.#sessions.delete(session.id);
  }

  /**
   * Ends every session the provider's logout token names: by `sid` when it carries one, else
   * every session of the subject. Returns how many ended.
   */
  endForProviderSession(sub: string | undefined, sid: string | undefined): number {
    let ended = 0;
    for (const [id, session] of this.#sessions) {
      const user = session.user;
      if (!user) continue;
      const matches = sid !== undefined ? user.sid === sid && (sub === undefined || user.sub === sub) : user.sub === sub;
      if (matches) {
        this.#sessions.delete(id);
        ended++;
      }
    }
    return ended;
  }
}

export function sameToken(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
