/** Who asked, and under which request: every use case records it in the audit log and the events. */
export interface Actor {
  sub: string;
  requestId?: string | undefined;
}
