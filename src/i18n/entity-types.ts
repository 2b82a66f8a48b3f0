// What kind of organisation an entity is, in the page's language. The directory stores a code
// (entities.type); the same kind of centre is an OCMW, a CPAS or an ÖSHZ depending on the
// language, so the code an entity was registered with does not decide the label.
import type { Locale } from './locale.ts';

const CENTRE: Record<Locale, string> = { nl: 'OCMW', fr: 'CPAS', de: 'ÖSHZ', en: 'Public social welfare centre' };

const TYPES: Record<string, Record<Locale, string>> = {
  OCMW: CENTRE,
  CPAS: CENTRE,
  OSHZ: CENTRE,
  OCMW_ASSOCIATION: { nl: 'Vereniging van OCMW’s', fr: 'Association de CPAS', de: 'ÖSHZ-Vereinigung', en: 'Association of social welfare centres' },
  POD_MI: { nl: 'POD Maatschappelijke Integratie', fr: 'SPP Intégration sociale', de: 'ÖPD Sozialeingliederung', en: 'Federal Public Planning Service Social Integration' },
};

/** The label of an entity type; an unknown code is shown as it is. */
export function entityTypeLabel(type: string, locale: Locale): string {
  return TYPES[type]?.[locale] ?? type;
}
