/**
 * The product reviews the sentiment application reads: 200 reviews, generated deterministically from
 * a seed and sentence templates, plus a handful written by hand to exercise VADER (negation, "but",
 * capitals and exclamation marks, emoticons) and the CSV format (quotes, commas, a line break).
 *
 * `packages/examples/data/sentiment/reviews.csv` is this module's output, committed; regenerate it with
 * `node packages/examples/dist/apps/sentiment/generate-reviews.js` (a test checks they agree).
 */
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../seeded-random.js';

/** The shipped CSV (`packages/examples/data/sentiment/reviews.csv`), found from this module (in `dist/apps/sentiment`). */
export const SHIPPED_REVIEWS_CSV = fileURLToPath(new URL('../../../data/sentiment/reviews.csv', import.meta.url));

/** One review as the CSV has it. */
export interface Review {
  readonly id: number;
  readonly product: string;
  /** Stars, 1 to 5. */
  readonly rating: number;
  readonly text: string;
}

/** How many reviews the shipped CSV has. */
export const REVIEW_COUNT = 200;

/**
 * Reviews written by hand, with the polarity VADER gives them (checked by the tests). Their ids come
 * first in the CSV.
 */
export const KNOWN_REVIEWS: readonly (Review & { readonly polarity: 'positive' | 'negative' | 'neutral'; readonly why: string })[] = [
  { id: 1, product: 'blender', rating: 2, text: 'This blender is not good at all.', polarity: 'negative', why: 'negation flips "good"' },
  { id: 2, product: 'headphones', rating: 2, text: 'The headphones are good, but the battery life is terrible.', polarity: 'negative', why: 'the clause after "but" weighs more' },
  { id: 3, product: 'headphones', rating: 5, text: 'AMAZING sound!!! I love it :)', polarity: 'positive', why: 'capitals, exclamation marks and an emoticon' },
  { id: 4, product: 'lamp', rating: 3, text: 'The lamp arrived on Monday.', polarity: 'neutral', why: 'no opinion words' },
  { id: 5, product: 'kettle', rating: 1, text: 'It is the worst kettle I have ever owned.', polarity: 'negative', why: '"worst"' },
  { id: 6, product: 'backpack', rating: 1, text: 'Says "waterproof", but it leaked; very disappointed.', polarity: 'negative', why: 'quotes and a comma inside a CSV field' },
  { id: 7, product: 'keyboard', rating: 4, text: 'The keyboard is kind of nice.', polarity: 'positive', why: '"kind of" dampens but keeps "nice" positive' },
  { id: 8, product: 'toaster', rating: 3, text: 'Nothing special, it does the job.', polarity: 'positive', why: 'three stars, yet VADER scores "special" and "job" positive' },
  { id: 9, product: 'kettle', rating: 5, text: 'Great kettle.\nBoils fast and looks good.', polarity: 'positive', why: 'a line break inside a quoted CSV field' },
  { id: 10, product: 'desk lamp', rating: 2, text: 'I wanted to love it, but it is useless.', polarity: 'negative', why: 'the clause after "but" wins' },
];

const PRODUCTS = ['blender', 'kettle', 'lamp', 'headphones', 'keyboard', 'backpack', 'toaster', 'water bottle', 'desk chair', 'phone case'];

const POSITIVE = [
  'I absolutely love this {p}.',
  'Works great and the quality is excellent.',
  'Best purchase I have made this year!',
  'Highly recommend it to anyone.',
  'Setup was easy and it looks beautiful.',
  'Very happy with it, five stars.',
  'Fantastic value for the price.',
  'My kids love it.',
  'Sturdy, quiet and a pleasure to use.',
  'The {p} is perfect for my needs.',
];

const NEGATIVE = [
  'Terrible quality, it broke after two days.',
  'Complete waste of money.',
  'Very disappointed with this {p}.',
  'The battery is awful and support was useless.',
  'It stopped working after a week and the refund was a nightmare.',
  'Worst {p} I have ever owned.',
  'Cheap plastic and poor design.',
  'It arrived damaged and smells bad.',
  'Loud, slow and frustrating.',
  'I regret buying this {p}.',
];

/** Sentences with no opinion in them (VADER scores each 0). */
const NEUTRAL = [
  'The {p} arrived on Tuesday.',
  'It comes in a blue box with a manual.',
  'I bought it for my office.',
  'The package contains the {p} and a cable.',
  'It is about the size of a paperback book.',
  'I have used it twice so far.',
  'It runs on two AA batteries.',
  'The manual is printed in four languages.',
  'My neighbour ordered the same model.',
  'It was shipped from a warehouse in Ohio.',
];


/**
 * The reviews of the shipped CSV: the known ones, then generated ones up to `count`: about 40%
 * positive (4-5 stars), 35% negative (1-2 stars) and 25% neutral (3 stars, opinion-free sentences).
 */
export function generateReviews(count = REVIEW_COUNT, seed = 20_240_628): Review[] {
  const random = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const reviews: Review[] = KNOWN_REVIEWS.slice(0, count).map(({ id, product, rating, text }) => ({ id, product, rating, text }));
  for (let id = reviews.length + 1; id <= count; id++) {
    const product = pick(PRODUCTS);
    const roll = random();
    const kind = roll < 0.4 ? 'positive' : roll < 0.75 ? 'negative' : 'neutral';
    const opinions = kind === 'positive' ? POSITIVE : kind === 'negative' ? NEGATIVE : NEUTRAL;
    const sentences = [pick(opinions)];
    if (random() < 0.5) {
      const second = pick(opinions);
      if (second !== sentences[0]) sentences.push(second);
    }
    // Facts mixed into an opinion, at the front or the back.
    if (kind !== 'neutral' && random() < 0.5) {
      const fact = pick(NEUTRAL);
      if (random() < 0.5) sentences.unshift(fact);
      else sentences.push(fact);
    }
    const rating = kind === 'positive' ? 4 + Math.floor(random() * 2) : kind === 'negative' ? 1 + Math.floor(random() * 2) : 3;
    reviews.push({ id, product, rating, text: sentences.join(' ').replaceAll('{p}', product) });
  }
  return reviews;
}

/** Reviews as CSV (RFC 4180: a header, fields quoted where they hold a comma, a quote or a line break). */
export function reviewsToCsv(reviews: readonly Review[]): string {
  const field = (value: string | number): string => {
    const s = String(value);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return ['id,product,rating,review', ...reviews.map((r) => [r.id, r.product, r.rating, r.text].map(field).join(','))].join('\n') + '\n';
}
