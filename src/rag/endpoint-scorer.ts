// An OpenAI-compatible endpoint as grounded answering's ScoreContinuation and as the LM rerank's PassageScorer:
// every (prefix, continuation) pair's log-probability from one /v1/completions request with echo and logprobs
// (EndpointResponder.echoLoglikelihoods), for the model-scored extractive mode and the rerank with a model served
// elsewhere. The server must echo prompt log-probabilities
// (kotodama serve and vLLM do; a server that does not is named in the error). Not here: HTTP (src/infer/endpoint.ts),
// the local model's scorer (local-model.ts), which tokenizes prefix and continuation apart: the two can differ by the
// token that straddles the boundary, which the endpoint counts with the prefix.
import { ContextLengthError, type EndpointResponder } from "../infer/endpoint.js";
import { KotodamaError } from "../util/errors.js";
import { questionCue, type PassageScorer } from "./fusion-rerank.js";
import type { ScoreContinuation } from "./generator.js";

export function endpointScorer(responder: EndpointResponder): ScoreContinuation {
  return async (pairs) => {
    try {
      return await responder.echoLoglikelihoods(pairs.map((p) => ({ context: p.prefix, continuation: p.continuation })));
    } catch (e) {
      if (e instanceof ContextLengthError) throw new KotodamaError(`${e.message} (a candidate sentence after its question does not fit the served model's context)`);
      throw e;
    }
  };
}

/** The LM rerank's PassageScorer through an endpoint: log p(question | passage + cue) of every passage from one
 *  /v1/completions echo request (the same text questionLikelihood scores locally, tokenized whole by the server;
 *  a passage is not cut, so one longer than the served model's context is an error naming it). */
export function endpointPassageScorer(responder: EndpointResponder): PassageScorer {
  return async (question, passages) => {
    try {
      return (await responder.echoLoglikelihoods(passages.map((p) => ({ context: p + questionCue(question), continuation: question })))).map((r) => r.logprob);
    } catch (e) {
      if (e instanceof ContextLengthError) throw new KotodamaError(`${e.message} (a passage to rerank with its question does not fit the served model's context: rerank fewer or index smaller chunks)`);
      throw e;
    }
  };
}
