// CEFR levels from a server instead of a local classifier: POST {base}/cefr (`kotodama serve --cefr DIR`) with the
// texts, in requests of at most REMOTE_BATCH texts, each answer checked into the JSON form `kotodama cefr --json`
// prints (levels-json.ts), in input order. Not here: HTTP retries, keys and errors (infer/endpoint.ts), the route.
import { endpointPost, resolveEndpointUrl, type EndpointConnection } from "../../infer/endpoint.js";
import { KotodamaError } from "../../util/errors.js";
import { readTextLevelsJson, type CefrTextJson } from "./levels-json.js";

/** Texts per request (the server takes up to 256; smaller requests stay well under its body limit). */
export const REMOTE_BATCH = 64;

const HINT_404 = "; does that server run with --cefr DIR (kotodama serve --cefr), and does the URL end in its /v1?";

/** The levels of each text by the server's CEFR model (`model`: its name; absent: the server's only one). */
export async function assessRemote(conn: EndpointConnection, texts: readonly string[], model?: string): Promise<CefrTextJson[]> {
  const where = `${resolveEndpointUrl(conn.url)}/cefr`;
  const out: CefrTextJson[] = [];
  for (let i = 0; i < texts.length; i += REMOTE_BATCH) {
    const batch = texts.slice(i, i + REMOTE_BATCH);
    const res = await endpointPost(conn, "/cefr", { input: batch, ...(model === undefined ? {} : { model }) }, HINT_404);
    const data = res !== null && typeof res === "object" ? (res as { data?: unknown }).data : undefined;
    if (!Array.isArray(data) || data.length !== batch.length) throw new KotodamaError(`${where}: expected {"data": [${batch.length} results]} (not a kotodama /v1/cefr answer?)`);
    data.forEach((d, k) => out.push(readTextLevelsJson(d, `${where}: data[${i + k}]`)));
  }
  return out;
}
