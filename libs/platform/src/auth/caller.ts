import { ForbiddenError } from '../domain-errors';

export const ROLES = ['customer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who sent a request, as a verified token says: `sub` is the customer id, `role` what they may do. */
export class Caller {
  constructor(
    readonly id: string,
    readonly role: Role,
  ) {}

  get isAdmin(): boolean {
    return this.role === 'admin';
  }

  /** A customer acts only for themselves; an admin for anyone. */
  mayActFor(customerId: string): boolean {
    return this.isAdmin || this.id === customerId;
  }

  /**
   * Whose things a request is about, given the customerId it names (in a body or a query): a
   * customer's own, or 403 for naming another; for an admin the one named, or undefined for all.
   */
  customerScope(named: string | undefined): string | undefined {
    if (this.isAdmin) return named;
    if (named !== undefined && named !== this.id) throw new ForbiddenError('A customer may act only for themselves');
    return this.id;
  }
}
