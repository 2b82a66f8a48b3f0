// The pages of a login, from the templates in src/views (escaped by the template engine). Every
// form carries the interaction's form token; every page has the language switcher (a GET of
// the same page in another language).
import type { Context } from 'koa';
import { entityName } from '../directory/entities.ts';
import { formatEnterpriseNumber } from '../directory/identifiers.ts';
import { sendErrorPage, sendPage } from '../http/html.ts';
import { entityTypeLabel } from '../i18n/entity-types.ts';
import type { Locale } from '../i18n/locale.ts';
import { t, tf, type MessageKey } from '../i18n/messages.ts';
import { INTERACTION_PATH } from '../oidc/interactions.ts';
import type { MandateOption } from '../oidc/selection.ts';

export const interactionUrl = (uid: string) => `${INTERACTION_PATH}/${encodeURIComponent(uid)}`;

interface Cancel {
  action: string;
  csrf: string;
  label: string;
  autofocus?: boolean;
  primary?: boolean;
}

const cancelForm = (locale: Locale, uid: string, csrf: string, label: MessageKey = 'login.cancel'): Cancel => ({
  action: `${interactionUrl(uid)}/abort`,
  csrf,
  label: t(locale, label),
});

export function renderSessionNotFound(ctx: Context, locale: Locale): void {
  sendErrorPage(ctx, { locale, status: 400, title: t(locale, 'error.title'), text: t(locale, 'refused.session'), code: 'session_not_found' });
}

export function renderNoLoginMethod(ctx: Context, locale: Locale, uid: string, csrf: string): void {
  sendPage(ctx, {
    locale,
    title: t(locale, 'login.none.title'),
    view: 'no-login-method',
    data: { text: t(locale, 'login.none.body'), back: { ...cancelForm(locale, uid, csrf, 'login.none.back'), autofocus: true, primary: true } },
  });
}

export function renderEidLogin(ctx: Context, locale: Locale, uid: string, csrf: string): void {
  sendPage(ctx, {
    locale,
    title: t(locale, 'login.title'),
    view: 'login',
    data: {
      intro: t(locale, 'login.eid.intro'),
      eidHref: `${interactionUrl(uid)}/eid`,
      eidButton: t(locale, 'login.eid.button'),
      help: t(locale, 'login.eid.help'),
      cancel: cancelForm(locale, uid, csrf),
    },
  });
}

/**
 * A refusal of the eID login: what happened and what to do, a way to try again, and a way back
 * to the application. `switchUrl`: where the switcher re-renders it when this URL cannot be
 * fetched again (a one-time ticket's callback).
 */
export function renderRefusal(ctx: Context, locale: Locale, uid: string, text: MessageKey, code: string, csrf: string, switchUrl?: string): void {
  sendPage(ctx, {
    locale,
    title: t(locale, 'refused.title'),
    view: 'refusal',
    data: {
      message: t(locale, text),
      retryHref: interactionUrl(uid),
      retry: t(locale, 'refused.retry'),
      cancel: cancelForm(locale, uid, csrf),
      codeLabel: t(locale, 'error.code'),
      code,
    },
    ...(switchUrl ? { switchUrl } : {}),
  });
}

function describeMandate(option: MandateOption, locale: Locale) {
  const { mandate } = option;
  return {
    id: mandate.id,
    entityName: entityName(mandate.entity, locale),
    entityType: entityTypeLabel(mandate.entity.type, locale),
    enterpriseNumber: formatEnterpriseNumber(mandate.entity.enterpriseNumber),
    capacity: mandate.capacity.labels[locale],
  };
}

export interface ChoicePage {
  locale: Locale;
  uid: string;
  csrf: string;
  clientName: string;
}

export function renderMandateChoice(ctx: Context, page: ChoicePage & { options: MandateOption[]; checked?: string }): void {
  const { locale } = page;
  sendPage(ctx, {
    locale,
    title: t(locale, 'mandate.title'),
    view: 'select-mandate',
    data: {
      intro: tf(locale, 'mandate.intro', { client: page.clientName }),
      action: `${interactionUrl(page.uid)}/select`,
      csrf: page.csrf,
      legend: t(locale, 'mandate.legend'),
      enterpriseNumberLabel: t(locale, 'mandate.enterprise_number'),
      capacityLabel: t(locale, 'mandate.capacity'),
      options: page.options.map((o) => ({ ...describeMandate(o, locale), checked: o.mandate.id === page.checked })),
      submit: t(locale, 'mandate.submit'),
      cancel: cancelForm(locale, page.uid, page.csrf),
    },
  });
}

