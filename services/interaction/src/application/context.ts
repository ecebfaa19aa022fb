/** Who asked, and under which request: the events carry the request id as correlation id. */
export interface Actor {
  sub: string;
  requestId?: string | undefined;
  /** The id of the event that caused this change (ingest commands, consumed events). */
  causationId?: string | undefined;
}
