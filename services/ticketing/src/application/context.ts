/** Who asked, and under which request: use cases record it in the ticket history and the events. */
export interface Actor {
  sub: string;
  requestId?: string | undefined;
  /** who the author is for messages: agents work tickets, an integrator speaks for the customer */
  kind?: 'agent' | 'customer' | 'system';
}

export const systemActor = (requestId?: string): Actor => ({ sub: 'system', requestId, kind: 'system' });
