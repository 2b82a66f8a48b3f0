// Holds the provider instance that serves requests and swaps it when the signing keys change.
// oidc-provider takes its keys at construction and, per its maintainer, is not meant to swap
// keys in place (issue #651); a fresh instance over the same shared storage is equivalent to the
// rolling restart the docs recommend, without dropping a request: in-flight requests finish on
// the instance they started on.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { JWKS } from 'oidc-provider';
import { buildProvider, type ProviderDeps } from './provider.ts';

export class ProviderHost {
  #current: Provider;
  // Koa composes its middleware on every callback() call: do it once per instance.
  #handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  #fingerprint: string;
  readonly #deps: ProviderDeps;

  constructor(deps: ProviderDeps, jwks: JWKS, fingerprint: string) {
    this.#deps = deps;
    this.#current = buildProvider(deps, jwks);
    this.#handler = this.#current.callback();
    this.#fingerprint = fingerprint;
  }

  get handler(): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
    return this.#handler;
  }

  get current(): Provider {
    return this.#current;
  }

  get fingerprint(): string {
    return this.#fingerprint;
  }

  /** Returns true when a new instance took over. */
  replaceKeys(jwks: JWKS, fingerprint: string): boolean {
    if (fingerprint === this.#fingerprint) return false;
    const next = buildProvider(this.#deps, jwks);
    this.#handler = next.callback();
    this.#current = next;
    this.#fingerprint = fingerprint;
    return true;
  }
}
