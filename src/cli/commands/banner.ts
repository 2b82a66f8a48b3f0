import type { SeedReport } from '../../server/seeding.ts';

export function printSeedReport(report: SeedReport): void {
  console.log(JSON.stringify(report, null, 2));
}
