// The shapes every retriever shares: a source document, a chunk with its character offsets, a hit, and the
// Retriever interface that lexical (BM25), dense and hybrid search all implement, and AsyncRetriever, the same search
// when it may answer later (a LanceDB table).
// Not here: any implementation (bm25.ts, store.ts, ...).

/** A document as ingested: one text file, one Markdown/HTML page, or one JSONL passage. */
export interface SourceDoc {
  /** The passage id: the --id-field value for JSONL, else the file path (plus #N for a file's Nth record). */
  readonly id: string;
  /** The file it came from. */
  readonly source: string;
  /** The text that offsets point into: the file's text, the extracted main text of an HTML page, or the JSONL field. */
  readonly text: string;
  /** Markdown: heading lines start new chunks. */
  readonly markdown: boolean;
}

/** A span of a document. start/end are character offsets (Unicode code points, as Python's str counts them) into
 *  the document's text, end exclusive; text is exactly that slice. */
export interface Chunk {
  readonly docId: string;
  readonly source: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** A ranked chunk. `chunk` is the chunk's number in its store (stable within one index generation). */
export interface Hit {
  readonly chunk: number;
  readonly score: number;
}

/** A search over one chunk store. Dense and hybrid retrievers implement the same interface. */
export interface Retriever {
  /** The k best chunks for a query, best first (fewer when fewer match). */
  search(query: string, k: number): Hit[];
}

/** A search that may answer later (the dense side on a LanceDB table); every Retriever is one. */
export interface AsyncRetriever {
  search(query: string, k: number): Hit[] | Promise<Hit[]>;
}

/** Reads chunks by number; the on-disk store reads texts lazily. */
export interface ChunkStore {
  readonly size: number;
  chunk(n: number): Chunk;
}
