/** The topics the projections read; tests and the benchmark map them to isolated copies. */
export interface ProjectionTopics {
  customer: string;
  profile: string;
  interaction: string;
  ticket: string;
}

export const defaultProjectionTopics: ProjectionTopics = {
  customer: 'crm.customer',
  profile: 'crm.customer.profile',
  interaction: 'crm.interaction',
  ticket: 'crm.ticket',
};

export const topicList = (t: ProjectionTopics): string[] => [t.customer, t.profile, t.interaction, t.ticket];
