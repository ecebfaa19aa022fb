// Channel adapters. E-mail goes over SMTP (nodemailer) to a real server; SMS and push go to an HTTP
// provider (by default this service's own development sink); direct mail is exported as CSV for the
// print house, so its "delivery" is recording the row for the export.
import nodemailer from 'nodemailer';
import type { Channel } from '../domain/index.ts';

export interface OutgoingMessage {
  messageId: string;
  customerId: string;
  channel: Channel;
  to: { email?: string | null; phone?: string | null };
  subject?: string | undefined;
  body: string;
  html: boolean;
}

export type DeliveryOutcome =
  | { status: 'sent'; providerId?: string | undefined }
  | { status: 'exported' }
  | { status: 'bounced'; error: string }
  | { status: 'failed'; error: string };

export interface Delivery {
  send(message: OutgoingMessage): Promise<DeliveryOutcome>;
  close(): Promise<void>;
}

export interface DeliveryOptions {
  smtpHost: string;
  smtpPort: number;
  mailFrom: string;
  /** Base URL of the SMS/push provider; POST {base}/{channel}. */
  providerUrl: string;
}

export function createDelivery(opts: DeliveryOptions): Delivery {
  const transport = nodemailer.createTransport({
    host: opts.smtpHost,
    port: opts.smtpPort,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: 2,
  });
  return {
    async send(m) {
      if (m.channel === 'direct_mail') return { status: 'exported' };
      if (m.channel === 'email') {
        if (!m.to.email) return { status: 'failed', error: 'no e-mail address' };
        try {
          const info = await transport.sendMail({
            from: opts.mailFrom,
            to: m.to.email,
            subject: m.subject ?? '',
            ...(m.html ? { html: m.body } : { text: m.body }),
            messageId: `<${m.messageId}@crm.local>`,
            headers: { 'X-CRM-Message-Id': m.messageId },
          });
          if (info.rejected.length > 0) return { status: 'bounced', error: 'recipient rejected' };
          return { status: 'sent', providerId: info.messageId };
        } catch (err) {
          const e = err as { responseCode?: number; message: string };
          if (e.responseCode && e.responseCode >= 500 && e.responseCode < 600) return { status: 'bounced', error: e.message };
          return { status: 'failed', error: e.message };
        }
      }
      const to = m.channel === 'sms' ? m.to.phone : m.customerId;
      if (!to) return { status: 'failed', error: 'no contact point' };
      try {
        const res = await fetch(`${opts.providerUrl.replace(/\/$/, '')}/${m.channel}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': m.messageId },
          body: JSON.stringify({ messageId: m.messageId, to, body: m.body }),
          signal: AbortSignal.timeout(10_000),
        });
        if (res.ok) return { status: 'sent', providerId: m.messageId };
        return res.status >= 400 && res.status < 500 ? { status: 'bounced', error: `provider ${res.status}` } : { status: 'failed', error: `provider ${res.status}` };
      } catch (err) {
        return { status: 'failed', error: (err as Error).message };
      }
    },
    async close() {
      transport.close();
    },
  };
}
