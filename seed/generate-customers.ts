/**
 * Generates seed/customers.json, the sample data set for the Customers table (desired-state/tables/customers.yaml:
 * partition key customerID, type S), and seed/customers.manifest.json (its item count and sha256).
 *
 * Why generated, and deterministic: the file is a fixture as much as sample data (`npm start` seeds it and compares
 * the report with a Scan; a test checks the committed file is exactly what this script makes). A seeded PRNG and a
 * fixed epoch, never Date.now or Math.random, so the same command always writes the same bytes.
 *
 * What it shows: DynamoDB's schema-less items. Every item has the key and a core of attributes; the rest vary: nested
 * maps (address with an optional geo map, preferences), lists of strings and of maps (recent orders), whole and
 * decimal numbers (one balance with 22 significant digits, beyond a JS double: it must reach the table as written),
 * booleans, a null, and attributes only some items have (phone, company, vip, referredBy, notes).
 *
 * Run: `npx tsx seed/generate-customers.ts` (add `--check` to only compare with the committed files).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** How many customers the committed file holds. */
export const CUSTOMER_COUNT = 1_000;
/** The PRNG seed of the committed file. */
export const CUSTOMER_SEED = 20_261_201;
/** Fixed epoch for every date in the file (2024-01-01T00:00:00Z). */
const EPOCH_MS = Date.UTC(2024, 0, 1);

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; the same seed gives the same sequence on every platform. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A JSON number written exactly as this text (JSON.stringify would round it through a double). */
class Decimal {
  constructor(readonly text: string) {}
}

type Value = string | number | boolean | null | Decimal | Value[] | { [name: string]: Value };

/** JSON text of a value, keys in insertion order, Decimal as its exact text. */
function stringify(value: Value): string {
  if (value instanceof Decimal) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([name, inner]) => `${JSON.stringify(name)}:${stringify(inner)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const FIRST = ['Ada', 'Bruno', 'Chloé', 'Dmitri', 'Eitan', 'Fatima', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kwame', 'Lena', 'Mateo', 'Nora', 'Oskar', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tomás', 'Uma', 'Viktor', 'Wen', 'Yara', 'Zoë'];
const LAST = ['Adeyemi', 'Bergström', 'Castillo', 'Dubois', 'Eriksen', 'Fischer', 'García', 'Hoffmann', 'Ivanova', 'Jansen', 'Kowalski', 'Lindqvist', 'Moreau', 'Nakamura', "O'Brien", 'Petrov', 'Rossi', 'Schmidt', 'Tanaka', 'Novák', 'Walsh', 'Yilmaz', 'Zhang'];
const CITIES: ReadonlyArray<{ city: string; country: string; postal: string; streets: readonly string[]; lat: number; lon: number; language: string; currency: string }> = [
  { city: 'Berlin', country: 'DE', postal: '10###', streets: ['Lindenallee', 'Oranienstraße', 'Kastanienallee'], lat: 52.52, lon: 13.405, language: 'de-DE', currency: 'EUR' },
  { city: 'Lisbon', country: 'PT', postal: '1100-###', streets: ['Rua Augusta', 'Rua da Prata', 'Avenida da Liberdade'], lat: 38.7223, lon: -9.1393, language: 'pt-PT', currency: 'EUR' },
  { city: 'Dublin', country: 'IE', postal: 'D02 X###', streets: ['Harbour Road', 'Grafton Street', 'Baggot Street'], lat: 53.3498, lon: -6.2603, language: 'en-IE', currency: 'EUR' },
  { city: 'Seattle', country: 'US', postal: '981##', streets: ['Main Street', 'Pine Street', 'Elm Court'], lat: 47.6062, lon: -122.3321, language: 'en-US', currency: 'USD' },
  { city: 'Toronto', country: 'CA', postal: 'M5V #A#', streets: ['Queen Street West', 'King Street East', 'Spadina Avenue'], lat: 43.6532, lon: -79.3832, language: 'en-CA', currency: 'CAD' },
  { city: 'Tokyo', country: 'JP', postal: '100-####', streets: ['Chuo-dori', 'Meiji-dori', 'Omotesando'], lat: 35.6762, lon: 139.6503, language: 'ja-JP', currency: 'JPY' },
  { city: 'São Paulo', country: 'BR', postal: '01###-###', streets: ['Avenida Paulista', 'Rua Oscar Freire', 'Rua Augusta'], lat: -23.5505, lon: -46.6333, language: 'pt-BR', currency: 'BRL' },
  { city: 'Stockholm', country: 'SE', postal: '111 ##', streets: ['Kungsgatan', 'Drottninggatan', 'Götgatan'], lat: 59.3293, lon: 18.0686, language: 'sv-SE', currency: 'SEK' },
];
const CHANNELS = ['email', 'sms', 'push', 'post'];
const INTERESTS = ['outdoor', 'books', 'coffee', 'cycling', 'electronics', 'gardening', 'jazz', 'photography', 'running', 'travel'];
const TIERS = ['bronze', 'silver', 'gold', 'platinum'];
const STATUSES = ['active', 'active', 'active', 'active', 'dormant', 'suspended'];
const COMPANIES = ['Acme GmbH', 'Blue Harbor Ltd', 'Nordlys AB', 'Sakura KK', 'Tupi Comércio'];

/** The customers, in file order. The one at index 7 carries the 22-digit balance. */
export function generateCustomers(count = CUSTOMER_COUNT, seed = CUSTOMER_SEED): Array<Record<string, Value>> {
  const random = prng(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const chance = (p: number) => random() < p;
  const some = <T>(list: readonly T[], min: number, max: number): T[] => {
    const chosen = new Set<T>();
    const want = int(min, max);
    while (chosen.size < want) chosen.add(pick(list));
    return list.filter((entry) => chosen.has(entry)); // stable order
  };
  const day = (from: number, to: number) => new Date(EPOCH_MS + int(from, to) * 86_400_000 + int(0, 86_399) * 1000).toISOString().replace('.000Z', 'Z');
  const money = (max: number) => new Decimal((int(0, max * 100) / 100).toFixed(2));

  const customers: Array<Record<string, Value>> = [];
  for (let i = 1; i <= count; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const place = pick(CITIES);
    const id = `CUST-${String(i).padStart(6, '0')}`;
    const handle = `${first}.${last}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
    const address: Record<string, Value> = {
      street: `${int(1, 240)} ${pick(place.streets)}`,
      city: place.city,
      postalCode: place.postal.replace(/#/g, () => String(int(0, 9))),
      country: place.country,
    };
    if (chance(0.6)) address['geo'] = { lat: new Decimal((place.lat + (random() - 0.5) / 10).toFixed(5)), lon: new Decimal((place.lon + (random() - 0.5) / 10).toFixed(5)) };
    if (chance(0.15)) address['unit'] = `Apt ${int(1, 60)}`;
    const preferences: Record<string, Value> = {
      language: place.language,
      currency: place.currency,
      newsletter: chance(0.55),
      channels: some(CHANNELS, 1, 3),
    };
    if (chance(0.4)) preferences['theme'] = pick(['light', 'dark', 'system']);
    if (chance(0.3)) preferences['quietHours'] = { from: `${int(20, 23)}:00`, to: `0${int(6, 8)}:00` };
    const customer: Record<string, Value> = {
      customerID: id,
      name: `${first} ${last}`,
      email: `${handle}${i}@example.com`,
      status: pick(STATUSES),
      tier: pick(TIERS),
      createdAt: day(0, 700),
      active: chance(0.85),
      loyaltyPoints: int(0, 25_000),
      balance: i === 7 ? new Decimal('12345678901234567890.12') : money(5_000),
      address,
      preferences,
      interests: some(INTERESTS, 0, 4),
    };
    if (chance(0.7)) customer['phone'] = `+${int(1, 99)} ${int(100, 999)} ${int(1000, 9999)} ${int(100, 999)}`;
    if (chance(0.2)) customer['company'] = { name: pick(COMPANIES), vatId: `${place.country}${int(100_000_000, 999_999_999)}` };
    if (chance(0.1)) customer['vip'] = true;
    if (chance(0.25) && i > 1) customer['referredBy'] = `CUST-${String(int(1, i - 1)).padStart(6, '0')}`;
    if (chance(0.05)) customer['notes'] = pick(['Prefers phone contact.', 'Invoice by post only.', 'Address verified in person.', null]);
    if (chance(0.5)) {
      customer['recentOrders'] = Array.from({ length: int(1, 4) }, () => ({
        orderID: `ORD-${int(100_000, 999_999)}`,
        total: money(900),
        items: int(1, 12),
        placedAt: day(500, 730),
        gift: chance(0.1),
      }));
    }
    customers.push(customer);
  }
  return customers;
}

