// `npm run seed`: seeds the demo data into DATABASE_URL (or the embedded database) and prints a demo key.
// Exits 1 with one line when it cannot (e.g. the embedded database is open in the server).
import { loadConfig } from "../config.js";
import { openConfiguredDatabase } from "./client.js";
import { issueDemoKey, seedDemo } from "./seed.js";

try {
  const db = await openConfiguredDatabase(loadConfig(), { role: "seed" });
  try {
    await seedDemo(db.prisma);
    console.log(`Demo data present. Demo API key (all scopes): ${await issueDemoKey(db.prisma)}`);
  } finally {
    await db.close();
  }
} catch (error) {
  console.error(`Cannot seed: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.DEBUG_ERRORS) console.error(error);
  process.exitCode = 1;
}
