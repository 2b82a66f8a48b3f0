// The audit trail: who did what, for whom, through which client, with which outcome. It names
// people by their opaque id; a national register number that slips into an event is masked
// here as a last line of defence, because audit rows are kept long and read widely.
import type { Queryable } from '../store/database.ts';
import { maskNationalNumbersIn } from './identifiers.ts';

export type AuditOutcome = 'success' | 'failure' | 'error';

export interface AuditEvent {
  /** Dotted event name, e.g. `login.eid`, `mandate.selected`, `client.secret_rotated`. */
  type: string;
  outcome: AuditOutcome;
  /** Who acted: a person id, `client:<id>`, `admin:<name>` or `system`. */
  actor?: string | null;
  /** The person concerned, by person id. */
  subject?: string | null;
  clientId?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
  /** Defaults to the database's now(). */
  at?: Date;
}

export interface StoredAuditEvent extends Required<Omit<AuditEvent, 'at' | 'details'>> {
  id: number;
  at: Date;
  details: Record<string, unknown>;
}

const mask = (value: string | null | undefined) => (value == null ? null : maskNationalNumbersIn(value));

export async function recordAudit(db: Queryable, event: AuditEvent): Promise<void> {
  const details = maskNationalNumbersIn(JSON.stringify(event.details ?? {}));
  await db.query(
    `INSERT INTO audit_events (at, type, actor, subject, client_id, ip, outcome, details)
     VALUES (coalesce($1::timestamptz, now()), $2, $3, $4, $5, $6, $7, $8::jsonb)`,
    [event.at?.toISOString() ?? null, event.type, mask(event.actor), mask(event.subject), event.clientId ?? null, event.ip ?? null, event.outcome, details],
  );
}

interface AuditRow {
  id: number | string;
  at: Date;
  type: string;
  actor: string | null;
  subject: string | null;
  client_id: string | null;
  ip: string | null;
  outcome: AuditOutcome;
  details: Record<string, unknown>;
}

/** Newest first. */
export async function listAuditEvents(
  db: Queryable,
  filter: { subject?: string; clientId?: string; type?: string; since?: Date; limit?: number } = {},
): Promise<StoredAuditEvent[]> {
  const { rows } = await db.query<AuditRow>(
    `SELECT id, at, type, actor, subject, client_id, ip, outcome, details FROM audit_events
     WHERE ($1::text IS NULL OR subject = $1) AND ($2::text IS NULL OR client_id = $2)
       AND ($3::text IS NULL OR type = $3) AND ($4::timestamptz IS NULL OR at >= $4)
     ORDER BY at DESC, id DESC LIMIT $5`,
    [filter.subject ?? null, filter.clientId ?? null, filter.type ?? null, filter.since?.toISOString() ?? null, Math.min(filter.limit ?? 100, 1000)],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at,
    type: r.type,
    actor: r.actor,
    subject: r.subject,
    clientId: r.client_id,
    ip: r.ip,
    outcome: r.outcome,
    details: r.details,
  }));
}