/** The file's text: a JSON array, one customer per line (readable, and diffs line by line). */
export function customersJson(customers = generateCustomers()): string {
  return `[\n${customers.map(stringify).join(',\n')}\n]\n`;
}

/** The manifest beside the file: what it holds and its checksum (the same sha256 the seed report gives). */
export function customersManifest(text: string, items: number): string {
  const manifest = {
    file: 'customers.json',
    table: 'Customers',
    format: 'json',
    keySchema: { partitionKey: { name: 'customerID', type: 'S' } },
    items,
    bytes: Buffer.byteLength(text),
    sha256: createHash('sha256').update(text).digest('hex'),
    generator: { script: 'seed/generate-customers.ts', count: CUSTOMER_COUNT, seed: CUSTOMER_SEED },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const text = customersJson();
  const manifest = customersManifest(text, CUSTOMER_COUNT);
  const file = fileURLToPath(new URL('./customers.json', import.meta.url));
  const manifestFile = fileURLToPath(new URL('./customers.manifest.json', import.meta.url));
  if (process.argv.includes('--check')) {
    const same = readFileSync(file, 'utf8') === text && readFileSync(manifestFile, 'utf8') === manifest;
    process.stdout.write(same ? 'seed/customers.json is up to date\n' : 'seed/customers.json differs from what the generator makes: run npx tsx seed/generate-customers.ts\n');
    process.exitCode = same ? 0 : 1;
  } else {
    writeFileSync(file, text);
    writeFileSync(manifestFile, manifest);
    process.stdout.write(`wrote ${file} (${CUSTOMER_COUNT} customers, ${Buffer.byteLength(text)} bytes) and ${manifestFile}\n`);
  }
}
