// The roles a JWT may carry; every HTTP route names the roles it admits.
import { z } from 'zod';

export const roles = ['admin', 'agent', 'marketer', 'analyst', 'integrator'] as const;
export type Role = (typeof roles)[number];
export const roleSchema = z.enum(roles);
