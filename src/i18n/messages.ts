// User-facing texts of the pages the provider itself renders. Each key exists in every language;
// a unit test checks that no language misses one.
import { eidDe, eidEn, eidFr, eidNl } from './eid-messages.ts';
import { selectionDe, selectionEn, selectionFr, selectionNl } from './selection-messages.ts';
import type { Locale } from './locale.ts';

const nl = {
  ...eidNl,
  ...selectionNl,
  'page.title': 'Aanmelden bij de overheid',
  'error.title': 'Er ging iets mis',
  'error.generic': 'De aanvraag kon niet worden verwerkt. Ga terug naar de toepassing en probeer opnieuw.',
  'error.code': 'Foutcode',
  'unavailable.title': 'Tijdelijk niet beschikbaar',
  'unavailable.body': 'De aanmeldingsdienst is tijdelijk niet beschikbaar. Uw gegevens zijn niet verloren. Probeer het binnen enkele ogenblikken opnieuw.',
  'login.none.title': 'Aanmelden is nog niet mogelijk',
  'login.none.body': 'Deze dienst biedt op dit moment geen aanmeldingsmethode aan. Neem contact op met de beheerder van de toepassing.',
  'login.none.back': 'Terug naar de toepassing',
  'logout.title': 'Afmelden',
  'logout.question': 'Wilt u zich volledig afmelden?',
  'logout.confirm': 'Volledig afmelden',
  'logout.cancel': 'Aangemeld blijven',
  'logout.done': 'U bent afgemeld. U mag dit venster sluiten.',
  'notfound.title': 'Pagina niet gevonden',
  'notfound.body': 'Deze pagina bestaat niet.',
};

type Messages = typeof nl;
export type MessageKey = keyof Messages;

const fr: Messages = {
  ...eidFr,
  ...selectionFr,
  'page.title': "Connexion à l'administration",
  'error.title': "Une erreur s'est produite",
  'error.generic': "La demande n'a pas pu être traitée. Retournez à l'application et réessayez.",
  'error.code': "Code d'erreur",
  'unavailable.title': 'Temporairement indisponible',
  'unavailable.body': "Le service de connexion est temporairement indisponible. Vos données ne sont pas perdues. Réessayez dans quelques instants.",
  'login.none.title': "La connexion n'est pas encore possible",
  'login.none.body': "Ce service ne propose actuellement aucune méthode de connexion. Contactez le gestionnaire de l'application.",
  'login.none.back': "Retour à l'application",
  'logout.title': 'Déconnexion',
  'logout.question': 'Voulez-vous vous déconnecter complètement ?',
  'logout.confirm': 'Se déconnecter complètement',
  'logout.cancel': 'Rester connecté',
  'logout.done': 'Vous êtes déconnecté. Vous pouvez fermer cette fenêtre.',
  'notfound.title': 'Page introuvable',
  'notfound.body': "Cette page n'existe pas.",
};

const de: Messages = {
  ...eidDe,
  ...selectionDe,
  'page.title': 'Anmeldung bei der Verwaltung',
  'error.title': 'Etwas ist schiefgelaufen',
  'error.generic': 'Die Anfrage konnte nicht verarbeitet werden. Kehren Sie zur Anwendung zurück und versuchen Sie es erneut.',
  'error.code': 'Fehlercode',
  'unavailable.title': 'Vorübergehend nicht verfügbar',
  'unavailable.body': 'Der Anmeldedienst ist vorübergehend nicht verfügbar. Ihre Daten sind nicht verloren. Versuchen Sie es in wenigen Augenblicken erneut.',
  'login.none.title': 'Anmeldung noch nicht möglich',
  'login.none.body': 'Dieser Dienst bietet derzeit keine Anmeldemethode an. Wenden Sie sich an den Verwalter der Anwendung.',
  'login.none.back': 'Zurück zur Anwendung',
  'logout.title': 'Abmelden',
  'logout.question': 'Möchten Sie sich vollständig abmelden?',
  'logout.confirm': 'Vollständig abmelden',
  'logout.cancel': 'Angemeldet bleiben',
  'logout.done': 'Sie sind abgemeldet. Sie können dieses Fenster schließen.',
  'notfound.title': 'Seite nicht gefunden',
  'notfound.body': 'Diese Seite existiert nicht.',
};

const en: Messages = {
  ...eidEn,
  ...selectionEn,
  'page.title': 'Government sign-in',
  'error.title': 'Something went wrong',
  'error.generic': 'The request could not be processed. Go back to the application and try again.',
  'error.code': 'Error code',
  'unavailable.title': 'Temporarily unavailable',
  'unavailable.body': 'The sign-in service is temporarily unavailable. Nothing you entered is lost. Please try again in a few moments.',
  'login.none.title': 'Signing in is not possible yet',
  'login.none.body': "This service offers no sign-in method at the moment. Contact the application's administrator.",
  'login.none.back': 'Back to the application',
  'logout.title': 'Sign out',
  'logout.question': 'Do you want to sign out completely?',
  'logout.confirm': 'Sign out completely',
  'logout.cancel': 'Stay signed in',
  'logout.done': 'You are signed out. You may close this window.',
  'notfound.title': 'Page not found',
  'notfound.body': 'This page does not exist.',
};

export const MESSAGES: Record<Locale, Messages> = { nl, fr, de, en };

export function t(locale: Locale, key: MessageKey): string {
  return MESSAGES[locale][key];
}

/** A text with `{name}` placeholders filled in (values are escaped where the page is rendered). */
export function tf(locale: Locale, key: MessageKey, values: Record<string, string>): string {
  return t(locale, key).replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}
