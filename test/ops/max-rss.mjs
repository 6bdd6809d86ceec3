// Preloaded (node --import) into a CLI child by backup-large.test.ts: on exit,
// write the process's peak resident set size (KiB) where the test asks.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.MA_AUTH_TEST_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
