// The interaction a request belongs to, as oidc-provider knows it from the browser's
// interaction cookie (docs: interactionDetails); undefined when there is none or the URL names
// another one, so a URL cannot steer a browser into someone else's login.
import type { Context } from 'koa';
import { errors, type Interaction } from 'oidc-provider';
import { negotiateLocale, type Locale } from '../i18n/locale.ts';
import type { ProviderHost } from '../oidc/host.ts';

export async function loadInteraction(host: ProviderHost, ctx: Context): Promise<Interaction | undefined> {
  let interaction: Interaction;
  try {
    interaction = await host.current.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    if (err instanceof errors.SessionNotFound) return undefined;
    throw err;
  }
  return interaction.uid === ctx.params.uid ? interaction : undefined;
}

export function localeFor(ctx: Context, interaction: Interaction | undefined): Locale {
  const requested = (ctx.query.ui_locales as string | undefined) ?? (interaction?.params.ui_locales as string | undefined);
  return negotiateLocale(requested, ctx.get('accept-language'));
}
