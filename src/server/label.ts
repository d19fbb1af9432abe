// The routes of `kotodama label`: the labelling page (the built bundle's label/ folder) and its JSON API — the
// state (progress, the current pair), a choice on the current pair, undo. Requests are validated here, strictly;
// the session does the rest.
// Not here: the HTTP shell and its safety defaults (http.ts), labelling logic (train/preference/), the page
// (src/web/label/).
import type { Hono } from "hono";
import { CHOICES, LabelConflict, type Choice, type LabelSession, type LabelState } from "../train/preference/index.js";
import { createApp, HttpError, jsonBody, serveBundle, webBundleDir, type ListenOptions } from "./http.js";

/** What the page reads: the session state (the --out path is shown by the terminal, not sent). */
export type LabelStateJson = Omit<LabelState, "out">;

const stateJson = (s: LabelState): LabelStateJson => {
  const { out: _out, ...rest } = s;
  return rest;
};

/** The body of POST /api/label/choice: `{id, choice, tags?}`. */
export interface ChoiceRequest {
  readonly id: string | number;
  readonly choice: Choice;
  readonly tags: readonly string[];
}

export function parseChoiceRequest(o: Record<string, unknown>): ChoiceRequest {
  for (const k of Object.keys(o)) if (!["id", "choice", "tags"].includes(k)) throw new HttpError(400, `unknown field "${k}" (expected id, choice, tags)`);
  const { id, choice, tags = [] } = o;
  if (typeof id !== "string" && !Number.isSafeInteger(id)) throw new HttpError(400, `field "id": expected the pair's id (a string or an integer), got ${JSON.stringify(id) ?? "nothing"}`);
  if (!CHOICES.includes(choice as Choice)) throw new HttpError(400, `field "choice": expected one of ${CHOICES.join(", ")}, got ${JSON.stringify(choice) ?? "nothing"}`);
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === "string")) throw new HttpError(400, 'field "tags": expected an array of strings');
  return { id: id as string | number, choice: choice as Choice, tags };
}

/** The labelling API on `app`: state, choice, undo under /api/label. `kotodama label` serves it alone (labelApp);
 *  `kotodama serve --label-out` mounts it beside the explorer. */
export function labelRoutes(app: Hono, session: LabelSession): void {
  const conflict = (e: unknown): never => {
    if (e instanceof LabelConflict) throw new HttpError(409, e.message);
    throw e;
  };
  app.get("/api/label/state", (c) => c.json(stateJson(session.state())));
  app.post("/api/label/choice", async (c) => {
    const r = parseChoiceRequest(await jsonBody(c));
    try {
      return c.json(stateJson(session.label(r.id, r.choice, r.tags)));
    } catch (e) {
      return conflict(e);
    }
  });
  app.post("/api/label/undo", async (c) => {
    await jsonBody(c);
    return c.json(stateJson(session.undo()));
  });
}

/** The app: API under /api/label, the page at /label/ (and / redirects there). `bundle`: the built web folder
 *  (default dist/web of this package). */
export function labelApp(session: LabelSession, o: ListenOptions & { bundle?: string } = {}): Hono {
  const app = createApp(o);
  labelRoutes(app, session);
  app.get("/", (c) => c.redirect("/label/"));
  app.use("/*", serveBundle(o.bundle ?? webBundleDir("label")));
  return app;
}
