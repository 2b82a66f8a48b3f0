import type { SeedReport } from '../../server/seeding.ts';

/** What an operator needs after seeding: the client ids, and secrets the one time they exist. */
export function printSeedReport(report: SeedReport): void {
  console.log('\ndemo directory (fictional):');
  for (const clientId of report.clientIds) {
    const secret = report.newClientSecrets[clientId];
    console.log(`  client ${clientId}${secret ? `  secret ${secret}  (shown once; store it now)` : '  (secret unchanged)'}`);
  }
  for (const person of report.persons) {
    console.log(`  person ${person.name} (${person.nationalNumberMasked}): ${person.description}`);
  }
}
