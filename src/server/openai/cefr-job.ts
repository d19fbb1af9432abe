// The inference worker's CEFR job (POST /v1/cefr): each input text through the server's CEFR classifier, answered
// in the JSON form `kotodama cefr --json` prints (eval/cefr/levels-json.ts), so that both give the same numbers.
// Not here: loading the classifier (worker.ts), the request's checks (cefr-request.ts), the HTTP answer (app.ts).
import { assessText, type OpenCefr, type TextLevels } from "../../eval/cefr/model.js";
import { textLevelsJson } from "../../eval/cefr/levels-json.js";
import { KotodamaError } from "../../util/errors.js";
import { ApiError } from "./errors.js";
import type { CefrJob, CefrResult } from "./protocol.js";

export function runCefrJob(m: OpenCefr, job: CefrJob): CefrResult {
  let promptTokens = 0;
  const texts = job.texts.map((text, i) => {
    let r: TextLevels;
    try {
      r = assessText(m, text);
    } catch (e) {
      if (e instanceof KotodamaError) throw new ApiError(400, `input[${i}]: ${e.message}`, "input");
      throw e;
    }
    for (const s of r.sentences) promptTokens += Math.min(m.context, m.tokenizer.encode(s.sentence).length);
    return textLevelsJson(r);
  });
  return { kind: "cefr", texts, promptTokens };
}
