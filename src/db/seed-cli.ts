// `npm run seed`: seeds the demo data into DATABASE_URL (or the embedded database) and prints a demo key.
import { loadConfig } from "../config.js";
import { openConfiguredDatabase } from "./client.js";
import { issueDemoKey, seedDemo } from "./seed.js";

const config = loadConfig();
const db = await openConfiguredDatabase(config);
await seedDemo(db.prisma);
console.log(`Demo data present. Demo API key (all scopes): ${await issueDemoKey(db.prisma)}`);
await db.close();
