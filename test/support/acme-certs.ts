/**
 * Certificates made by openssl for the compliance guard's tests: a throw-away CA that signs a CSR with
 * chosen names and validity, whatever the CSR asks for — exactly the mistakes the guard must catch.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function openssl(args: readonly string[], cwd: string): void {
  const run = spawnSync('/usr/bin/openssl', args, { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openssl ${args[0]} failed: ${run.stderr}`);
}

/** A CA (root, self-signed) that can sign CSRs. */
export interface TestCa {
  readonly certificatePem: string;
  /** Signs `csrPem` for `sans` (DNS names) for `days` days (openssl: notAfter = notBefore + days). */
  sign(csrPem: string, options: { sans: readonly string[]; days: number }): string;
  dispose(): void;
}

/** Makes a CA in a temporary folder. */
export function testCa(name = 'Guard Test Root'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'acme-ca-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', `/CN=${name}`], dir);
  let serial = 1;
  return {
    certificatePem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    sign(csrPem, options) {
      writeFileSync(join(dir, 'req.pem'), csrPem);
      writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=${options.sans.map((san) => `DNS:${san}`).join(',')}\nbasicConstraints=CA:FALSE\n`);
      openssl(['x509', '-req', '-in', 'req.pem', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(serial++), '-days', String(options.days), '-extfile', 'ext.cnf', '-out', 'leaf.pem'], dir);
      return readFileSync(join(dir, 'leaf.pem'), 'utf8');
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