export function renderRoleChoice(ctx: Context, page: ChoicePage & { option: MandateOption; otherEntities: boolean }): void {
  const { locale, option } = page;
  const mandate = describeMandate(option, locale);
  sendPage(ctx, {
    locale,
    title: t(locale, 'role.title'),
    view: 'select-role',
    data: {
      intro: tf(locale, 'role.intro', { entity: mandate.entityName, capacity: mandate.capacity, client: page.clientName }),
      action: `${interactionUrl(page.uid)}/select`,
      csrf: page.csrf,
      mandate: option.mandate.id,
      legend: t(locale, 'role.legend'),
      options: option.roles.map((role) => ({ code: role.code, label: role.labels[locale] })),
      submit: t(locale, 'role.submit'),
      otherEntityHref: page.otherEntities ? interactionUrl(page.uid) : undefined,
      otherEntity: t(locale, 'role.other_entity'),
      cancel: cancelForm(locale, page.uid, page.csrf),
    },
  });
}

export function renderNoMandate(ctx: Context, page: { locale: Locale; uid: string; csrf: string }): void {
  const { locale } = page;
  sendPage(ctx, {
    locale,
    title: t(locale, 'mandate.none.title'),
    view: 'no-mandate',
    data: { text: t(locale, 'mandate.none.body'), back: { ...cancelForm(locale, page.uid, page.csrf, 'login.none.back'), autofocus: true, primary: true } },
  });
}

export interface ConsentPage extends ChoicePage {
  /** Plain-words lines, one per scope or claim the client asks for. */
  items: string[];
  selection?: { option: MandateOption; roleCode: string | null };
}

export function renderConsent(ctx: Context, page: ConsentPage): void {
  const { locale } = page;
  let selection;
  if (page.selection) {
    const mandate = describeMandate(page.selection.option, locale);
    const role = page.selection.option.roles.find((r) => r.code === page.selection!.roleCode);
    selection = {
      heading: t(locale, 'consent.acting_for'),
      entityLabel: t(locale, 'mandate.legend'),
      entity: `${mandate.entityName} (${mandate.entityType}, ${mandate.enterpriseNumber})`,
      capacityLabel: t(locale, 'mandate.capacity'),
      capacity: mandate.capacity,
      roleLabel: t(locale, 'consent.role'),
      role: role ? role.labels[locale] : t(locale, 'consent.no_role'),
    };
  }
  sendPage(ctx, {
    locale,
    title: t(locale, 'consent.title'),
    view: 'consent',
    data: {
      intro: tf(locale, 'consent.intro', { client: page.clientName }),
      dataHeading: tf(locale, 'consent.data', { client: page.clientName }),
      items: page.items,
      selection,
      action: `${interactionUrl(page.uid)}/consent`,
      csrf: page.csrf,
      accept: t(locale, 'consent.accept'),
      deny: t(locale, 'consent.deny'),
    },
  });
}

/** Why a submitted form was refused; `stale` ones cannot be retried within this login. */
export const STALE_REASONS = ['missing_csrf', 'invalid_csrf', 'interaction_not_found', 'already_submitted', 'wrong_step'] as const;
export const INVALID_REASONS = ['unknown_mandate', 'role_not_held', 'malformed_form'] as const;
export type SelectionRefusal = (typeof STALE_REASONS)[number] | (typeof INVALID_REASONS)[number];

export function isSelectionRefusal(value: unknown): value is SelectionRefusal {
  return (STALE_REASONS as readonly unknown[]).includes(value) || (INVALID_REASONS as readonly unknown[]).includes(value);
}

export function renderSelectionRefused(ctx: Context, page: { locale: Locale; uid: string; reason: SelectionRefusal; status: number }): void {
  const { locale, uid, reason } = page;
  const stale = (STALE_REASONS as readonly string[]).includes(reason);
  sendPage(ctx, {
    locale,
    status: page.status,
    title: t(locale, 'selection.refused.title'),
    view: 'selection-refused',
    data: {
      text: t(locale, stale ? 'selection.refused.stale' : 'selection.refused.invalid'),
      backHref: stale ? undefined : interactionUrl(uid),
      back: t(locale, 'selection.refused.back'),
      codeLabel: t(locale, 'error.code'),
      code: reason,
    },
    switchUrl: `${interactionUrl(uid)}/refused?${new URLSearchParams({ reason })}`,
  });
}
