// The interaction a request belongs to, as oidc-provider knows it from the browser's
// interaction cookie (docs: interactionDetails); undefined when there is none or the URL names
// another one, so a URL cannot steer a browser into someone else's login.
import type { Context } from 'koa';
import { errors, type Interaction } from 'oidc-provider';
import { allowFormTarget, pageLocale } from '../http/html.ts';
import type { Locale } from '../i18n/locale.ts';
import type { ProviderHost } from '../oidc/host.ts';

export async function loadInteraction(host: ProviderHost, ctx: Context): Promise<Interaction | undefined> {
  let interaction: Interaction;
  try {
    interaction = await host.current.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    if (err instanceof errors.SessionNotFound) return undefined;
    throw err;
  }
  if (interaction.uid !== ctx.params.uid) return undefined;
  // The forms of this login end, through oidc-provider's redirects, at the client's redirect_uri
  // (already validated against its registration): the page's form-action must allow it.
  allowFormTarget(ctx, interaction.params.redirect_uri);
  return interaction;
}

/** The page language: switcher, ui_locales (page URL, then authorization request), cookie, browser. */
export function localeFor(ctx: Context, interaction: Interaction | undefined): Locale {
  return pageLocale(ctx, interaction?.params.ui_locales as string | undefined);
}
