export { createMemoryAdapterFactory, type MemoryAdapterFactory, type MemoryAdapterFactoryOptions } from './memory-adapter.ts';
export { createRedisAdapterFactory, type RedisAdapterFactoryOptions } from './redis-adapter.ts';
export { ExpiringMemoryStore, type ExpiringMemoryStoreOptions } from './memory-store.ts';
