// oidc-provider stores every artifact through one adapter factory (docs: configuration.md#adapter).
// Artifacts (sessions, codes, tokens...) go to the artifact store; the `Client` model is served
// read-only from the directory's applications, so clients are managed in one place.
import type { Adapter, AdapterPayload } from 'oidc-provider';

export interface ClientSource {
  findClientMetadata(clientId: string): Promise<Record<string, unknown> | undefined>;
}

export type ArtifactAdapterFactory = (modelName: string) => Adapter;

class ReadOnlyClientAdapter implements Adapter {
  readonly #source: ClientSource;
  readonly #cache = new Map<string, { at: number; value: AdapterPayload | undefined }>();
  readonly #cacheMs: number;

  constructor(source: ClientSource, cacheMs: number) {
    this.#source = source;
    this.#cacheMs = cacheMs;
  }

  // Every authorization and token request looks its client up; a short cache saves that round
  // trip while an operator's change still shows within seconds on every instance.
  async find(id: string): Promise<AdapterPayload | undefined> {
    const hit = this.#cache.get(id);
    if (hit && Date.now() - hit.at < this.#cacheMs) return hit.value;
    const value = (await this.#source.findClientMetadata(id)) as AdapterPayload | undefined;
    if (this.#cache.size > 1000) this.#cache.clear();
    this.#cache.set(id, { at: Date.now(), value });
    return value;
  }

  async upsert(): Promise<undefined> {
    throw new Error('clients are managed in the directory, not through oidc-provider');
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async consume(): Promise<undefined> {
    return undefined;
  }
  async destroy(): Promise<undefined> {
    throw new Error('clients are managed in the directory, not through oidc-provider');
  }
  async revokeByGrantId(): Promise<undefined> {
    return undefined;
  }
}

export function createAdapterFactory(
  artifacts: ArtifactAdapterFactory,
  clients: ClientSource,
  options: { clientCacheMs?: number } = {},
): (modelName: string) => Adapter {
  const clientAdapter = new ReadOnlyClientAdapter(clients, options.clientCacheMs ?? 5_000);
  return (modelName) => (modelName === 'Client' ? clientAdapter : artifacts(modelName));
}
