// CloudEvents 1.0 structured envelope (https://github.com/cloudevents/spec), validated with zod.
import { z } from 'zod';

/** crm.<area>.<event>.v<major>; a breaking change is a new major, i.e. a new type. */
export const EVENT_TYPE_PATTERN = /^crm\.[a-z_]+\.[a-z_.]+\.v\d+$/;

const attribute = z.string().min(1).max(256);

/**
 * The envelope around `dataSchema`. Passing `type` pins the type attribute to that literal (what each
 * event definition does); without it any well-formed crm type is accepted.
 */
export function cloudEventSchema<D extends z.ZodType, T extends string = string>(dataSchema: D, type?: T) {
  return z.object({
    specversion: z.literal('1.0'),
    id: attribute,
    /** URI-reference of the producing service, e.g. `/crm/customer`. */
    source: attribute,
    type: type === undefined ? z.string().regex(EVENT_TYPE_PATTERN) : z.literal(type),
    time: z.iso.datetime(),
    /** The aggregate the event is about (the customer id for customer events); also the Kafka key. */
    subject: attribute,
    datacontenttype: z.literal('application/json'),
    data: dataSchema,
    /** Extension: id of the request that started the chain (travels as x-request-id). */
    correlationid: attribute.optional(),
    /** Extension: id of the event that caused this one. */
    causationid: attribute.optional(),
  });
}

/** Any envelope, data not yet validated: the first step of parsing a message. */
export const anyCloudEventSchema = cloudEventSchema(z.unknown());

export interface CloudEvent<D = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  data: D;
  correlationid?: string | undefined;
  causationid?: string | undefined;
}
