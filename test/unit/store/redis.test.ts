import { isRedisUnavailable } from '../../../src/store/redis.ts';

describe('isRedisUnavailable', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })],
    ['a command sent while disconnected', new Error("Stream isn't writeable and enableOfflineQueue options is false")],
    ['a closed connection', new Error('Connection is closed.')],
    ['a command that timed out', new Error('Command timed out')],
    ['retries exhausted', Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' })],
    ['a server still loading its dataset', new Error('LOADING Redis is loading the dataset in memory')],
    ['a replica after failover', new Error("READONLY You can't write against a read only replica.")],
  ])('counts %s as unavailable', (_label, err) => {
    expect(isRedisUnavailable(err)).toBe(true);
  });

  it.each([
    ['a type error', new Error('WRONGTYPE Operation against a key holding the wrong kind of value')],
    ['a script error', new Error('ERR Error running script')],
    ['a non-error', 'ECONNREFUSED'],
  ])('does not count %s as unavailable', (_label, err) => {
    expect(isRedisUnavailable(err)).toBe(false);
  });
});
