// What PrimaWeb shows: a start page, the landing page of each role, and what went wrong.
// The role claim decides the landing page; the profiles decide what a Social Agent sees.
import { actionForm, escapeHtml, layout } from './html.ts';

/** The claims PrimaWeb reads (the provider's claims contract, scopes profile, mandate, roles). */
export interface PrimawebClaims {
  sub: string;
  name?: string;
  given_name?: string;
  family_name?: string;
  entity?: { enterprise_number?: string; type?: string; name?: string; names?: Record<string, string> };
  capacity?: { code?: string; label?: string; labels?: Record<string, string> };
  role?: string;
  roles?: string[];
  profiles?: string[];
}

export const ROLE_LABELS: Record<string, string> = {
  SOCIAL_AGENT: 'Sociale Agent',
  PRIMAWEB_ADMIN: 'PrimaWeb beheer',
};

export interface HomeView {
  claims: PrimawebClaims;
  csrf: string;
  /** A one-time message after an action (refresh). */
  notice?: string;
}

/** 0999999922 → 0999.999.922, the way Belgian enterprise numbers are written. */
export function formatEnterpriseNumber(value: string | undefined): string {
  if (!value) return '';
  return /^\d{10}$/.test(value) ? `${value.slice(0, 4)}.${value.slice(4, 7)}.${value.slice(7)}` : value;
}

export const entityName = (claims: PrimawebClaims) => claims.entity?.names?.nl ?? claims.entity?.name ?? '';
const capacityLabel = (claims: PrimawebClaims) => claims.capacity?.labels?.nl ?? claims.capacity?.label ?? claims.capacity?.code ?? '';
const personName = (claims: PrimawebClaims) => claims.name ?? ([claims.given_name, claims.family_name].filter(Boolean).join(' ') || claims.sub);
const roleLabel = (code: string | undefined) => (code ? (ROLE_LABELS[code] ?? code) : '');

function notice(view: HomeView): string {
  return view.notice ? `<p class="ok" role="status">${escapeHtml(view.notice)}</p>` : '';
}

function signedInAs(claims: PrimawebClaims): string {
  const entity = claims.entity;
  return `<dl>
<dt>Aangemeld als</dt><dd id="person">${escapeHtml(personName(claims))}</dd>
<dt>Entiteit</dt><dd id="entity">${escapeHtml(entityName(claims))}</dd>
<dt>Type</dt><dd id="entity-type">${escapeHtml(entity?.type ?? '')}</dd>
<dt>Ondernemingsnummer</dt><dd id="enterprise-number">${escapeHtml(formatEnterpriseNumber(entity?.enterprise_number))}</dd>
<dt>Hoedanigheid</dt><dd id="capacity">${escapeHtml(capacityLabel(claims))}</dd>
<dt>Rol</dt><dd id="role">${escapeHtml(roleLabel(claims.role))}</dd>
</dl>`;
}

function actions(view: HomeView): string {
  const otherChoice = (view.claims.roles?.length ?? 0) > 1 ? 'Andere entiteit of rol kiezen' : 'Andere entiteit kiezen';
  return `<div class="actions">
${actionForm('/refresh', view.csrf, 'Gegevens vernieuwen', { id: 'refresh' })}
${actionForm('/switch', view.csrf, otherChoice, { id: 'switch', secondary: true })}
${actionForm('/logout', view.csrf, 'Afmelden', { id: 'logout', secondary: true })}
</div>`;
}

export function startPage(options: { signedOut?: boolean; message?: string } = {}): string {
  const signedOut = options.signedOut ? '<p class="ok" role="status" id="signed-out">U bent afgemeld bij PrimaWeb en bij de aanmeldingsdienst.</p>' : '';
  const message = options.message ? `<p class="notice" role="status">${escapeHtml(options.message)}</p>` : '';
  return layout(
    'Welkom bij PrimaWeb',
    `${signedOut}${message}<p>PrimaWeb is de toepassing van de OCMW's voor het beheer van sociale dossiers. U meldt zich aan met uw eID bij de aanmeldingsdienst en kiest daar voor welke entiteit en in welke hoedanigheid u werkt.</p>
<p><a class="button" id="login" href="/login">Aanmelden</a></p>`,
  );
}

