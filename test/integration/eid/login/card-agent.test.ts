// Login through a card agent instead of the browser's TLS handshake: the login page's script (here
// the test, with the browser's cookies) asks for a nonce, the agent has the card sign the nonce
// bytes with the Authentication key, and posts the signature with the certificate and chain. The
// answer is where to send the browser next, which leads back to the application with a code.
import { webcrypto } from 'node:crypto';
import type { TestCard } from '../../../../src/eid/pki/index.ts';
import { EidBrowser, beginAuthorization, followToClient } from '../../../support/eid-browser.ts';
import { APP_CALLBACK, EID_ACR, ELISE, startLoginFixture, type LoginFixture } from './fixture.ts';

let fx: LoginFixture;
const browsers: EidBrowser[] = [];

interface AgentAnswer {
  status: number;
  body: { redirect_to?: string; error?: string; reason?: string; message?: string; nonce?: string; algorithms?: string[] };
}

async function begin() {
  const browser = await EidBrowser.create();
  browsers.push(browser);
  const pending = await beginAuthorization(fx.app, browser, { redirectUri: APP_CALLBACK });
  const base = new URL(`/interaction/${pending.uid}/eid/challenge`, fx.server.url);
  const post = async (url: URL, body?: unknown): Promise<AgentAnswer> => {
    const response = await browser.request(url, {
      method: 'POST',
      headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, body: JSON.parse(response.text) as AgentAnswer['body'] };
  };
  return {
    browser,
    pending,
    challenge: async () => {
      const answer = await post(base);
      expect(answer.status).toBe(200);
      return answer.body.nonce!;
    },
    answer: (body: Record<string, unknown>) => post(new URL(`${base.pathname}/response`, base), body),
  };
}

/** What the card does: sign the nonce bytes (ECDSA gives raw r||s, as PKCS#11 returns it). */
async function cardSignature(card: TestCard, nonce: string): Promise<string> {
  const algorithm = card.keyType === 'ec-p384' ? { name: 'ECDSA', hash: 'SHA-384' } : { name: 'RSASSA-PKCS1-v1_5' };
  const signature = await webcrypto.subtle.sign(algorithm, card.authentication.key.keys.privateKey, Buffer.from(nonce, 'base64url'));
  return Buffer.from(signature).toString('base64url');
}

function agentBody(card: TestCard, nonce: string, signature: string) {
  return {
    nonce,
    certificate: card.authentication.der.toString('base64'),
    chain: fx.pki.chainFor(card.ca).map((der) => der.toString('base64')),
    signature,
  };
}

beforeAll(async () => {
  fx = await startLoginFixture({ persons: [ELISE], rsaCards: true });
});

afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
  await fx?.close();
});

describe('eID login through a card agent', () => {
  test.each([
    ['EC P-384 card, ES384 raw r||s', 'ec-p384', 96],
    ['RSA 2048 card, RS256', 'rsa-2048', 256],
  ] as const)('%s: the signed nonce logs the person in and the browser reaches the application with a code', async (_what, keyType, signatureBytes) => {
    const card = fx.pki.card('elise', keyType);
    const agent = await begin();
    const nonce = await agent.challenge();
    expect(Buffer.from(nonce, 'base64url')).toHaveLength(32);
    const signature = await cardSignature(card, nonce);
    expect(Buffer.from(signature, 'base64url')).toHaveLength(signatureBytes);

    const answer = await agent.answer(agentBody(card, nonce, signature));
    expect(answer).toEqual({ status: 200, body: { redirect_to: expect.stringMatching(new RegExp(`^${fx.server.issuer}/auth/`)) } });
    const outcome = await followToClient(agent.browser, answer.body.redirect_to!, APP_CALLBACK);
    const tokens = await agent.pending.finish(outcome.callback!);
    expect(tokens.claims()).toMatchObject({ sub: fx.personId('elise'), acr: EID_ACR });
    expect(tokens.claims()!.amr).toEqual(expect.arrayContaining(['sc', 'hwk', 'pin', 'mfa']));
    expect(await fx.audit({ interaction: agent.pending.uid, type: 'login.eid' })).toEqual([
      expect.objectContaining({ outcome: 'success', subject: fx.personId('elise'), details: expect.objectContaining({ source: 'card-agent' }) }),
    ]);
  });

  test('a tampered signature is refused with 401 invalid_challenge_response; a new nonce signed properly then succeeds', async () => {
    const card = fx.pki.card('elise');
    const agent = await begin();
    const nonce = await agent.challenge();
    const signature = Buffer.from(await cardSignature(card, nonce), 'base64url');
    signature[10]! ^= 0x01;

    const refused = await agent.answer(agentBody(card, nonce, signature.toString('base64url')));
    expect(refused).toEqual({ status: 401, body: { error: 'access_denied', reason: 'invalid_challenge_response', message: expect.any(String) } });
    expect(await fx.audit({ interaction: agent.pending.uid, type: 'login.eid' })).toEqual([
      expect.objectContaining({ outcome: 'failure', details: expect.objectContaining({ source: 'card-agent', reason: 'invalid_challenge_response' }) }),
    ]);

    const fresh = await agent.challenge();
    const answer = await agent.answer(agentBody(card, fresh, await cardSignature(card, fresh)));
    expect(answer.status).toBe(200);
    const outcome = await followToClient(agent.browser, answer.body.redirect_to!, APP_CALLBACK);
    expect((await agent.pending.finish(outcome.callback!)).claims()!.sub).toBe(fx.personId('elise'));
  });

  test('a nonce answers once: the same signed answer sent again is refused', async () => {
    const card = fx.pki.card('elise');
    const agent = await begin();
    const nonce = await agent.challenge();
    const body = agentBody(card, nonce, await cardSignature(card, nonce));

    const first = await agent.answer(body);
    expect(first.status).toBe(200);
    const replay = await agent.answer(body);
    expect(replay).toEqual({ status: 401, body: expect.objectContaining({ error: 'access_denied', reason: 'invalid_challenge_response' }) });

    const outcome = await followToClient(agent.browser, first.body.redirect_to!, APP_CALLBACK);
    expect((await agent.pending.finish(outcome.callback!)).claims()!.sub).toBe(fx.personId('elise'));
  });
});
