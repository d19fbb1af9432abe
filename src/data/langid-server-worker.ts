// The thread side of langid-server.ts: loads eld once (createLanguageIdentifier without the fast path, which the
// clients run themselves) and answers the clients' requests until stopped. Not here: the protocol
// (langid-server.ts). Loaded by LangIdServer as a worker_threads entry; never imported.
import { workerData } from "node:worker_threads";
import { createLanguageIdentifier } from "./langid.js";
import { serve, type LangIdServerInit } from "./langid-server.js";

const init = workerData as LangIdServerInit;
const lid = await createLanguageIdentifier({ ...init.cfg, fastPath: false });
serve(init, (sample) => lid.detect(sample));