/** The Social Agent's home: what it shows follows the profiles; none yet is the first-login view. */
export function socialAgentHome(view: HomeView): string {
  const profiles = view.claims.profiles ?? [];
  const content =
    profiles.length === 0
      ? `<div class="notice" id="first-login" role="status"><p><strong>Eerste aanmelding.</strong> U hebt nog geen profielen in PrimaWeb voor deze entiteit, daarom ziet u een beperkte versie.</p>
<p>Vraag de beheerder van PrimaWeb in uw organisatie om u een of meer profielen toe te kennen. Daarna klikt u op "Gegevens vernieuwen": u hoeft zich niet opnieuw aan te melden.</p></div>`
      : `<h2>Uw profielen</h2><ul id="profiles">${profiles.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>
<p>U ziet de onderdelen van PrimaWeb die bij deze profielen horen.</p>`;
  return layout('PrimaWeb – Sociale Agent', `${notice(view)}${signedInAs(view.claims)}${content}${actions(view)}`);
}

/** The administrator's home: who manages profiles, for which entity. */
export function adminHome(view: HomeView): string {
  const body = `${notice(view)}${signedInAs(view.claims)}
<p>U beheert de profielen van de gebruikers van PrimaWeb bij <strong>${escapeHtml(entityName(view.claims))}</strong>.</p>
<p class="notice" id="admin-pending">Profielen toekennen vanuit PrimaWeb kan zodra de beheer-API van de aanmeldingsdienst beschikbaar is. Tot dan kent de toegangsbeheerder profielen toe met de opdracht <code>capacity-idp directory profiles assign</code>.</p>
${actions(view)}`;
  return layout('PrimaWeb beheer', body);
}

/** A role PrimaWeb does not know: the person is signed in but has no landing page here. */
export function unknownRoleHome(view: HomeView): string {
  return layout(
    'Geen toegang tot PrimaWeb',
    `${signedInAs(view.claims)}<p class="notice" role="alert">Uw rol geeft geen toegang tot een onderdeel van PrimaWeb. Kies een andere entiteit of rol, of neem contact op met de toegangsbeheerder van uw organisatie.</p>${actions(view)}`,
  );
}

const LOGIN_ERRORS: Record<string, string> = {
  access_denied:
    'De aanmelding werd afgebroken, of u bent niet geregistreerd in een hoedanigheid die PrimaWeb aanvaardt. Vraag zo nodig de toegangsbeheerder van uw organisatie om u te registreren.',
  login_required: 'U bent niet meer aangemeld bij de aanmeldingsdienst. Meld u opnieuw aan.',
  interaction_required: 'De aanmeldingsdienst heeft een keuze van u nodig. Meld u opnieuw aan.',
  temporarily_unavailable: 'De aanmeldingsdienst is tijdelijk niet beschikbaar. Probeer het binnen enkele ogenblikken opnieuw.',
};

export function loginFailedPage(error: string, detail?: string): string {
  const text = LOGIN_ERRORS[error] ?? 'De aanmelding is niet gelukt. Probeer het opnieuw.';
  const code = `<p class="code">Foutcode: ${escapeHtml(error)}${detail ? ` (${escapeHtml(detail)})` : ''}</p>`;
  return layout('Aanmelden is niet gelukt', `<p role="alert" id="login-error">${escapeHtml(text)}</p>${code}<p><a class="button" href="/login">Opnieuw aanmelden</a> <a href="/">Naar de startpagina</a></p>`);
}

export function sessionEndedPage(): string {
  return layout(
    'Uw sessie is beëindigd',
    `<p role="alert" id="session-ended">Uw aanmelding bij de aanmeldingsdienst is beëindigd, bijvoorbeeld omdat uw mandaat of rol werd ingetrokken of omdat u zich elders hebt afgemeld. Meld u opnieuw aan om verder te werken.</p><p><a class="button" href="/login">Opnieuw aanmelden</a></p>`,
  );
}

export function errorPage(status: number, text: string): string {
  return layout(status === 404 ? 'Pagina niet gevonden' : 'Er ging iets mis', `<p role="alert">${escapeHtml(text)}</p><p><a href="/">Naar de startpagina</a></p>`);
}
