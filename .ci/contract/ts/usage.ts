// An anonymous front-end's use of the delivery API, typed only by the types that
// openapi-typescript generates from openapi/openapi.json (../gen/ts/schema.d.ts).
// `tsc --strict --noEmit` must accept it; run.sh also runs it against the live server.
import type { components, paths } from "../gen/ts/schema";

type ListArticles = paths["/api/v1/articles"]["get"];
export type ArticleListQuery = NonNullable<ListArticles["parameters"]["query"]>;
export type ArticleList = ListArticles["responses"]["200"]["content"]["application/json"];
type GetReactions = paths["/api/v1/articles/{key}/reactions"]["get"];
export type Reactions = GetReactions["responses"]["200"]["content"]["application/json"];
type Problem = components["schemas"]["Problem"];

async function getJson<T>(url: URL): Promise<T> {
  // No Authorization header: these are public reads.
  const res = await fetch(url, { headers: { Accept: "application/json" } });
  if (!res.ok) {
    const problem = (await res.json()) as Problem;
    throw new Error(`${url.pathname}: ${problem.status} ${problem.title}: ${problem.detail}`);
  }
  return (await res.json()) as T;
}

export async function listArticles(base: string, query: ArticleListQuery = {}): Promise<ArticleList> {
  const url = new URL("/api/v1/articles", base);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return getJson<ArticleList>(url);
}

export async function getReactions(base: string, key: string | number): Promise<Reactions> {
  return getJson<Reactions>(new URL(`/api/v1/articles/${encodeURIComponent(String(key))}/reactions`, base));
}

async function main(base: string): Promise<void> {
  const list = await listArticles(base, { locale: "en", per_page: 5, sort: "-published_at" });
  console.log(`articles: ${list.meta.total} in ${list.meta.total_pages} page(s)`);
  for (const article of list.data) {
    const published = article.published_at ?? "unpublished";
    const authors = article.authors.map((author) => author.name).join(", ");
    const reactions = await getReactions(base, article.id);
    const mine: string | null | undefined = reactions.data.mine;
    console.log(`- [${article.locale}] ${article.title} (${published}; ${authors}; ${article.category.name})`);
    console.log(`  reactions: ${reactions.data.total} ${JSON.stringify(reactions.data.counts)} mine=${mine ?? "-"}`);
  }
}

// Node's `process`, declared here so that the check needs no @types/node.
declare const process: { argv: string[]; exitCode?: number };
const base = process.argv[2];
if (base !== undefined) {
  main(base).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
