import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FixedClock } from '../src/domain/clock.js';
import { randomBytes } from 'node:crypto';
import { startTestPlatform } from './support/platform.js';
import { openStore, type DatabaseConfig } from '../src/store/database.js';
import { openPostgres, POSTGRES_AVAILABLE } from './support/databases.js';
import { hashApiKey } from '../src/accounts/api-keys.js';
import { findKeyOwner } from '../src/store/accounts.repository.js';

/** Writes through one process's store, closes it, and reads everything back through a new one. */
async function survivesRestart(config: DatabaseConfig) {
  const clock = new FixedClock();
  const encryptionKey = randomBytes(32);
  const firstStore = await openStore(config);
  const first = await startTestPlatform(firstStore, clock, { encryptionKey });
  const { reseller, apiKey } = await first.platform.accounts.createReseller({ name: 'Persist GmbH', repEmail: 'rep@example.com' });
  await first.platform.accounts.topUp({ type: 'system', id: 'test' }, reseller.id, { amount: '12.34', reference: 'r1' });
  await first.close();
  await firstStore.close();

  const secondStore = await openStore(config);
  const { platform: second, close } = await startTestPlatform(secondStore, clock, { encryptionKey });
  try {
    const owner = await findKeyOwner(second.store.db, hashApiKey(apiKey.secret));
    expect(owner).toEqual({ kind: 'reseller', resellerId: reseller.id, keyId: apiKey.key.id });
    expect((await second.accounts.getReseller(reseller.id)).balance).toEqual({ amount: 1234, currency: 'EUR' });
  } finally {
    await close();
    await secondStore.close();
  }
}

describe('the store keeps everything across a restart', () => {
  it('on pglite in a data folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-store-'));
    try {
      await survivesRestart({ kind: 'pglite', dataDir: join(dir, 'pglite') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!POSTGRES_AVAILABLE)('on postgres', async () => {
    const holder = await openPostgres();
    try {
      await survivesRestart({ kind: 'postgres', url: holder.url });
    } finally {
      await holder.close();
    }
  });
});
